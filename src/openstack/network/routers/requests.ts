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

/**
 * PUT /v2.0/routers/{id}/add_router_interface with a subnet or a port. Not idempotent (a second add of the same
 * subnet is a 400), so never sent again after a lost reply: the caller reads the router's ports to decide.
 */
export async function addInterface(
  sc: ServiceClient,
  routerId: string,
  target: { subnet_id: string } | { port_id: string },
  signal?: AbortSignal,
): Promise<RouterInterfaceInfo> {
  return sc.put<RouterInterfaceInfo>(`/routers/${encodeURIComponent(routerId)}/add_router_interface`, target, {
    idempotent: false,
    ...(signal ? { signal } : {}),
  });
}

/** PUT /v2.0/routers/{id}/remove_router_interface. Not idempotent either (a second remove is a 404). */
export async function removeInterface(
  sc: ServiceClient,
  routerId: string,
  target: { subnet_id: string } | { port_id: string },
  signal?: AbortSignal,
): Promise<RouterInterfaceInfo> {
  return sc.put<RouterInterfaceInfo>(`/routers/${encodeURIComponent(routerId)}/remove_router_interface`, target, {
    idempotent: false,
    ...(signal ? { signal } : {}),
  });
}
