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

/** PUT /os-quota-sets/{project_id} (admin: volume_extension:quotas:update): the limits given, the others kept. */
export async function update(
  sc: ServiceClient,
  projectId: string,
  values: Record<string, number>,
  signal?: AbortSignal,
): Promise<BlockStorageQuota> {
  const data = await sc.put<{ quota_set: BlockStorageQuota }>(
    `/os-quota-sets/${encodeURIComponent(projectId)}`,
    { quota_set: values },
    { okStatus: [200], ...(signal ? { signal } : {}) },
  );
  return data.quota_set;
}

/** DELETE /os-quota-sets/{project_id} (admin): back to the defaults (200). */
export async function reset(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<void> {
  await sc.delete(`/os-quota-sets/${encodeURIComponent(projectId)}`, {
    okStatus: [200, 202, 204],
    ...(signal ? { signal } : {}),
  });
}

/** GET /os-quota-sets/{project_id}/defaults: the limits a new project gets. */
export async function defaults(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<BlockStorageQuota> {
  const data = await sc.get<{ quota_set: BlockStorageQuota }>(
    `/os-quota-sets/${encodeURIComponent(projectId)}/defaults`,
    signal ? { signal } : {},
  );
  return data.quota_set;
}
