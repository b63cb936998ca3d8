/**
 * Neutron `/v2.0/floatingips/{floatingip_id}/port_forwardings`: a collection under each floating IP. Every answer is
 * given the `floatingip_id` it was asked under, which Neutron's own body does not carry.
 */
import { crud, type CallOptions, type Crud } from '../../resource.js';
import type { Query, ServiceClient } from '../../service-client.js';
import type { PortForwarding, PortForwardingCreateOpts, PortForwardingUpdateOpts } from './types.js';

function api(fip: string): Crud<PortForwarding, PortForwardingCreateOpts, PortForwardingUpdateOpts> {
  return crud({
    path: `/floatingips/${encodeURIComponent(fip)}/port_forwardings`,
    one: 'port_forwarding',
    many: 'port_forwardings',
    pagination: 'links',
  });
}

const under = (fip: string) => (pf: PortForwarding) => ({ ...pf, floatingip_id: fip });

export async function* list(
  sc: ServiceClient,
  fip: string,
  query?: Query,
  options?: CallOptions & { pageSize?: number },
): AsyncGenerator<PortForwarding, void, undefined> {
  for await (const pf of api(fip).list(sc, query, options)) yield under(fip)(pf);
}

export async function get(sc: ServiceClient, fip: string, id: string, options?: CallOptions): Promise<PortForwarding> {
  return under(fip)(await api(fip).get(sc, id, options));
}

export async function create(
  sc: ServiceClient,
  fip: string,
  body: PortForwardingCreateOpts,
  options?: CallOptions,
): Promise<PortForwarding> {
  return under(fip)(await api(fip).create(sc, body, options));
}

export async function update(
  sc: ServiceClient,
  fip: string,
  id: string,
  body: PortForwardingUpdateOpts,
  options?: CallOptions,
): Promise<PortForwarding> {
  return under(fip)(await api(fip).update(sc, id, body, options));
}

export function remove(sc: ServiceClient, fip: string, id: string, options?: CallOptions): Promise<void> {
  return api(fip).remove(sc, id, options);
}
