/**
 * Preflight on the target: does the project have room for what the plan creates (Nova /limits, Neutron quota
 * details, Cinder quota usage), does a create reuse a name that something else already holds, and does a new
 * subnet overlap an address range the target already routes. Read-only.
 */
import type { Cloud } from '../openstack/cloud.js';
import * as computeQuotas from '../openstack/compute/quotas/requests.js';
import * as networkQuotas from '../openstack/network/quotas/requests.js';
import * as blockQuotas from '../openstack/block-storage/quotas/requests.js';
import * as blockZones from '../openstack/block-storage/availability-zones/requests.js';
import * as computeZones from '../openstack/compute/availability-zones/requests.js';
import * as subnets from '../openstack/network/subnets/requests.js';
import { collect } from '../openstack/pagination.js';
import { parseCidr } from '../plan/ip.js';
import type { Plan, PlanResource } from '../plan/types.js';
import { ACTION, type PlannedAction } from './actions.js';
import type { EngineDeps } from './context.js';
import type { TargetCatalog } from './resolve.js';
import { descriptorOf } from '../kinds/registry.js';

export interface QuotaCheck {
  service: 'compute' | 'network' | 'block-storage';
  resource: string;
  /** What the plan's creates need. */
  need: number;
  /** Limit minus usage; null when unlimited. */
  available: number | null;
  limit: number | null;
  used: number;
  ok: boolean;
}

export interface PreflightIssue {
  severity: 'error' | 'warning';
  code: string;
  key?: string;
  message: string;
}

export interface PreflightReport {
  checks: QuotaCheck[];
  issues: PreflightIssue[];
}

const NEUTRON_RESOURCE: Record<string, string> = {
  network: 'network',
  subnet: 'subnet',
  port: 'port',
  router: 'router',
  floating_ip: 'floatingip',
  security_group: 'security_group',
  security_group_rule: 'security_group_rule',
};

function check(
  service: QuotaCheck['service'],
  resource: string,
  need: number,
  limit: number | null,
  used: number,
): QuotaCheck {
  const unlimited = limit === null || limit < 0;
  const available = unlimited ? null : Math.max(0, limit - used);
  return {
    service,
    resource,
    need,
    available,
    limit: unlimited ? null : limit,
    used,
    ok: unlimited || need <= (available ?? 0),
  };
}

/** What the plan's creates need, per quota resource. */
export async function needs(
  plan: Plan,
  actions: readonly PlannedAction[],
  catalog: TargetCatalog,
): Promise<Record<string, number>> {
  const byKey = new Map(plan.resources.map((r) => [r.key, r]));
  const creating = actions
    .filter((a) => a.action === ACTION.CREATE || a.action === ACTION.LOSSY)
    .map((a) => byKey.get(a.key)!);
  const flavorIds = new Map(actions.filter((a) => a.kind === 'flavor' && a.targetId).map((a) => [a.key, a.targetId!]));
  const out: Record<string, number> = {};
  const add = (name: string, n: number) => (out[name] = (out[name] ?? 0) + n);
  let flavors: Awaited<ReturnType<TargetCatalog['flavors']>> | undefined;
  for (const entry of creating) {
    const neutron = NEUTRON_RESOURCE[entry.kind];
    if (neutron) add(neutron, 1);
    if (entry.kind === 'volume') {
      add('volumes', 1);
      add('gigabytes', entry.spec.size);
    }
    if (entry.kind === 'server') {
      add('instances', 1);
      const flavorKey = entry.refs?.flavor;
      const flavorId = typeof flavorKey === 'string' ? flavorIds.get(flavorKey) : undefined;
      flavors ??= flavorId ? await catalog.flavors().catch(() => []) : undefined;
      const flavor =
        flavors?.find((f) => f.id === flavorId) ??
        (byKey.get(String(flavorKey))?.spec as { vcpus?: number; ram?: number } | undefined);
      add('cores', flavor?.vcpus ?? 0);
      add('ram', flavor?.ram ?? 0);
    }
  }
  return out;
}

