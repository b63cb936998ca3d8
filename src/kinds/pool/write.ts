/** Pools: created on their load balancer (as the default pool of refs.listener when set), marked by tag. */
import * as pools from '../../openstack/load-balancer/pools/requests.js';
import type { Pool, PoolCreateOpts } from '../../openstack/load-balancer/pools/types.js';
import type { PoolSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { getOrUndefined, refId, sig } from '../shared/write.js';
import { hasTag, octaviaFind, removeUnder, tagsFor, underLb, waitReady } from '../load-balancer/octavia.js';

const lbOf = (p: Pool): string | undefined => p.loadbalancers?.[0]?.id;

export const poolWriter: KindWriter<Pool> = {
  kind: 'pool',
  find(ctx, r) {
    const spec = r.entry.spec as PoolSpec;
    const lb = refId(r, 'load_balancer');
    const listener = refId(r, 'listener');
    return octaviaFind(
      ctx,
      r,
      (q) => pools.list(ctx.cloud.loadBalancer, { ...q, ...(lb ? { loadbalancer_id: lb } : {}) }, sig(ctx)),
      (p) =>
        lbOf(p) === lb &&
        p.protocol === spec.protocol &&
        (listener === undefined || (p.listeners ?? []).some((l) => l.id === listener)),
    );
  },
  create(ctx, r) {
    const spec = r.entry.spec as PoolSpec;
    const lb = refId(r, 'load_balancer')!;
    const listener = refId(r, 'listener');
    const body: PoolCreateOpts = {
      protocol: spec.protocol,
      lb_algorithm: spec.lb_algorithm,
      tags: tagsFor(r),
      ...(listener ? { listener_id: listener } : { loadbalancer_id: lb }),
    };
    if (spec.name) body.name = spec.name;
    if (spec.description) body.description = spec.description;
    if (spec.admin_state_up === false) body.admin_state_up = false;
    if (spec.session_persistence) body.session_persistence = spec.session_persistence;
    return underLb(ctx, lb, () => pools.create(ctx.cloud.loadBalancer, body, sig(ctx)));
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as PoolSpec;
    const body: Record<string, unknown> = {};
    for (const field of fields) {
      if (field === 'tags') body.tags = hasTag(current, r.marker) ? tagsFor(r) : [...(spec.tags ?? [])];
      else if (field === 'session_persistence') body.session_persistence = spec.session_persistence ?? null;
      else if (field === 'admin_state_up') body.admin_state_up = spec.admin_state_up !== false;
      else body[field] = (spec as unknown as Record<string, unknown>)[field] ?? '';
    }
    await underLb(ctx, lbOf(current)!, () => pools.update(ctx.cloud.loadBalancer, current.id, body, sig(ctx)));
    return waitReady(ctx, `pool ${current.name || current.id}`, () =>
      pools.get(ctx.cloud.loadBalancer, current.id, sig(ctx)),
    );
  },
  waitUntilReady: (ctx, created) =>
    waitReady(ctx, `pool ${created.name || created.id}`, () => pools.get(ctx.cloud.loadBalancer, created.id, sig(ctx))),
  get: (ctx, id) => getOrUndefined(() => pools.get(ctx.cloud.loadBalancer, id, sig(ctx))),
  hasMarker: hasTag,
  async remove(ctx, id) {
    const current = await getOrUndefined(() => pools.get(ctx.cloud.loadBalancer, id, sig(ctx)));
    if (!current) return;
    await removeUnder(
      ctx,
      `pool ${id}`,
      lbOf(current),
      () => pools.remove(ctx.cloud.loadBalancer, id, sig(ctx)),
      () => pools.get(ctx.cloud.loadBalancer, id, sig(ctx)),
    );
  },
  idOf: (wire) => wire.id,
};
