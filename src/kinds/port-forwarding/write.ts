/**
 * Port forwardings: made under their (new) floating IP, to the fixed IP of their (new) port. Neutron gives them no
 * name and no tags; a floating IP has at most one per protocol and external port, so that pair finds it. Its target
 * ID is `<floating IP id>/<forwarding id>` (the API needs both). A target without the extension blocks it in the dry
 * run.
 */
import * as forwardings from '../../openstack/network/port-forwardings/requests.js';
import type { PortForwarding, PortForwardingCreateOpts } from '../../openstack/network/port-forwardings/types.js';
import { collect } from '../../openstack/pagination.js';
import type { PortForwardingSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { PORT_FORWARDING_EXTENSION } from './read.js';
import { getOrUndefined, refId, removeIgnoringMissing, sig } from '../shared/write.js';

function split(id: string): [string, string] {
  const at = id.indexOf('/');
  return at < 0 ? ['', id] : [id.slice(0, at), id.slice(at + 1)];
}

export const portForwardingWriter: KindWriter<PortForwarding> = {
  kind: 'port_forwarding',
  check: (ctx) =>
    ctx.extensions.has(PORT_FORWARDING_EXTENSION)
      ? undefined
      : `the target's Neutron has no ${PORT_FORWARDING_EXTENSION} extension (the port_forwarding service plugin): it cannot forward ports of a floating IP`,
  async find(ctx, r) {
    const fip = refId(r, 'floating_ip');
    if (!fip || !ctx.extensions.has(PORT_FORWARDING_EXTENSION)) return [];
    const spec = r.entry.spec as PortForwardingSpec;
    return (await collect(forwardings.list(ctx.cloud.network, fip, undefined, sig(ctx)))).filter(
      (pf) => pf.protocol === spec.protocol && pf.external_port === spec.external_port,
    );
  },
  async create(ctx, r) {
    const spec = r.entry.spec as PortForwardingSpec;
    const body: PortForwardingCreateOpts = {
      protocol: spec.protocol,
      external_port: spec.external_port,
      internal_ip_address: spec.internal_ip_address,
      internal_port: spec.internal_port,
      internal_port_id: refId(r, 'port')!,
    };
    if (spec.description && ctx.extensions.has('floating-ip-port-forwarding-description'))
      body.description = spec.description;
    return forwardings.create(ctx.cloud.network, refId(r, 'floating_ip')!, body, sig(ctx));
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as PortForwardingSpec;
    const body: Record<string, unknown> = {};
    if (fields.includes('internal_ip_address') || fields.includes('refs.port')) {
      body.internal_ip_address = spec.internal_ip_address;
      body.internal_port_id = refId(r, 'port');
    }
    if (fields.includes('internal_port')) body.internal_port = spec.internal_port;
    if (fields.includes('description')) body.description = spec.description ?? '';
    return forwardings.update(ctx.cloud.network, current.floatingip_id ?? '', current.id, body, sig(ctx));
  },
  get: (ctx, id) => {
    const [fip, pf] = split(id);
    return getOrUndefined(() => forwardings.get(ctx.cloud.network, fip, pf, sig(ctx)));
  },
  hasMarker: () => false,
  remove: (ctx, id) => {
    const [fip, pf] = split(id);
    return removeIgnoringMissing(() => forwardings.remove(ctx.cloud.network, fip, pf, sig(ctx)));
  },
  idOf: (wire) => `${wire.floatingip_id ?? ''}/${wire.id}`,
};