async function quotaChecks(
  cloud: Cloud,
  projectId: string,
  need: Record<string, number>,
  issues: PreflightIssue[],
  signal?: AbortSignal,
): Promise<QuotaCheck[]> {
  const checks: QuotaCheck[] = [];
  const wants = (names: string[]) => names.some((n) => (need[n] ?? 0) > 0);
  if (wants(['instances', 'cores', 'ram'])) {
    try {
      const l = await computeQuotas.limits(cloud.compute, signal);
      checks.push(check('compute', 'instances', need.instances ?? 0, l.maxTotalInstances, l.totalInstancesUsed));
      checks.push(check('compute', 'cores', need.cores ?? 0, l.maxTotalCores, l.totalCoresUsed));
      checks.push(check('compute', 'ram', need.ram ?? 0, l.maxTotalRAMSize, l.totalRAMUsed));
    } catch (error) {
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_QUOTA_UNREADABLE',
        message: `cannot read compute limits: ${(error as Error).message}`,
      });
    }
  }
  const neutron = Object.values(NEUTRON_RESOURCE);
  if (wants(neutron)) {
    try {
      const details = await networkQuotas.details(cloud.network, projectId, signal);
      for (const name of neutron) {
        if ((need[name] ?? 0) === 0) continue;
        const d = details[name];
        if (d) checks.push(check('network', name, need[name] ?? 0, d.limit, d.used + (d.reserved ?? 0)));
      }
    } catch (error) {
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_QUOTA_UNREADABLE',
        message: `cannot read network quota details: ${(error as Error).message}`,
      });
    }
  }
  if (wants(['volumes', 'gigabytes'])) {
    try {
      const q = await blockQuotas.get(cloud.blockStorage, projectId, true, signal);
      for (const name of ['volumes', 'gigabytes']) {
        const d = q[name];
        if (d && typeof d === 'object')
          checks.push(check('block-storage', name, need[name] ?? 0, d.limit, d.in_use + (d.reserved ?? 0)));
      }
    } catch (error) {
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_QUOTA_UNREADABLE',
        message: `cannot read block storage quota usage: ${(error as Error).message}`,
      });
    }
  }
  for (const c of checks) {
    if (!c.ok)
      issues.push({
        severity: 'error',
        code: 'PREFLIGHT_QUOTA',
        message: `${c.service} ${c.resource}: the plan needs ${c.need}, the project has ${c.available ?? 'unlimited'} left (limit ${c.limit}, used ${c.used})`,
      });
  }
  return checks;
}

function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y || x.version !== y.version) return false;
  return x.first <= y.last && y.first <= x.last;
}

const creates = (a: PlannedAction) => a.action === ACTION.CREATE || a.action === ACTION.LOSSY;

/**
 * The availability zones the plan's new servers and volumes ask for (after the mapping) exist and are available on
 * the target: Nova and Cinder refuse a create in any other zone with a 400, after everything before it was made.
 */
async function zoneChecks(
  cloud: Cloud,
  plan: Plan,
  actions: readonly PlannedAction[],
  issues: PreflightIssue[],
  signal?: AbortSignal,
): Promise<void> {
  const byKey = new Map(plan.resources.map((r) => [r.key, r]));
  const wanted: { service: 'compute' | 'block storage'; key: string; zone: string }[] = [];
  for (const a of actions) {
    if (!creates(a) || (a.kind !== 'server' && a.kind !== 'volume')) continue;
    const zone = (byKey.get(a.key)?.spec as { availability_zone?: string } | undefined)?.availability_zone;
    // Nova accepts `zone:host[:node]` (admins only); the zone is the part before the first colon.
    const name = a.kind === 'server' ? zone?.split(':')[0] : zone;
    if (name) wanted.push({ service: a.kind === 'server' ? 'compute' : 'block storage', key: a.key, zone: name });
  }
  for (const service of ['compute', 'block storage'] as const) {
    const mine = wanted.filter((w) => w.service === service);
    if (mine.length === 0) continue;
    let zones: { zoneName: string; zoneState: { available: boolean } }[];
    try {
      zones =
        service === 'compute'
          ? await computeZones.list(cloud.compute, signal)
          : await blockZones.list(cloud.blockStorage, signal);
    } catch (error) {
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_ZONES_UNREADABLE',
        message: `cannot list the target's ${service} availability zones (${(error as Error).message}); the zones the plan asks for are not checked`,
      });
      continue;
    }
    const available = zones.filter((z) => z.zoneState.available).map((z) => z.zoneName);
    for (const w of mine) {
      if (available.includes(w.zone)) continue;
      const known = zones.some((z) => z.zoneName === w.zone);
      issues.push({
        severity: 'error',
        code: 'PREFLIGHT_AVAILABILITY_ZONE',
        key: w.key,
        message: `${w.key}: ${service} availability zone "${w.zone}" is ${known ? 'not available' : 'unknown'} on the target (available: ${available.join(', ') || 'none'}); map it with availability_zones${service === 'compute' ? ' (or place the server with server_zones)' : ''} in the mapping`,
      });
    }
  }
}

/**
 * The target's region: every service the plan's creates need has an endpoint in it, and a target with several
 * regions and no region_name says which one it is using.
 */
