/** Subnets, on the network their entry refers to (and the subnet pool, if any). */
import { UPDATE_FIELDS } from './descriptor.js';
import * as subnets from '../../openstack/network/subnets/requests.js';
import type { Subnet, SubnetCreateOpts } from '../../openstack/network/subnets/types.js';
import type { SubnetSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { updateNeutron } from '../network/write.js';
import {
  getOrUndefined,
  neutronFind,
  pick,
  refId,
  removeIgnoringMissing,
  sig,
  tagAfterCreate,
  tagsAtCreate,
  tagsWithMarker,
} from '../shared/write.js';

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
    const atCreate = tagsAtCreate(ctx);
    if (atCreate) body.tags = tagsWithMarker(spec.tags, r.marker);
    const created = await subnets.create(ctx.cloud.network, body, sig(ctx));
    if (!atCreate) {
      await tagAfterCreate(ctx, 'subnets', created.id, r.marker, `subnet ${spec.name}`);
      for (const tag of spec.tags ?? []) await tagAfterCreate(ctx, 'subnets', created.id, tag, `subnet ${spec.name}`);
      created.tags = tagsWithMarker(spec.tags, r.marker);
    }
    return created;
  },
  update: (ctx, current, r, fields) =>
    updateNeutron(ctx, current, r, fields, 'subnets', UPDATE_FIELDS, (body) =>
      subnets.update(ctx.cloud.network, current.id, body, sig(ctx)),
    ),
  async mark(ctx, wire, marker) {
    await tagAfterCreate(ctx, 'subnets', wire.id, marker, 'subnet');
    return { ...wire, tags: [...(wire.tags ?? []), marker] };
  },
  get: (ctx, id) => getOrUndefined(() => subnets.get(ctx.cloud.network, id, sig(ctx))),
  hasMarker: (wire, marker) => (wire.tags ?? []).includes(marker),
  remove: (ctx, id) => removeIgnoringMissing(() => subnets.remove(ctx.cloud.network, id, sig(ctx))),
  idOf: (wire) => wire.id,
};
