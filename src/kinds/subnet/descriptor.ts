/** The subnet kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId, oneOf } from '../descriptor.js';
import { checkSubnets } from './preflight.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

/** The fields its writer's update sends as they are. */
export const UPDATE_FIELDS = [
  'name',
  'description',
  'gateway_ip',
  'enable_dhcp',
  'dns_nameservers',
  'host_routes',
  'allocation_pools',
];

export const subnetDescriptor = defineKind({
  kind: 'subnet',
  service: 'network',
  refs: KIND_REFS.subnet,
  external: KIND_EXTERNAL.subnet,
  lossy: [],
  sensitive: [],
  // Unnamed: <network>/<cidr>.
  keys: {
    after: ['network'],
    name: (record, ctx) => {
      if (record.name !== '') return record.name;
      const network = ctx.nameOf('network', firstId(record.refs.network));
      return network !== undefined ? `${network}/${String(record.spec.cidr)}` : record.id;
    },
  },
  quota: oneOf('network', 'subnet'),
  checkTarget: checkSubnets,
  exportedWith: 'network',
  updatable: [...UPDATE_FIELDS, 'tags'],
});
