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
import { SERVICE } from '../openstack/auth/catalog.js';
import type { Plan, PlanResource } from '../plan/types.js';
import { ACTION, type PlannedAction } from './actions.js';
import type { EngineDeps } from './context.js';
import type { TargetCatalog } from './resolve.js';
import type { QuotaService, TargetIssue, ZoneService } from '../kinds/descriptor.js';
import { DESCRIPTORS, descriptorOf } from '../kinds/registry.js';

export interface QuotaCheck {
  service: QuotaService;
  resource: string;
  /** What the plan's creates need. */
  need: number;
  /** Limit minus usage; null when unlimited. */
  available: number | null;
  limit: number | null;
  used: number;
  ok: boolean;
}

export type PreflightIssue = TargetIssue;

export interface PreflightReport {
  checks: QuotaCheck[];
  issues: PreflightIssue[];
}

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

/** What the plan's creates need, per quota service and resource (each kind's descriptor says what a create takes). */
export async function needs(
  plan: Plan,
  actions: readonly PlannedAction[],
  catalog: TargetCatalog,
): Promise<Map<QuotaService, Record<string, number>>> {
  const byKey = new Map(plan.resources.map((r) => [r.key, r]));
  const targetIds = new Map(actions.filter((a) => a.targetId).map((a) => [a.key, a.targetId!]));
  const ctx = { entry: (key: string) => byKey.get(key), targetId: (key: string) => targetIds.get(key), catalog };
  const out = new Map<QuotaService, Record<string, number>>();
  // In plan order of the kinds, so that the checks come in the same order whatever the order of the actions.
  const rank = new Map(DESCRIPTORS.map((d, i) => [d.kind, i]));
  const creating = actions
    .filter((a) => a.action === ACTION.CREATE || a.action === ACTION.LOSSY)
    .sort((a, b) => rank.get(a.kind)! - rank.get(b.kind)!);
  for (const a of creating) {
    const quota = descriptorOf(a.kind).quota;
    if (!quota) continue;
    const uses = await quota.uses(byKey.get(a.key)!, ctx);
    const of = out.get(quota.service) ?? {};
    for (const [name, n] of Object.entries(uses)) of[name] = (of[name] ?? 0) + n;
    out.set(quota.service, of);
  }
  return out;
}

