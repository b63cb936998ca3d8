import { crud } from '../../resource.js';
import type { ServiceClient } from '../../service-client.js';
import type { Router, RouterCreateOpts, RouterInterfaceInfo, RouterUpdateOpts } from './types.js';

/** Neutron `/v2.0/routers`. */
export const routersApi = crud<Router, RouterCreateOpts, RouterUpdateOpts>({
  path: '/routers',
  one: 'router',
  many: 'routers',
  pagination: 'links',
});
export const { list, get, create, update, remove } = routersApi;

/** PUT /v2.0/routers/{id}/add_router_interface with a subnet or a port. */
export async function addInterface(
  sc: ServiceClient,
  routerId: string,
  target: { subnet_id: string } | { port_id: string },
  signal?: AbortSignal,
): Promise<RouterInterfaceInfo> {
  return sc.put<RouterInterfaceInfo>(
    `/routers/${encodeURIComponent(routerId)}/add_router_interface`,
    target,
    signal ? { signal } : {},
  );
}

/** PUT /v2.0/routers/{id}/remove_router_interface. */
export async function removeInterface(
  sc: ServiceClient,
  routerId: string,
  target: { subnet_id: string } | { port_id: string },
  signal?: AbortSignal,
): Promise<RouterInterfaceInfo> {
  return sc.put<RouterInterfaceInfo>(
    `/routers/${encodeURIComponent(routerId)}/remove_router_interface`,
    target,
    signal ? { signal } : {},
  );
}
