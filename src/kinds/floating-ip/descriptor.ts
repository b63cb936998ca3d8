/** The floating ip kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId, oneOf } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const floatingIpDescriptor = defineKind({
  kind: 'floating_ip',
  service: 'network',
  refs: KIND_REFS.floating_ip,
  external: KIND_EXTERNAL.floating_ip,
  lossy: ['floating_ip_address'],
  sensitive: [],
  nameless: true,
  // A floating IP can be associated with a port only once a router joins the port's subnet to the floating
  // network, so it waits for the plan's routers on that network (an order, not a reference). It also waits for the
  // server whose NIC its port is: a public address is not taken for a server that could not be made (it is skipped
  // with the server's other dependents).
  extraDeps: (entry, plan) => {
    const port = entry.refs?.port;
    return plan
      .filter(
        (other) =>
          (other.kind === 'router' && other.refs?.external_network === entry.refs?.floating_network) ||
          (port !== undefined &&
            other.kind === 'server' &&
            Array.isArray(other.refs?.ports) &&
            (other.refs.ports as unknown[]).includes(port)),
      )
      .map((other) => other.key);
  },
  // Unnamed: its port's key name, else <network>/unassociated.
  keys: {
    after: ['port', 'network', 'load_balancer'],
    name: (record, ctx) => {
      if (record.name !== '') return record.name;
      // On a load balancer's VIP: <load balancer>/vip.
      const lb = ctx.nameOf('load_balancer', firstId(record.refs.load_balancer));
      if (lb !== undefined) return `${lb}/vip`;
      const port = ctx.nameOf('port', firstId(record.refs.port));
      if (port !== undefined) return port;
      const network = ctx.nameOf('network', firstId(record.refs.floating_network));
      return `${network ?? 'external'}/unassociated`;
    },
  },
  quota: oneOf('network', 'floatingip'),
  exportedWith: 'port',
  // Its fixed address is one of its port's: none without the port, none when the port's export left it out.
  afterTrim: (entry, specOf) => {
    if (typeof entry.spec.fixed_ip_address !== 'string') return;
    const port = typeof entry.refs.port === 'string' ? specOf('port', entry.refs.port) : undefined;
    const addresses = ((port?.fixed_ips ?? []) as { ip_address?: string }[]).map((ip) => ip.ip_address);
    if (!addresses.includes(entry.spec.fixed_ip_address)) delete entry.spec.fixed_ip_address;
  },
  // Kept with its port.
  companionOf: (refs, kept) => {
    const port = typeof refs.port === 'string' ? refs.port : undefined;
    if (port !== undefined && kept.has(port)) return port;
    // Or with its load balancer (on the VIP).
    const lb = typeof refs.load_balancer === 'string' ? refs.load_balancer : undefined;
    return lb !== undefined && kept.has(lb) ? lb : undefined;
  },
  updatable: ['description', 'tags', 'fixed_ip_address', 'refs.port', 'refs.load_balancer'],
  // The public address: DNS records that point at it follow it to the target's (src/engine/addresses.ts).
  address: (spec) => (typeof spec.floating_ip_address === 'string' ? spec.floating_ip_address : undefined),
});
