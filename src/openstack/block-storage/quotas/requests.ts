import { getQuotaSet, quotaSetDefaults, resetQuotaSet, updateQuotaSet } from '../../quota-sets.js';
import type { ServiceClient } from '../../service-client.js';

export type BlockStorageQuota = Record<string, number | { limit: number; in_use: number; reserved?: number } | string>;

/** GET /os-quota-sets/{project_id}?usage=true. */
export function get(
  sc: ServiceClient,
  projectId: string,
  usage = false,
  signal?: AbortSignal,
): Promise<BlockStorageQuota> {
  return getQuotaSet<BlockStorageQuota>(sc, projectId, { usage, ...(signal ? { signal } : {}) });
}

/** PUT /os-quota-sets/{project_id} (admin: volume_extension:quotas:update): the limits given, the others kept. */
export function update(
  sc: ServiceClient,
  projectId: string,
  values: Record<string, number>,
  signal?: AbortSignal,
): Promise<BlockStorageQuota> {
  return updateQuotaSet<BlockStorageQuota>(sc, projectId, values, signal);
}

/** DELETE /os-quota-sets/{project_id} (admin): back to the defaults (200). */
export function reset(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<void> {
  return resetQuotaSet(sc, projectId, signal);
}

/** GET /os-quota-sets/{project_id}/defaults: the limits a new project gets. */
export function defaults(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<BlockStorageQuota> {
  return quotaSetDefaults<BlockStorageQuota>(sc, projectId, signal);
}
