/** Networks: created with the project's own settings; admin-only fields (shared, router:external) are not sent. */
import { UPDATE_FIELDS } from './descriptor.js';
import * as networks from '../../openstack/network/networks/requests.js';
import type { Network, NetworkCreateOpts } from '../../openstack/network/networks/types.js';
import type { NetworkSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { createTagged, neutronFind, neutronTagged, pick, refId, sig, updateNeutron } from '../shared/write.js';

const CREATE_FIELDS = [
  'name',
  'description',
  'admin_state_up',
  'mtu',
  'port_security_enabled',
  'availability_zone_hints',
  'dns_domain',
] as const;

export const networkWriter: KindWriter<Network> = {
  kind: 'network',
  find: (ctx, r) => neutronFind(ctx, r, (q) => networks.list(ctx.cloud.network, q, sig(ctx))),
  async create(ctx, r) {
    const spec = r.entry.spec as NetworkSpec;
    const body = pick(spec, CREATE_FIELDS) as NetworkCreateOpts & { tags?: string[] };
    if (body.dns_domain === null) delete body.dns_domain;
    const qos = refId(r, 'qos_policy');
    if (qos) (body as Record<string, unknown>).qos_policy_id = qos;
    return createTagged(ctx, r, 'networks', `network ${spec.name}`, body, (b) =>
      networks.create(ctx.cloud.network, b, sig(ctx)),
    );
  },
  async update(ctx, current, r, fields) {
    const result = await updateNeutron(ctx, current, r, fields, 'networks', UPDATE_FIELDS, (body) =>
      networks.update(ctx.cloud.network, current.id, body, sig(ctx)),
    );
    if (!fields.includes('refs.qos_policy')) return result;
    const body = { qos_policy_id: refId(r, 'qos_policy') ?? null } as Record<string, unknown>;
    return { ...(await networks.update(ctx.cloud.network, current.id, body, sig(ctx))), tags: result.tags ?? [] };
  },
  ...neutronTagged('networks', 'network', {
    get: (ctx, id) => networks.get(ctx.cloud.network, id, sig(ctx)),
    remove: (ctx, id) => networks.remove(ctx.cloud.network, id, sig(ctx)),
  }),
};
