/**
 * Floating IPs: allocated on the (mapped) external network and associated with their port. The address itself is
 * lossy (choosing one needs admin rights). Without a marker, the floating IP of the same port is the match.
 */
import * as fips from '../../openstack/network/floating-ips/requests.js';
import type { FloatingIp, FloatingIpCreateOpts } from '../../openstack/network/floating-ips/types.js';
import { collect } from '../../openstack/pagination.js';
import type { FloatingIpSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { createTagged, neutronTagged, refId, sig, updateNeutron } from '../shared/write.js';

export const floatingIpWriter: KindWriter<FloatingIp> = {
  kind: 'floating_ip',
  async find(ctx, r) {
    const marked = (await collect(fips.list(ctx.cloud.network, { tags: r.marker }, sig(ctx)))).filter((f) =>
      (f.tags ?? []).includes(r.marker),
    );
    if (marked.length > 0) return marked;
    const port = refId(r, 'port');
    if (!port) return [];
    return (await collect(fips.list(ctx.cloud.network, { port_id: port }, sig(ctx)))).filter((f) => f.port_id === port);
  },
  async create(ctx, r) {
    const spec = r.entry.spec as FloatingIpSpec;
    const body: FloatingIpCreateOpts & { tags?: string[] } = { floating_network_id: refId(r, 'floating_network')! };
    const port = refId(r, 'port');
    if (port) body.port_id = port;
    if (port && spec.fixed_ip_address) body.fixed_ip_address = spec.fixed_ip_address;
    if (spec.description) body.description = spec.description;
    return createTagged(ctx, r, 'floatingips', 'floating IP', body, (b) => fips.create(ctx.cloud.network, b, sig(ctx)));
  },
  async update(ctx, current, r, fields) {
    const plain = fields.filter((f) => f === 'description' || f === 'tags');
    let result = await updateNeutron(ctx, current, r, plain, 'floatingips', ['description'], (b) =>
      fips.update(ctx.cloud.network, current.id, b, sig(ctx)),
    );
    if (fields.includes('refs.port') || fields.includes('fixed_ip_address')) {
      const spec = r.entry.spec as FloatingIpSpec;
      const port = refId(r, 'port') ?? null;
      const body: Record<string, unknown> = { port_id: port };
      if (port && spec.fixed_ip_address) body.fixed_ip_address = spec.fixed_ip_address;
      result = { ...(await fips.update(ctx.cloud.network, current.id, body, sig(ctx))), tags: result.tags ?? [] };
    }
    return result;
  },
  ...neutronTagged('floatingips', 'floating IP', {
    get: (ctx, id) => fips.get(ctx.cloud.network, id, sig(ctx)),
    remove: (ctx, id) => fips.remove(ctx.cloud.network, id, sig(ctx)),
  }),
};
