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

/** PUT /v2.0/quotas/{project_id} (admin): the limits given, the others kept. */
export async function update(
  sc: ServiceClient,
  projectId: string,
  values: Record<string, number>,
  signal?: AbortSignal,
): Promise<NetworkQuota> {
  const data = await sc.put<{ quota: NetworkQuota }>(
    `/quotas/${encodeURIComponent(projectId)}`,
    { quota: values },
    { okStatus: [200], ...(signal ? { signal } : {}) },
  );
  return data.quota;
}

/** DELETE /v2.0/quotas/{project_id} (admin): back to the defaults (204). */
export async function reset(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<void> {
  await sc.delete(`/quotas/${encodeURIComponent(projectId)}`, { okStatus: [204], ...(signal ? { signal } : {}) });
}

/** GET /v2.0/quotas/{project_id}/default: the limits a new project gets. */
export async function defaults(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<NetworkQuota> {
  const data = await sc.get<{ quota: NetworkQuota }>(
    `/quotas/${encodeURIComponent(projectId)}/default`,
    signal ? { signal } : {},
  );
  return data.quota;
}
