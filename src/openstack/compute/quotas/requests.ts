import type { ServiceClient } from '../../service-client.js';

export type ComputeQuota = Record<string, number | string>;

/** GET /os-quota-sets/{project_id}. */
export async function get(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<ComputeQuota> {
  const data = await sc.get<{ quota_set: ComputeQuota }>(
    `/os-quota-sets/${encodeURIComponent(projectId)}`,
    signal ? { signal } : {},
  );
  return data.quota_set;
}

export interface AbsoluteLimits {
  maxTotalInstances: number;
  maxTotalCores: number;
  maxTotalRAMSize: number;
  maxTotalKeypairs?: number;
  maxServerGroups?: number;
  totalInstancesUsed: number;
  totalCoresUsed: number;
  totalRAMUsed: number;
  totalServerGroupsUsed?: number;
  [key: string]: number | undefined;
}

/** GET /limits: the project's compute limits with usage (readable by members, unlike quota details). */
export async function limits(sc: ServiceClient, signal?: AbortSignal): Promise<AbsoluteLimits> {
  const data = await sc.get<{ limits: { absolute: AbsoluteLimits } }>('/limits', signal ? { signal } : {});
  return data.limits.absolute;
}

/** PUT /os-quota-sets/{project_id} (admin: os_compute_api:os-quota-sets:update): the limits given, the others kept. */
export async function update(
  sc: ServiceClient,
  projectId: string,
  values: Record<string, number>,
  signal?: AbortSignal,
): Promise<ComputeQuota> {
  const data = await sc.put<{ quota_set: ComputeQuota }>(
    `/os-quota-sets/${encodeURIComponent(projectId)}`,
    { quota_set: values },
    { okStatus: [200], ...(signal ? { signal } : {}) },
  );
  return data.quota_set;
}

/** DELETE /os-quota-sets/{project_id} (admin): back to the defaults (202). */
export async function reset(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<void> {
  await sc.delete(`/os-quota-sets/${encodeURIComponent(projectId)}`, {
    okStatus: [200, 202, 204],
    ...(signal ? { signal } : {}),
  });
}

/** GET /os-quota-sets/{project_id}/defaults: the limits a new project gets. */
export async function defaults(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<ComputeQuota> {
  const data = await sc.get<{ quota_set: ComputeQuota }>(
    `/os-quota-sets/${encodeURIComponent(projectId)}/defaults`,
    signal ? { signal } : {},
  );
  return data.quota_set;
}
