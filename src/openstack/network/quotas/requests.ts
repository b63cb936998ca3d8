import type { ServiceClient } from '../../service-client.js';

export type NetworkQuota = Record<string, number>;
export type NetworkQuotaDetails = Record<string, { limit: number; used: number; reserved?: number }>;

/** GET /v2.0/quotas/{project_id}. */
export async function get(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<NetworkQuota> {
  const data = await sc.get<{ quota: NetworkQuota }>(
    `/quotas/${encodeURIComponent(projectId)}`,
    signal ? { signal } : {},
  );
  return data.quota;
}

/** GET /v2.0/quotas/{project_id}/details (the `quota_details` extension): limits with usage. */
export async function details(
  sc: ServiceClient,
  projectId: string,
  signal?: AbortSignal,
): Promise<NetworkQuotaDetails> {
  const data = await sc.get<{ quota: NetworkQuotaDetails }>(
    `/quotas/${encodeURIComponent(projectId)}/details`,
    signal ? { signal } : {},
  );
  return data.quota;
}
