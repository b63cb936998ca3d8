import type { ServiceClient } from '../../service-client.js';

export type BlockStorageQuota = Record<string, number | { limit: number; in_use: number; reserved?: number } | string>;

/** GET /os-quota-sets/{project_id}?usage=true. */
export async function get(
  sc: ServiceClient,
  projectId: string,
  usage = false,
  signal?: AbortSignal,
): Promise<BlockStorageQuota> {
  const data = await sc.get<{ quota_set: BlockStorageQuota }>(`/os-quota-sets/${encodeURIComponent(projectId)}`, {
    query: usage ? { usage: true } : {},
    ...(signal ? { signal } : {}),
  });
  return data.quota_set;
}
