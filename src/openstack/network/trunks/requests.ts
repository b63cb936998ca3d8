import { crud, unwrap, type CallOptions } from '../../resource.js';
import type { ServiceClient } from '../../service-client.js';
import type { SubPort, Trunk, TrunkCreateOpts, TrunkUpdateOpts } from './types.js';

/** Neutron `/v2.0/trunks`. */
export const trunksApi = crud<Trunk, TrunkCreateOpts, TrunkUpdateOpts>({
  path: '/trunks',
  one: 'trunk',
  many: 'trunks',
  pagination: 'links',
});
export const { list, get, create, update, remove } = trunksApi;

/** PUT /v2.0/trunks/{id}/add_subports or remove_subports (a bare body: `{sub_ports: [...]}`): the trunk after. */
export async function changeSubports(
  sc: ServiceClient,
  id: string,
  action: 'add_subports' | 'remove_subports',
  subPorts: readonly SubPort[],
  options?: CallOptions,
): Promise<Trunk> {
  const response = await sc.request<Record<string, Trunk>>('PUT', `/trunks/${encodeURIComponent(id)}/${action}`, {
    ...options,
    json: { sub_ports: subPorts },
    okStatus: [200],
  });
  return unwrap<Trunk>(response.data, 'trunk');
}
