/**
 * Members: added to their (target) pool at the target address of refs.port (the port's fixed IP on refs.subnet,
 * else its first), or at the plan's address when the member is not a project port's. Marked by tag. A member's
 * target ID is `<pool ID>/<member ID>` (Octavia reaches a member only through its pool).
 */
import { membersOf } from '../../openstack/load-balancer/members/requests.js';
import type { MemberCreateOpts } from '../../openstack/load-balancer/members/types.js';
import * as pools from '../../openstack/load-balancer/pools/requests.js';
import * as ports from '../../openstack/network/ports/requests.js';
import type { MemberSpec } from '../../plan/types.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import { getOrUndefined, pick, refId, sig } from '../shared/write.js';
import {
  hasTag,
  octaviaFind,
  removeUnder,
  settleMembers,
  tagsFor,
  underLb,
  waitReady,
  type MemberWire,
} from '../load-balancer/octavia.js';

/** The address the member takes on the target: its port's there, else the plan's. */
async function targetAddress(ctx: WriteContext, r: ResolvedEntry): Promise<string> {
  const spec = r.entry.spec as MemberSpec;
  const portId = refId(r, 'port');
  if (!portId) return spec.address;
  const port = await ports.get(ctx.cloud.network, portId, sig(ctx));
  const subnet = refId(r, 'subnet');
  const fixed = (port.fixed_ips ?? []).filter((ip) => !subnet || ip.subnet_id === subnet);
  const address = fixed[0]?.ip_address;
  if (!address) throw new Error(`port ${portId} has no fixed IP${subnet ? ` on subnet ${subnet}` : ''} for the member`);
  return address;
}

function split(id: string): { pool: string; member: string } {
  const at = id.indexOf('/');
  return at < 0 ? { pool: '', member: id } : { pool: id.slice(0, at), member: id.slice(at + 1) };
}

async function lbOfPool(ctx: WriteContext, poolId: string): Promise<string | undefined> {
  const pool = await getOrUndefined(() => pools.get(ctx.cloud.loadBalancer, poolId, sig(ctx)));
  return pool?.loadbalancers?.[0]?.id;
}

export const memberWriter: KindWriter<MemberWire> = {
  kind: 'member',
  async find(ctx, r) {
    const spec = r.entry.spec as MemberSpec;
    const pool = refId(r, 'pool')!;
    const address = await targetAddress(ctx, r);
    const port = refId(r, 'port');
    const found = await octaviaFind(
      ctx,
      r,
      (q) => membersOf(pool).list(ctx.cloud.loadBalancer, q, sig(ctx)),
      (m) => m.address === address && m.protocol_port === spec.protocol_port,
    );
    return found.map((m) => ({ ...m, pool_id: pool, ...(port && m.address === address ? { port_id: port } : {}) }));
  },
  async create(ctx, r) {
    const spec = r.entry.spec as MemberSpec;
    const pool = refId(r, 'pool')!;
    const subnet = refId(r, 'subnet');
    const body = {
      ...pick(spec, ['name', 'weight', 'backup', 'monitor_address', 'monitor_port']),
      address: await targetAddress(ctx, r),
      protocol_port: spec.protocol_port,
      tags: tagsFor(r),
      ...(subnet ? { subnet_id: subnet } : {}),
      ...(spec.admin_state_up === false ? { admin_state_up: false } : {}),
    } as MemberCreateOpts;
    const lb = await lbOfPool(ctx, pool);
    const made = await underLb(ctx, lb!, () => membersOf(pool).create(ctx.cloud.loadBalancer, body, sig(ctx)));
    const port = refId(r, 'port');
    return { ...made, pool_id: pool, ...(port ? { port_id: port } : {}) };
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as Record<string, unknown>;
    const body: Record<string, unknown> = {};
    for (const field of fields) {
      if (field === 'tags') body.tags = hasTag(current, r.marker) ? tagsFor(r) : [...((spec.tags as string[]) ?? [])];
      else if (field === 'admin_state_up') body.admin_state_up = spec.admin_state_up !== false;
      else if (field === 'backup') body.backup = spec.backup === true;
      else if (field === 'weight') body.weight = spec.weight ?? 1;
      else body[field] = spec[field] ?? null;
    }
    const members = membersOf(current.pool_id);
    const lb = await lbOfPool(ctx, current.pool_id);
    await underLb(ctx, lb!, () => members.update(ctx.cloud.loadBalancer, current.id, body, sig(ctx)));
    const read = await waitReady(ctx, `member ${current.address}`, () =>
      members.get(ctx.cloud.loadBalancer, current.id, sig(ctx)),
    );
    return { ...read, pool_id: current.pool_id, ...(current.port_id ? { port_id: current.port_id } : {}) };
  },
  async waitUntilReady(ctx, created) {
    const members = membersOf(created.pool_id);
    const read = await waitReady(ctx, `member ${created.address}:${created.protocol_port}`, () =>
      members.get(ctx.cloud.loadBalancer, created.id, sig(ctx)),
    );
    await settleMembers(ctx, created.pool_id, [created.id]);
    return { ...created, ...read };
  },
  async get(ctx, id) {
    const { pool, member } = split(id);
    const read = await getOrUndefined(() => membersOf(pool).get(ctx.cloud.loadBalancer, member, sig(ctx)));
    return read ? { ...read, pool_id: pool } : undefined;
  },
  hasMarker: hasTag,
  async remove(ctx, id) {
    const { pool, member } = split(id);
    const members = membersOf(pool);
    await removeUnder(
      ctx,
      `member ${member}`,
      await lbOfPool(ctx, pool),
      () => members.remove(ctx.cloud.loadBalancer, member, sig(ctx)),
      () => members.get(ctx.cloud.loadBalancer, member, sig(ctx)),
    );
  },
  idOf: (wire) => `${wire.pool_id}/${wire.id}`,
};
