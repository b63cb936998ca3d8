/**
 * Port forwardings of the project's floating IPs (GET /v2.0/floatingips/{id}/port_forwardings, one list per floating
 * IP without a port: one with a port cannot have any). Read only where the cloud has `floating-ip-port-forwarding`.
 */
import * as forwardings from '../../openstack/network/port-forwardings/requests.js';
import type { PortForwarding } from '../../openstack/network/port-forwardings/types.js';
import { collect } from '../../openstack/pagination.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { compact, listProjectFloatingIps, text } from '../shared/read.js';

/** The Neutron extension of floating IP port forwardings (the `port_forwarding` service plugin). */
export const PORT_FORWARDING_EXTENSION = 'floating-ip-port-forwarding';

/** A forwarding of a range of ports (its single-port fields are null, or the range spans more than one port). */
function isRange(pf: PortForwarding): boolean {
  if (typeof pf.external_port !== 'number' || typeof pf.internal_port !== 'number') return true;
  const [first, last] = (pf.external_port_range ?? '').split(':');
  return last !== undefined && first !== last;
}

export const portForwardingReader: KindReader<PortForwarding> = {
  kind: 'port_forwarding',
  async list(ctx) {
    if (!ctx.extensions.has(PORT_FORWARDING_EXTENSION)) return [];
    const fips = (await listProjectFloatingIps(ctx)).filter((f) => !f.port_id);
    const out: PortForwarding[] = [];
    for (const fip of fips) {
      for (const pf of await collect(forwardings.list(ctx.cloud.network, fip.id, undefined, { signal: ctx.signal }))) {
        if (isRange(pf)) {
          const name = `${fip.floating_ip_address ?? fip.id} ${pf.protocol} ${pf.external_port_range ?? '?'}`;
          ctx.warn({
            kind: 'port_forwarding',
            resource: name,
            code: 'UNSUPPORTED_RESOURCE',
            message: `port forwarding ${name} -> ${pf.internal_ip_address}:${pf.internal_port_range ?? '?'} of floating IP ${fip.floating_ip_address ?? fip.id} forwards a port range, which a plan cannot express yet; it is not in the plan`,
          });
          continue;
        }
        out.push(pf);
      }
    }
    return out;
  },
  identify: (pf) => ({ id: pf.id, name: '' }),
  toEntry(pf): DraftEntry {
    return {
      spec: compact({
        protocol: pf.protocol,
        external_port: pf.external_port ?? undefined,
        internal_ip_address: pf.internal_ip_address,
        internal_port: pf.internal_port ?? undefined,
        description: text(pf.description),
      }),
      refs: compact({ floating_ip: pf.floatingip_id, port: pf.internal_port_id }),
      source: compact({ id: pf.id }),
    };
  },
};
