import { getQuotaSet, quotaSetDefaults, resetQuotaSet, updateQuotaSet } from '../../quota-sets.js';
import type { ServiceClient } from '../../service-client.js';

export type ComputeQuota = Record<string, number | string>;

/** GET /os-quota-sets/{project_id}. */
export function get(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<ComputeQuota> {
  return getQuotaSet<ComputeQuota>(sc, projectId, signal ? { signal } : {});
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
export function update(
  sc: ServiceClient,
  projectId: string,
  values: Record<string, number>,
  signal?: AbortSignal,
): Promise<ComputeQuota> {
  return updateQuotaSet<ComputeQuota>(sc, projectId, values, signal);
}

/** DELETE /os-quota-sets/{project_id} (admin): back to the defaults (202). */
export function reset(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<void> {
  return resetQuotaSet(sc, projectId, signal);
}

/** GET /os-quota-sets/{project_id}/defaults: the limits a new project gets. */
export function defaults(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<ComputeQuota> {
  return quotaSetDefaults<ComputeQuota>(sc, projectId, signal);
}
