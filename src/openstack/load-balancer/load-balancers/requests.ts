import { crud } from '../../resource.js';
import type { ServiceClient } from '../../service-client.js';
import type { LoadBalancer, LoadBalancerCreateOpts, LoadBalancerUpdateOpts } from './types.js';

/** Octavia `/v2/lbaas/loadbalancers`. */
export const loadBalancersApi = crud<LoadBalancer, LoadBalancerCreateOpts, LoadBalancerUpdateOpts>({
  path: '/v2/lbaas/loadbalancers',
  one: 'loadbalancer',
  many: 'loadbalancers',
  pagination: 'links',
});
export const { list, get, create, update } = loadBalancersApi;
export type LoadBalancerList = LoadBalancer[];

/** Deletes a load balancer; `cascade` also deletes its listeners, pools, members and monitors (Octavia only). */
export async function remove(
  sc: ServiceClient,
  id: string,
  options: { cascade?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  await sc.request('DELETE', `/v2/lbaas/loadbalancers/${encodeURIComponent(id)}`, {
    ...(options.cascade ? { query: { cascade: true } } : {}),
    okStatus: [202, 204],
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
