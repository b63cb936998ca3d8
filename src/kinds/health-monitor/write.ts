/** Health monitors: one per (target) pool, created once its load balancer is ACTIVE, marked by tag. */
import * as healthMonitors from '../../openstack/load-balancer/health-monitors/requests.js';
import type { HealthMonitor, HealthMonitorCreateOpts } from '../../openstack/load-balancer/health-monitors/types.js';
import * as pools from '../../openstack/load-balancer/pools/requests.js';
import type { HealthMonitorSpec } from '../../plan/types.js';
import type { KindWriter, WriteContext } from '../kind.js';
import { getOrUndefined, pick, refId, sig } from '../shared/write.js';
import {
  hasTag,
  octaviaFind,
  removeUnder,
  settleMembers,
  tagsFor,
  underLb,
  waitReady,
} from '../load-balancer/octavia.js';
import { membersOf } from '../../openstack/load-balancer/members/requests.js';
import { collect } from '../../openstack/pagination.js';

const FIELDS = [
  'name',
  'max_retries_down',
  'http_method',
  'url_path',
  'expected_codes',
  'http_version',
  'domain_name',
] as const;

async function lbOfPool(ctx: WriteContext, poolId: string | undefined): Promise<string | undefined> {
  if (!poolId) return undefined;
  const pool = await getOrUndefined(() => pools.get(ctx.cloud.loadBalancer, poolId, sig(ctx)));
  return pool?.loadbalancers?.[0]?.id;
}

export const healthMonitorWriter: KindWriter<HealthMonitor> = {
  kind: 'health_monitor',
  find(ctx, r) {
    const pool = refId(r, 'pool');
    return octaviaFind(
      ctx,
      r,
      (q) => healthMonitors.list(ctx.cloud.loadBalancer, q, sig(ctx)),
      (hm) => (hm.pools ?? []).some((p) => p.id === pool),
    );
  },
  async create(ctx, r) {
    const spec = r.entry.spec as HealthMonitorSpec;
    const pool = refId(r, 'pool')!;
    const body = {
      ...pick(spec, FIELDS),
      pool_id: pool,
      type: spec.type,
      delay: spec.delay,
      timeout: spec.timeout,
      max_retries: spec.max_retries,
      tags: tagsFor(r),
      ...(spec.admin_state_up === false ? { admin_state_up: false } : {}),
    } as HealthMonitorCreateOpts;
    const lb = await lbOfPool(ctx, pool);
    return underLb(ctx, lb!, () => healthMonitors.create(ctx.cloud.loadBalancer, body, sig(ctx)));
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as Record<string, unknown>;
    const body: Record<string, unknown> = {};
    for (const field of fields) {
      if (field === 'tags') body.tags = hasTag(current, r.marker) ? tagsFor(r) : [...((spec.tags as string[]) ?? [])];
      else if (field === 'admin_state_up') body.admin_state_up = spec.admin_state_up !== false;
      else if (spec[field] !== undefined) body[field] = spec[field];
    }
    const lb = await lbOfPool(ctx, current.pools?.[0]?.id);
    await underLb(ctx, lb!, () => healthMonitors.update(ctx.cloud.loadBalancer, current.id, body, sig(ctx)));
    return waitReady(ctx, `health monitor ${current.name || current.id}`, () =>
      healthMonitors.get(ctx.cloud.loadBalancer, current.id, sig(ctx)),
    );
  },
  async waitUntilReady(ctx, created) {
    const read = await waitReady(ctx, `health monitor ${created.name || created.id}`, () =>
      healthMonitors.get(ctx.cloud.loadBalancer, created.id, sig(ctx)),
    );
    // The members already in its pool are now checked: wait until the checks see them (settleMembers).
    const poolId = read.pools?.[0]?.id ?? created.pools?.[0]?.id;
    if (poolId) {
      const present = await collect(membersOf(poolId).list(ctx.cloud.loadBalancer, {}, sig(ctx)));
      await settleMembers(
        ctx,
        poolId,
        present.map((m) => m.id),
      );
    }
    return read;
  },
  get: (ctx, id) => getOrUndefined(() => healthMonitors.get(ctx.cloud.loadBalancer, id, sig(ctx))),
  hasMarker: hasTag,
  async remove(ctx, id) {
    const current = await getOrUndefined(() => healthMonitors.get(ctx.cloud.loadBalancer, id, sig(ctx)));
    if (!current) return;
    await removeUnder(
      ctx,
      `health monitor ${id}`,
      await lbOfPool(ctx, current.pools?.[0]?.id),
      () => healthMonitors.remove(ctx.cloud.loadBalancer, id, sig(ctx)),
      () => healthMonitors.get(ctx.cloud.loadBalancer, id, sig(ctx)),
    );
  },
  idOf: (wire) => wire.id,
};
