/**
 * What the six load-balancer kinds (load_balancer, listener, pool, member, health_monitor, l7_policy) share: reading
 * the project's Octavia objects once per export, marking what Bascule creates (Octavia tags, API 2.5+), finding by
 * marker then by name, and the target checks of the dry run (tags, the `load-balancer_member` role).
 */
import { isHttpError, OS_ERROR } from '../../openstack/errors.js';
import type { ServiceClient } from '../../openstack/service-client.js';
import { collect } from '../../openstack/pagination.js';
import * as loadBalancers from '../../openstack/load-balancer/load-balancers/requests.js';
import type { LoadBalancer } from '../../openstack/load-balancer/load-balancers/types.js';
import * as listeners from '../../openstack/load-balancer/listeners/requests.js';
import type { Listener } from '../../openstack/load-balancer/listeners/types.js';
import * as pools from '../../openstack/load-balancer/pools/requests.js';
import type { Pool } from '../../openstack/load-balancer/pools/types.js';
import { membersOf } from '../../openstack/load-balancer/members/requests.js';
import type { Member } from '../../openstack/load-balancer/members/types.js';
import * as healthMonitors from '../../openstack/load-balancer/health-monitors/requests.js';
import type { HealthMonitor } from '../../openstack/load-balancer/health-monitors/types.js';
import * as l7 from '../../openstack/load-balancer/l7-policies/requests.js';
import type { L7Policy, L7Rule } from '../../openstack/load-balancer/l7-policies/types.js';
import type { OctaviaAttrs } from '../../openstack/load-balancer/types.js';
import {
  apiVersion,
  atLeast,
  DISABLED,
  underLoadBalancer,
  waitActive,
  waitGone,
  waitOperating,
} from '../../openstack/load-balancer/wait.js';
import type { PlanKind, PlanResource } from '../../plan/types.js';
import type { TargetCheckContext, TargetIssue } from '../descriptor.js';
import type { KindWarning, ReadContext, ResolvedEntry, WriteContext } from '../kind.js';
import { userTags } from '../markers.js';
import { memo } from '../shared/read.js';
import { sig } from '../shared/write.js';

/** The API version that brought tags, Bascule's marker on Octavia objects. */
export const TAGS_SINCE = '2.5';
/** Roles that may write to Octavia under its default policy (Queens and later). */
export const WRITER_ROLES = ['load-balancer_member', 'load-balancer_admin', 'admin'];

/** A member as the kinds see it: with the pool it is in, and the project port whose fixed IP its address is. */
export type MemberWire = Member & { pool_id: string; port_id?: string };
/** An L7 policy with its rules read in full. */
export type L7PolicyWire = L7Policy & { rule_list: L7Rule[] };

/**
 * Whether the cloud has Octavia (a load-balancer endpoint in the catalog). Without it, the kinds read nothing.
 */
export function hasOctavia(ctx: ReadContext): Promise<boolean> {
  return memo(ctx, 'octavia:present', async () => {
    try {
      await ctx.cloud.loadBalancer.resolve(ctx.signal);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'OS_NO_ENDPOINT') return false;
      throw error;
    }
  });
}

/**
 * The project's load balancers, read once per export. A 403 (a user with no Octavia role: the default policy wants
 * load-balancer_observer or load-balancer_member even to read) is one warning, kept in the plan, and nothing read:
 * the export goes on without load balancers rather than failing.
 */
export function projectLoadBalancers(ctx: ReadContext): Promise<LoadBalancer[]> {
  return memo(ctx, 'octavia:loadbalancers', async () => {
    if (!(await hasOctavia(ctx))) return [];
    try {
      const all = await collect(loadBalancers.list(ctx.cloud.loadBalancer, { project_id: ctx.projectId }, opts(ctx)));
      return all.filter((o) => (o.project_id ?? o.tenant_id ?? ctx.projectId) === ctx.projectId);
    } catch (error) {
      if (!isHttpError(error, OS_ERROR.FORBIDDEN)) throw error;
      const warning: KindWarning = {
        kind: 'load_balancer',
        code: 'UNSUPPORTED_NOT_CHECKED',
        message: `load balancers (Octavia) could not be read: ${error.message}; the user needs the load-balancer_observer or load-balancer_member role on the project. Its load balancers, listeners, pools, members, health monitors and L7 policies are not in the plan`,
      };
      ctx.warn(warning);
      return [];
    }
  });
}

/**
 * Reads one collection under the project's load balancers, once per export: nothing when it has none (or they could
 * not be read), so a project without load balancers costs one request.
 */
