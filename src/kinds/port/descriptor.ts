/** The port kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId, placedBy, oneOf } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

/** The fields its writer's update sends as they are. */
export const PLAIN = ['name', 'description', 'admin_state_up', 'port_security_enabled', 'dns_name'];

export const portDescriptor = defineKind({
  kind: 'port',
  service: 'network',
  refs: KIND_REFS.port,
  external: KIND_EXTERNAL.port,
  lossy: ['mac_address'],
  sensitive: [],
  // Unnamed: <server>/eth<N> (NIC index), else <router>/interface, else <network>/port.
  keys: {
    after: ['server', 'router', 'network'],
    name: (record, ctx) => {
      if (record.name !== '') return record.name;
      const nic = placedBy(ctx, record.id, 'server');
      const server = nic && ctx.nameOf('server', nic.ownerId);
      if (nic && server !== undefined) return `${server}/${nic.slot}`;
      const router = ctx.nameOf('router', placedBy(ctx, record.id, 'router')?.ownerId);
      if (router !== undefined) return `${router}/interface`;
      const network = ctx.nameOf('network', firstId(record.refs.network));
      return network !== undefined ? `${network}/port` : record.id;
    },
  },
  quota: oneOf('network', 'port'),
  updatable: [
    ...PLAIN,
    'allowed_address_pairs',
    'fixed_ips',
    'tags',
    'refs.security_groups',
    'refs.fixed_ips',
    'refs.qos_policy',
  ],
});