async function quotaChecks(
  cloud: Cloud,
  projectId: string,
  needed: Map<QuotaService, Record<string, number>>,
  issues: PreflightIssue[],
  signal?: AbortSignal,
): Promise<QuotaCheck[]> {
  const checks: QuotaCheck[] = [];
  const wants = (service: QuotaService, names: readonly string[]) =>
    names.some((n) => (needed.get(service)?.[n] ?? 0) > 0);
  let need = needed.get(SERVICE.compute) ?? {};
  if (wants(SERVICE.compute, ['instances', 'cores', 'ram'])) {
    try {
      const l = await computeQuotas.limits(cloud.compute, signal);
      checks.push(check(SERVICE.compute, 'instances', need.instances ?? 0, l.maxTotalInstances, l.totalInstancesUsed));
      checks.push(check(SERVICE.compute, 'cores', need.cores ?? 0, l.maxTotalCores, l.totalCoresUsed));
      checks.push(check(SERVICE.compute, 'ram', need.ram ?? 0, l.maxTotalRAMSize, l.totalRAMUsed));
    } catch (error) {
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_QUOTA_UNREADABLE',
        message: `cannot read compute limits: ${(error as Error).message}`,
      });
    }
  }
  need = needed.get(SERVICE.network) ?? {};
  const neutron = Object.keys(need);
  if (wants(SERVICE.network, neutron)) {
    try {
      const details = await networkQuotas.details(cloud.network, projectId, signal);
      for (const name of neutron) {
        if ((need[name] ?? 0) === 0) continue;
        const d = details[name];
        if (d) checks.push(check(SERVICE.network, name, need[name] ?? 0, d.limit, d.used + (d.reserved ?? 0)));
      }
    } catch (error) {
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_QUOTA_UNREADABLE',
        message: `cannot read network quota details: ${(error as Error).message}`,
      });
    }
  }
  need = needed.get(SERVICE.blockStorage) ?? {};
  if (wants(SERVICE.blockStorage, ['volumes', 'gigabytes'])) {
    try {
      const q = await blockQuotas.get(cloud.blockStorage, projectId, true, signal);
      for (const name of ['volumes', 'gigabytes']) {
        const d = q[name];
        if (d && typeof d === 'object')
          checks.push(check(SERVICE.blockStorage, name, need[name] ?? 0, d.limit, d.in_use + (d.reserved ?? 0)));
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

/** How messages name a service ("block storage"). */
const serviceLabel = (service: string) => service.replace('-', ' ');

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
  const wanted: { service: ZoneService; key: string; zone: string; hint?: string }[] = [];
  for (const a of actions) {
    const zoned = descriptorOf(a.kind).availabilityZone;
    const entry = byKey.get(a.key);
    if (!creates(a) || !zoned || !entry) continue;
    const zone = zoned.of(entry);
    if (zone) wanted.push({ service: zoned.service, key: a.key, zone, ...(zoned.hint ? { hint: zoned.hint } : {}) });
  }
  for (const service of [SERVICE.compute, SERVICE.blockStorage] as const) {
    const mine = wanted.filter((w) => w.service === service);
    if (mine.length === 0) continue;
    const label = serviceLabel(service);
    let zones: { zoneName: string; zoneState: { available: boolean } }[];
    try {
      zones =
        service === SERVICE.compute
          ? await computeZones.list(cloud.compute, signal)
          : await blockZones.list(cloud.blockStorage, signal);
    } catch (error) {
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_ZONES_UNREADABLE',
        message: `cannot list the target's ${label} availability zones (${(error as Error).message}); the zones the plan asks for are not checked`,
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
        message: `${w.key}: ${label} availability zone "${w.zone}" is ${known ? 'not available' : 'unknown'} on the target (available: ${available.join(', ') || 'none'}); map it with availability_zones${w.hint ? ` (${w.hint})` : ''} in the mapping`,
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
  // Every service a created kind's calls go to (the order: how the messages come).
  const services = new Set(actions.filter(creates).map((a) => descriptorOf(a.kind).service));
  const needed = [SERVICE.compute, SERVICE.blockStorage, SERVICE.image, SERVICE.network]
    .filter((service) => services.has(service))
    .map((service) => [serviceLabel(service), cloud.client?.(service)] as const);
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
  const byKey = new Map<string, PlanResource>(plan.resources.map((r) => [r.key, r]));
  for (const a of actions) {
    const descriptor = descriptorOf(a.kind);
    // What the target gives the project itself (its default group, its quotas) matched exactly is no clash.
    const targetOwned = descriptor.targetOwned?.(byKey.get(a.key)!, (key) => byKey.get(key)) !== undefined;
    if (
      (a.action === ACTION.NOOP || a.action === ACTION.UPDATE) &&
      !a.external &&
      a.marked === false &&
      !targetOwned &&
      !descriptor.matchOnly
    ) {
      issues.push({
        severity: 'warning',
        code: 'PREFLIGHT_NAME_CLASH',
        key: a.key,
        message: `${a.key}: the target already has ${a.kind} ${a.targetId} with this name, not created by Bascule; it will be reused${a.action === ACTION.UPDATE ? ' and updated' : ''}`,
      });
    }
  }
  // The kinds' own checks, each on the entries of its kind the plan creates.
  for (const descriptor of DESCRIPTORS) {
    if (!descriptor.checkTarget) continue;
    const made = actions.filter((a) => a.kind === descriptor.kind && creates(a)).map((a) => byKey.get(a.key)!);
    if (made.length === 0) continue;
    const ctx = { cloud: deps.target.cloud, catalog, ...(signal ? { signal } : {}) };
    for (const issue of await descriptor.checkTarget(made, ctx)) issues.push(issue);
  }
  return { checks, issues };
}