async function readOnce<T extends OctaviaAttrs>(
  ctx: ReadContext,
  what: string,
  load: (sc: ServiceClient) => Promise<T[]>,
): Promise<T[]> {
  if ((await projectLoadBalancers(ctx)).length === 0) return [];
  const all = await memo(ctx, `octavia:${what}`, () => load(ctx.cloud.loadBalancer));
  return all.filter((o) => (o.project_id ?? o.tenant_id ?? ctx.projectId) === ctx.projectId);
}

const opts = (ctx: ReadContext) => ({ signal: ctx.signal });

export function projectListeners(ctx: ReadContext): Promise<Listener[]> {
  return readOnce(ctx, 'listeners', (sc) => collect(listeners.list(sc, { project_id: ctx.projectId }, opts(ctx))));
}

export function projectPools(ctx: ReadContext): Promise<Pool[]> {
  return readOnce(ctx, 'pools', (sc) => collect(pools.list(sc, { project_id: ctx.projectId }, opts(ctx))));
}

export function projectHealthMonitors(ctx: ReadContext): Promise<HealthMonitor[]> {
  return readOnce(ctx, 'healthmonitors', (sc) =>
    collect(healthMonitors.list(sc, { project_id: ctx.projectId }, opts(ctx))),
  );
}

/** The members of every pool of the project, each with its pool's ID. */
export async function projectMembers(ctx: ReadContext): Promise<MemberWire[]> {
  const all = await projectPools(ctx);
  return readOnce(ctx, 'members', async (sc) => {
    const out: MemberWire[] = [];
    for (const pool of all) {
      for (const m of await collect(membersOf(pool.id).list(sc, {}, opts(ctx))))
        out.push({ ...m, pool_id: pool.id, project_id: m.project_id ?? pool.project_id ?? ctx.projectId });
    }
    return out;
  });
}

/** The L7 policies of the project, each with its rules read in full. */
export function projectL7Policies(ctx: ReadContext): Promise<L7PolicyWire[]> {
  return readOnce(ctx, 'l7policies', async (sc) => {
    const all = await collect(l7.list(sc, { project_id: ctx.projectId }, opts(ctx)));
    const out: L7PolicyWire[] = [];
    for (const policy of all)
      out.push({ ...policy, rule_list: await collect(l7.rulesOf(policy.id).list(sc, {}, opts(ctx))) });
    return out;
  });
}

// Writing

/** The target's Octavia API version (read once per client). */
export function targetVersion(ctx: WriteContext): Promise<string> {
  return apiVersion(ctx.cloud.loadBalancer, ctx.signal);
}

/** The tags of a new object: the user's and the marker (the dry run has refused a target without tags). */
export function tagsFor(r: ResolvedEntry): string[] {
  const tags = (r.entry.spec as { tags?: string[] }).tags;
  return [...userTags(tags), r.marker];
}

/**
 * Candidates for an entry: the objects carrying its marker (tags filter, repeated client-side), else those of the
 * project with its exact name (when it has one) that `same` accepts.
 */
export async function octaviaFind<T extends OctaviaAttrs>(
  ctx: WriteContext,
  r: ResolvedEntry,
  list: (query: Record<string, string>) => AsyncIterable<T>,
  same: (item: T) => boolean = () => true,
): Promise<T[]> {
  const marked = (await collect(list({ tags: r.marker }))).filter((i) => (i.tags ?? []).includes(r.marker));
  if (marked.length > 0) return marked;
  const name = (r.entry.spec as { name?: string }).name;
  const project = ctx.projectId;
  const query: Record<string, string> = { project_id: project };
  if (name) query.name = name;
  return (await collect(list(query))).filter(
    (i) => (name ? i.name === name : true) && (i.project_id ?? i.tenant_id ?? project) === project && same(i),
  );
}

export function hasTag(wire: { tags?: string[] }, marker: string): boolean {
  return (wire.tags ?? []).includes(marker);
}

/** A write under load balancer `lbId` (waits until it is ACTIVE; retries Octavia's 409 "immutable"). */
export function underLb<T>(ctx: WriteContext, lbId: string, write: () => Promise<T>): Promise<T> {
  return underLoadBalancer(ctx.cloud.loadBalancer, lbId, write, sig(ctx));
}

/** Waits until `what` is ACTIVE, then its load balancer too. */
export async function waitReady<T extends OctaviaAttrs>(
  ctx: WriteContext,
  what: string,
  poll: () => Promise<T>,
): Promise<T> {
  return waitActive(what, poll, sig(ctx));
}

