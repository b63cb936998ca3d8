/**
 * Load balancers: created on the target's VIP subnet (the mapped one), with the source VIP address when that
 * subnet holds it (else the target picks one: `vip_address` is lossy), the provider and flavor the plan names
 * (mapping rules may rename them), and the marker in its tags. Waits until ACTIVE.
 */
import { isHttpError, OS_ERROR } from '../../openstack/errors.js';
import * as loadBalancers from '../../openstack/load-balancer/load-balancers/requests.js';
import type { LoadBalancerCreateOpts } from '../../openstack/load-balancer/load-balancers/types.js';
import * as subnets from '../../openstack/network/subnets/requests.js';
import { cidrContains, parseCidr, parseIp } from '../../plan/ip.js';
import type { LoadBalancerSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { getOrUndefined, refId, sig } from '../shared/write.js';
import { hasTag, octaviaFind, removeUnder, tagsFor, waitReady } from './octavia.js';
import type { LoadBalancerWire } from './read.js';

function within(address: string, cidr: string): boolean {
  const range = parseCidr(cidr);
  const ip = parseIp(address);
  return range !== undefined && ip !== undefined && cidrContains(range, ip);
}

/** The ID of the target's Octavia flavor named `name` (undefined when it has none by that name). */
async function flavorId(ctx: Parameters<KindWriter['create']>[0], name: string): Promise<string | undefined> {
  const body = await ctx.cloud.loadBalancer.get<{ flavors?: { id: string; name: string }[] }>(
    '/v2/lbaas/flavors',
    sig(ctx),
  );
  return (body?.flavors ?? []).find((f) => f.name === name || f.id === name)?.id;
}

export const loadBalancerWriter: KindWriter<LoadBalancerWire> = {
  kind: 'load_balancer',
  find: (ctx, r) =>
    octaviaFind(
      ctx,
      r,
      (q) => loadBalancers.list(ctx.cloud.loadBalancer, q, sig(ctx)),
      (lb) => lb.vip_subnet_id === refId(r, 'vip_subnet'),
    ),
  async create(ctx, r) {
    const spec = r.entry.spec as LoadBalancerSpec;
    const subnetId = refId(r, 'vip_subnet')!;
    const body: LoadBalancerCreateOpts = { vip_subnet_id: subnetId, tags: tagsFor(r) };
    if (spec.name) body.name = spec.name;
    if (spec.description) body.description = spec.description;
    if (spec.admin_state_up === false) body.admin_state_up = false;
    if (spec.provider) body.provider = spec.provider;
    if (spec.availability_zone) body.availability_zone = spec.availability_zone;
    if (spec.flavor) {
      const id = await flavorId(ctx, spec.flavor);
      if (!id)
        throw new Error(
          `the target's Octavia has no flavor named ${spec.flavor} (name a flavor the target has in the plan's spec.flavor)`,
        );
      body.flavor_id = id;
    }
    // The source VIP address, when the target subnet's range holds it.
    if (spec.vip_address) {
      const subnet = await subnets.get(ctx.cloud.network, subnetId, sig(ctx));
      if (within(spec.vip_address, subnet.cidr)) body.vip_address = spec.vip_address;
    }
    try {
      return await loadBalancers.create(ctx.cloud.loadBalancer, body, sig(ctx));
    } catch (error) {
      // The address is taken on the target (409) or refused (400): the target picks one (vip_address is lossy).
      if (
        body.vip_address === undefined ||
        !(isHttpError(error, OS_ERROR.CONFLICT) || isHttpError(error, OS_ERROR.BAD_REQUEST))
      )
        throw error;
      delete body.vip_address;
      return loadBalancers.create(ctx.cloud.loadBalancer, body, sig(ctx));
    }
  },
  async update(ctx, current, r) {
    const spec = r.entry.spec as LoadBalancerSpec;
    const keep = (current.tags ?? []).includes(r.marker);
    const body = {
      name: spec.name ?? '',
      description: spec.description ?? '',
      admin_state_up: spec.admin_state_up !== false,
      tags: keep ? tagsFor(r) : [...(spec.tags ?? [])],
    };
    await loadBalancers.update(ctx.cloud.loadBalancer, current.id, body, sig(ctx));
    return waitReady(ctx, `load balancer ${current.name || current.id}`, () =>
      loadBalancers.get(ctx.cloud.loadBalancer, current.id, sig(ctx)),
    );
  },
  waitUntilReady: (ctx, created) =>
    waitReady(ctx, `load balancer ${created.name || created.id}`, () =>
      loadBalancers.get(ctx.cloud.loadBalancer, created.id, sig(ctx)),
    ),
  get: (ctx, id) => getOrUndefined(() => loadBalancers.get(ctx.cloud.loadBalancer, id, sig(ctx))),
  hasMarker: hasTag,
  // Never a cascade: only what Bascule made goes, each child by its own entry (rollback removes them first).
  remove: (ctx, id) =>
    removeUnder(
      ctx,
      `load balancer ${id}`,
      undefined,
      () => loadBalancers.remove(ctx.cloud.loadBalancer, id, sig(ctx)),
      () => loadBalancers.get(ctx.cloud.loadBalancer, id, sig(ctx)),
    ),
  idOf: (wire) => wire.id,
};
