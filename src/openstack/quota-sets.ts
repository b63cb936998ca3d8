/**
 * The `/os-quota-sets` API that Nova and Cinder both serve with the same paths, bodies and statuses; the services'
 * quotas modules (compute/quotas, block-storage/quotas) give it their own quota types.
 */
import type { ServiceClient } from './service-client.js';

function quotaSetPath(projectId: string): string {
  return `/os-quota-sets/${encodeURIComponent(projectId)}`;
}

/** GET /os-quota-sets/{project_id}[?usage=true]. */
export async function getQuotaSet<Q>(
  sc: ServiceClient,
  projectId: string,
  options: { usage?: boolean; signal?: AbortSignal } = {},
): Promise<Q> {
  const data = await sc.get<{ quota_set: Q }>(quotaSetPath(projectId), {
    ...(options.usage ? { query: { usage: true } } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return data.quota_set;
}

/** PUT /os-quota-sets/{project_id} (admin): the limits given, the others kept. */
export async function updateQuotaSet<Q>(
  sc: ServiceClient,
  projectId: string,
  values: Record<string, number>,
  signal?: AbortSignal,
): Promise<Q> {
  const data = await sc.put<{ quota_set: Q }>(
    quotaSetPath(projectId),
    { quota_set: values },
    { okStatus: [200], ...(signal ? { signal } : {}) },
  );
  return data.quota_set;
}

/** DELETE /os-quota-sets/{project_id} (admin): back to the defaults (Nova answers 202, Cinder 200). */
export async function resetQuotaSet(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<void> {
  await sc.delete(quotaSetPath(projectId), { okStatus: [200, 202, 204], ...(signal ? { signal } : {}) });
}

/** GET /os-quota-sets/{project_id}/defaults: the limits a new project gets. */
export async function quotaSetDefaults<Q>(sc: ServiceClient, projectId: string, signal?: AbortSignal): Promise<Q> {
  const data = await sc.get<{ quota_set: Q }>(`${quotaSetPath(projectId)}/defaults`, signal ? { signal } : {});
  return data.quota_set;
}
