/** Subnets, on the network their entry refers to (and the subnet pool, if any). */
import { UPDATE_FIELDS } from './descriptor.js';
import * as subnets from '../../openstack/network/subnets/requests.js';
import type { Subnet, SubnetCreateOpts } from '../../openstack/network/subnets/types.js';
import type { SubnetSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { createTagged, neutronFind, neutronTagged, pick, refId, sig, updateNeutron } from '../shared/write.js';

const CREATE_FIELDS = [
  'name',
  'description',
  'cidr',
  'ip_version',
  'gateway_ip',
  'enable_dhcp',
  'dns_nameservers',
  'host_routes',
  'allocation_pools',
  'ipv6_ra_mode',
  'ipv6_address_mode',
] as const;

export const subnetWriter: KindWriter<Subnet> = {
  kind: 'subnet',
  find(ctx, r) {
    const network = refId(r, 'network');
    return neutronFind(
      ctx,
      r,
      (q) => subnets.list(ctx.cloud.network, q, sig(ctx)),
      network ? { network_id: network } : {},
      (s) => network === undefined || s.network_id === network,
    );
  },
  async create(ctx, r) {
    const spec = r.entry.spec as SubnetSpec;
    const body = { ...pick(spec, CREATE_FIELDS), network_id: refId(r, 'network')! } as SubnetCreateOpts & {
      tags?: string[];
    };
    for (const mode of ['ipv6_ra_mode', 'ipv6_address_mode'] as const) if (body[mode] === null) delete body[mode];
    const pool = refId(r, 'subnet_pool');
    if (pool) body.subnetpool_id = pool;
    return createTagged(ctx, r, 'subnets', `subnet ${spec.name}`, body, (b) =>
      subnets.create(ctx.cloud.network, b, sig(ctx)),
    );
  },
  update: (ctx, current, r, fields) =>
    updateNeutron(ctx, current, r, fields, 'subnets', UPDATE_FIELDS, (body) =>
      subnets.update(ctx.cloud.network, current.id, body, sig(ctx)),
    ),
  ...neutronTagged('subnets', 'subnet', {
    get: (ctx, id) => subnets.get(ctx.cloud.network, id, sig(ctx)),
    remove: (ctx, id) => subnets.remove(ctx.cloud.network, id, sig(ctx)),
  }),
};