async function regionChecks(
  cloud: Cloud,
  actions: readonly PlannedAction[],
  issues: PreflightIssue[],
  signal?: AbortSignal,
): Promise<void> {
  const kinds = new Set(actions.filter(creates).map((a) => a.kind));
  const needed: [string, { resolve(signal?: AbortSignal): Promise<unknown> }][] = [];
  if (kinds.has('server') || kinds.has('keypair') || kinds.has('server_group')) needed.push(['compute', cloud.compute]);
  if (kinds.has('volume') || kinds.has('volume_snapshot')) needed.push(['block storage', cloud.blockStorage]);
  if (kinds.has('image')) needed.push(['image', cloud.image]);
  const configured = cloud.session?.config.regionName;
  for (const [service, client] of needed) {
    if (typeof client?.resolve !== 'function') continue; // a cloud without service discovery (test doubles)
    try {
      await client.resolve(signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      issues.push({
        severity: 'error',
        code: 'PREFLIGHT_REGION',
        message: `the target has no usable ${service} service${configured ? ` in region ${configured}` : ''}: ${(error as Error).message}`,
      });
    }
  }
  if (configured !== undefined) return;
  try {
    const token = await cloud.token?.(signal);
    if (!token?.catalog) return;
    const regions = new Set(
      token.catalog.flatMap((e) => e.endpoints.map((ep) => ep.region_id ?? ep.region ?? '')).filter((r) => r !== ''),
    );
    if (regions.size > 1)
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_REGION_UNSET',
        message: `the target has several regions (${[...regions].sort().join(', ')}) and its clouds.yaml entry sets no region_name: the first endpoint of each service is used; set region_name to say which`,
      });
  } catch {
    // The token was read already to get here; nothing more to say.
  }
}

/** Runs every preflight check. */
export async function runPreflight(
  plan: Plan,
  actions: readonly PlannedAction[],
  deps: EngineDeps,
  catalog: TargetCatalog,
): Promise<PreflightReport> {
  const issues: PreflightIssue[] = [];
  const signal = deps.target.signal;
  const need = await needs(plan, actions, catalog);
  const checks = await quotaChecks(deps.target.cloud, deps.target.projectId, need, issues, signal);
  await regionChecks(deps.target.cloud, actions, issues, signal);
  await zoneChecks(deps.target.cloud, plan, actions, issues, signal);
  const byName = new Map(plan.resources.map((r) => [r.key, (r.spec as { name?: string }).name]));
  // The project's default group and rules matched exactly are the target's own, not a clash.
  for (const a of actions) {
    const ownDefault =
      a.kind === 'security_group_rule' || (a.kind === 'security_group' && byName.get(a.key) === 'default');
    if (
      (a.action === ACTION.NOOP || a.action === ACTION.UPDATE) &&
      !a.external &&
      a.marked === false &&
      !ownDefault &&
      !descriptorOf(a.kind).matchOnly &&
      a.kind !== 'quota'
    ) {
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_NAME_CLASH',
        key: a.key,
        message: `${a.key}: the target already has ${a.kind} ${a.targetId} with this name, not created by Bascule; it will be reused${a.action === ACTION.UPDATE ? ' and updated' : ''}`,
      });
    }
  }
  const byKey = new Map<string, PlanResource>(plan.resources.map((r) => [r.key, r]));
  const newSubnets = actions
    .filter((a) => a.kind === 'subnet' && (a.action === ACTION.CREATE || a.action === ACTION.LOSSY))
    .map((a) => byKey.get(a.key)!);
  if (newSubnets.length > 0) {
    try {
      const existing = await collect(subnets.list(deps.target.cloud.network, undefined, signal ? { signal } : {}));
      const externalNets = new Set((await catalog.networks()).filter((n) => n['router:external']).map((n) => n.id));
      for (const entry of newSubnets) {
        if (entry.kind !== 'subnet') continue;
        for (const s of existing) {
          if (!overlaps(entry.spec.cidr, s.cidr)) continue;
          const routed = externalNets.has(s.network_id);
          issues.push({
            severity: routed ? 'error' : 'warning',
            code: 'PREFLIGHT_CIDR_OVERLAP',
            key: entry.key,
            message: `${entry.key}: ${entry.spec.cidr} overlaps ${s.cidr} (subnet ${s.name || s.id}${routed ? ' of an external network the target routes' : ''})`,
          });
        }
      }
    } catch (error) {
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_SUBNETS_UNREADABLE',
        message: `cannot list target subnets: ${(error as Error).message}`,
      });
    }
  }
  return { checks, issues };
}