/**
 * Waits until each member of `poolId` named is seen healthy (operating status ONLINE, NO_MONITOR or DRAINING; an
 * admin-down member is left OFFLINE), up to OPERATING_WAIT, and names each one that is not as a warning of the run
 * (LB_MEMBER_NOT_ONLINE): provisioned is not serving, and a migration does not control whether the target's servers
 * answer yet. Called when a member is made and when its pool's health monitor is, so whichever comes second waits
 * with both in place (Octavia makes the writes under one load balancer one at a time).
 */
export async function settleMembers(ctx: WriteContext, poolId: string, memberIds: readonly string[]): Promise<void> {
  const members = membersOf(poolId);
  await Promise.all(
    memberIds.map(async (id) => {
      const get = () => members.get(ctx.cloud.loadBalancer, id, sig(ctx));
      const health = await waitOperating(get, ctx.signal, (m) =>
        m.admin_state_up === false ? DISABLED : (m.operating_status ?? 'UNKNOWN'),
      );
      if (health.settled) return;
      const what = health.value ? `member ${health.value.address}:${health.value.protocol_port}` : `member ${id}`;
      const cause =
        health.status === 'ERROR'
          ? "the pool's health monitor cannot reach it"
          : `its load balancer reports no health for it yet`;
      const message =
        `${what} (pool ${poolId}): operating status ${health.status} after ${Math.round(health.elapsedMs / 1000)} s, ` +
        `provisioned (ACTIVE) but ${cause}; traffic goes to it only once its server answers on the member port ` +
        '(check the target server is running and serving)';
      if (ctx.warn) ctx.warn({ code: MEMBER_NOT_ONLINE, message });
      else ctx.logger.warn(message);
    }),
  );
}

/** The warning of a member the health checks do not see healthy after it was made. */
export const MEMBER_NOT_ONLINE = 'LB_MEMBER_NOT_ONLINE';

/** Deletes under its load balancer (when it still exists), then waits until it is gone. */
export async function removeUnder(
  ctx: WriteContext,
  what: string,
  lbId: string | undefined,
  remove: () => Promise<void>,
  get: () => Promise<{ provisioning_status?: string }>,
): Promise<void> {
  try {
    if (lbId) await underLb(ctx, lbId, remove);
    else await remove();
  } catch (error) {
    if (isHttpError(error, OS_ERROR.NOT_FOUND)) return;
    throw error;
  }
  await waitGone(what, get, sig(ctx));
}

/**
 * The dry run's checks of a target for the Octavia objects a plan creates: a load-balancer endpoint, tags (API
 * 2.5+, Bascule's marker: without them it could neither find again nor roll back what it made), and a role that
 * Octavia's default policy lets write (load-balancer_member). Each missing one is an error naming what to do.
 */
export async function checkOctaviaTarget(
  kind: PlanKind,
  creates: readonly PlanResource[],
  ctx: TargetCheckContext,
): Promise<TargetIssue[]> {
  const first = creates[0];
  if (!first) return [];
  const sc = ctx.cloud.loadBalancer;
  const where = `${creates.length} ${kind} entr${creates.length === 1 ? 'y' : 'ies'} (first ${first.key})`;
  let version: string;
  try {
    version = await apiVersion(sc, ctx.signal);
  } catch (error) {
    return [
      {
        severity: 'error',
        code: 'TARGET_NO_OCTAVIA',
        key: first.key,
        message: `${where}: the target has no load-balancer service (Octavia) Bascule can use: ${(error as Error).message}`,
      },
    ];
  }
  const issues: TargetIssue[] = [];
  if (!atLeast(version, TAGS_SINCE))
    issues.push({
      severity: 'error',
      code: 'TARGET_OCTAVIA_NO_TAGS',
      key: first.key,
      message: `${where}: the target's Octavia offers API ${version}, without tags (${TAGS_SINCE}+): Bascule could not mark what it creates, so it could neither find it again nor roll it back; move load balancers to an Octavia of Stein or later`,
    });
  const token = await ctx.cloud.token(ctx.signal);
  if (!token.roles.some((role) => WRITER_ROLES.includes(role)))
    issues.push({
      severity: 'error',
      code: 'TARGET_ROLE_MISSING',
      key: first.key,
      message: `${where}: the target user has none of the roles ${WRITER_ROLES.join(', ')} on the project (roles: ${token.roles.join(', ') || 'none'}); Octavia's default policy refuses its writes. Grant load-balancer_member to the user on the target project`,
    });
  return issues;
}
