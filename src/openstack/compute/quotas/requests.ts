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
