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
    after: ['port', 'network'],
    name: (record, ctx) => {
      if (record.name !== '') return record.name;
      const port = ctx.nameOf('port', firstId(record.refs.port));
      if (port !== undefined) return port;
      const network = ctx.nameOf('network', firstId(record.refs.floating_network));
      return `${network ?? 'external'}/unassociated`;
    },
  },
  quota: oneOf('network', 'floatingip'),
});
