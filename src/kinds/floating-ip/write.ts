/**
 * Floating IPs: allocated on the (mapped) external network and associated with their port. The address itself is
 * lossy (choosing one needs admin rights). Without a marker, the floating IP of the same port is the match.
 */
import * as fips from '../../openstack/network/floating-ips/requests.js';
import type { FloatingIpCreateOpts } from '../../openstack/network/floating-ips/types.js';
import { collect } from '../../openstack/pagination.js';
import type { FloatingIpSpec } from '../../plan/types.js';
import { createTagged, neutronTagged, refId, sig, updateNeutron } from '../shared/write.js';
import * as loadBalancers from '../../openstack/load-balancer/load-balancers/requests.js';
import * as ports from '../../openstack/network/ports/requests.js';
import { isNotFound } from '../../openstack/errors.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import type { FloatingIpWire } from './read.js';

/**
 * The port a floating IP goes on: its port, or the VIP port of its (target) load balancer. A VIP with no Neutron
 * port (an Octavia whose network driver makes none, as the no-op driver) cannot take one: a clear error.
 */
async function portOf(ctx: WriteContext, r: ResolvedEntry): Promise<string | undefined> {
  const lbId = refId(r, 'load_balancer');
  if (!lbId) return refId(r, 'port');
  const lb = await loadBalancers.get(ctx.cloud.loadBalancer, lbId, sig(ctx));
  const vip = lb.vip_port_id ?? undefined;
  const exists = vip
    ? await ports.get(ctx.cloud.network, vip, sig(ctx)).then(
        () => true,
        (error: unknown) => {
          if (isNotFound(error)) return false;
          throw error;
        },
      )
    : false;
  if (!exists)
    throw new Error(
      `load balancer ${lb.name || lbId} has no Neutron port for its VIP on the target (${vip ?? 'none'}): its floating IP cannot follow it`,
    );
  return vip;
}

export const floatingIpWriter: KindWriter<FloatingIpWire> = {
  kind: 'floating_ip',
  async find(ctx, r) {
    const lb = refId(r, 'load_balancer');
    const tagLb = (list: FloatingIpWire[]): FloatingIpWire[] =>
      lb ? list.map((f) => ({ ...f, load_balancer_id: lb })) : list;
    const marked = (await collect(fips.list(ctx.cloud.network, { tags: r.marker }, sig(ctx)))).filter((f) =>
      (f.tags ?? []).includes(r.marker),
    );
    if (marked.length > 0) return tagLb(marked);
    const port = lb ? await portOf(ctx, r).catch(() => undefined) : refId(r, 'port');
    if (!port) return [];
    return tagLb(
      (await collect(fips.list(ctx.cloud.network, { port_id: port }, sig(ctx)))).filter((f) => f.port_id === port),
    );
  },
  async create(ctx, r) {
    const spec = r.entry.spec as FloatingIpSpec;
    const body: FloatingIpCreateOpts & { tags?: string[] } = { floating_network_id: refId(r, 'floating_network')! };
    const lb = refId(r, 'load_balancer');
    const port = await portOf(ctx, r);
    if (port) body.port_id = port;
    if (port && spec.fixed_ip_address) body.fixed_ip_address = spec.fixed_ip_address;
    if (spec.description) body.description = spec.description;
    const made = await createTagged(ctx, r, 'floatingips', 'floating IP', body, (b) =>
      fips.create(ctx.cloud.network, b, sig(ctx)),
    );
    return lb ? { ...made, load_balancer_id: lb } : made;
  },
  async update(ctx, current, r, fields) {
    const plain = fields.filter((f) => f === 'description' || f === 'tags');
    let result = await updateNeutron(ctx, current, r, plain, 'floatingips', ['description'], (b) =>
      fips.update(ctx.cloud.network, current.id, b, sig(ctx)),
    );
    if (fields.includes('refs.port') || fields.includes('refs.load_balancer') || fields.includes('fixed_ip_address')) {
      const spec = r.entry.spec as FloatingIpSpec;
      const port = (await portOf(ctx, r)) ?? null;
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
