/**
 * The dry run: the first screen of every apply. Every entry is resolved against the live target and gets one
 * action; nothing is changed (only GET requests are sent). The result can be saved (`--out changes.json`) with the
 * plan's digest and a fingerprint of the target state it saw, and applied later only if neither changed.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { estimateData, type DataEstimate } from '../kinds/shared/workload.js';
import { stringifyCanonical } from '../plan/canonical.js';
import type { Plan, PlanResource } from '../plan/types.js';
import { ACTION, countActions, isBlocking, type PlannedAction } from './actions.js';
import { planDigest, type EngineDeps } from './context.js';
import { listedLookups } from './lookups.js';
import { blocked, decide, namesakesOf } from './decide.js';
import { NO_EVENTS } from './events.js';
import { buildGraph } from './graph.js';
import { runPreflight, type PreflightReport } from './preflight.js';
import { knownAfterApply, TargetCatalog, type Resolution } from './resolve.js';
import { OUTCOME, walk } from './walker.js';
import { rewriteAddresses, type AddressCache } from './addresses.js';
import { serviceOf } from './context.js';

export const CHANGES_FORMAT = 'bascule.changes/v1';
/** The plan warning apply adds for an entry its mapping left out (include/exclude): the dry run names each one. */
export const MAPPING_LEFT_OUT = 'MAPPING_LEFT_OUT';

export interface ChangeSet {
  format: typeof CHANGES_FORMAT;
  /**
   * The one digest of the dry run (changesDigest): plan, resolution, actions and target. Shown by the dry run and
   * before apply asks; `apply --expect-digest` compares it.
   */
  digest: string;
  /** SHA-256 of the canonical plan the dry run was made for. */
  plan_digest: string;
  /** SHA-256 over every action (key, action, target ID, differences): what the target looked like. */
  fingerprint: string;
  target: { cloud: string; project_id: string };
  created_at: string;
  actions: PlannedAction[];
  preflight: PreflightReport;
  /** Whether everything can be applied (no blocked or conflicting action, no preflight error). */
  ok: boolean;
  /** The plan itself (after the mapping), when saved with --out, so `apply changes.json` applies exactly that. */
  plan?: Plan;
  /** How external entries were matched (from the mapping), saved with the plan. */
  resolution?: Resolution;
  /** Workload data the apply will move (images, server disks, volumes), when it moves data (with a source cloud). */
  data?: DataEstimate;
}

export function fingerprintOf(actions: readonly PlannedAction[]): string {
  const rows = [...actions]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((a) => [a.key, a.action, a.targetId ?? null, a.changes ?? [], a.candidates ?? []]);
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

/**
 * The one digest of a dry run: SHA-256 over the canonical JSON of the format, the target (cloud name and project),
 * the mapped plan, the resolution of externals and every action (key, action, target ID, differences, candidates).
 */
export function changesDigest(input: {
  plan: Plan;
  resolution?: Resolution | undefined;
  actions: readonly PlannedAction[];
  target: { cloud: string; project_id: string };
}): string {
  const text = stringifyCanonical({
    format: CHANGES_FORMAT,
    target: { cloud: input.target.cloud, project_id: input.target.project_id },
    plan: planDigest(input.plan),
    resolution: input.resolution ?? {},
    actions: fingerprintOf(input.actions),
  });
  return createHash('sha256').update(text).digest('hex');
}

/** Why the target refuses an entry whatever its references resolve to (its writer's check), if it does. */
function ownBlock(deps: EngineDeps, entry: PlanResource): string | undefined {
  const refs: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(entry.refs ?? {}))
    refs[name] = Array.isArray(value) ? value.map((k) => knownAfterApply(k)) : knownAfterApply(value);
  return deps.writerFor(entry.kind)?.check?.(deps.target, { entry, refs, marker: '' });
}

export interface DryRunOptions {
  /** Run the preflight (quotas, name clashes, CIDR overlaps); default true. */
  preflight?: boolean;
  /**
   * Look entries up in one listing per collection (src/engine/lookups.ts) rather than one request per entry; default
   * true. False only to compare the two (bench/rerun.ts).
   */
  listedLookups?: boolean;
}

/** Plans every entry against the target. Zero mutating requests. */
export async function planChanges(plan: Plan, deps: EngineDeps, options: DryRunOptions = {}): Promise<ChangeSet> {
  const started = Date.now();
  const emit = deps.onEvent ?? NO_EVENTS;
  const graph = buildGraph(plan);
  if (deps.target.signal) setMaxListeners(0, deps.target.signal);
  const catalog = new TargetCatalog(deps.target.cloud, deps.target.signal);
  const sourceProject = plan.provenance.project.id;
  const namesakes = namesakesOf(plan);
  // Nothing is written during a dry run: every lookup can come from one listing per collection.
  const lookups = options.listedLookups === false ? undefined : listedLookups(deps.target);
  const ids = new Map<string, string>();
  const unresolved = new Map<string, string>();
  const actions = new Map<string, PlannedAction>();
  const addresses: AddressCache = new Map();
  emit({ type: 'plan.start', total: graph.order.length });

  const visit = async (key: string) => {
    const node = graph.nodes.get(key)!;
    const upstream = node.deps.find((d) => unresolved.has(d));
    let decision;
    if (upstream !== undefined) {
      const waits = `depends on ${upstream}, which is ${unresolved.get(upstream)}`;
      // Its own cause too (a target that cannot hold this kind at all), so that it is not learnt only after the
      // dependency is mended. The check reads no target object: references are placeholders here.
      const own = node.entry.external ? undefined : ownBlock(deps, node.entry);
      decision = blocked(node.entry, own === undefined ? waits : `${own}; it also ${waits}`);
    } else {
      const refs: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(node.entry.refs ?? {})) {
        refs[name] = Array.isArray(value)
          ? value.map((k) => ids.get(k) ?? knownAfterApply(k))
          : (ids.get(value) ?? knownAfterApply(value));
      }
      const { entry, rewrites } = await rewriteAddresses(
        deps,
        node.entry,
        refs,
        (k) => graph.nodes.get(k)?.entry,
        addresses,
      );
      decision = await decide(deps, catalog, entry, refs, sourceProject, namesakes.get(key), lookups?.target);
      if (rewrites.length > 0) decision = { ...decision, action: { ...decision.action, rewrites } };
    }
    const action = decision.action;
    actions.set(key, action);
    if (isBlocking(action.action)) unresolved.set(key, action.action === ACTION.CONFLICT ? 'in conflict' : 'blocked');
    else ids.set(key, action.targetId ?? knownAfterApply(key));
    emit({ type: 'plan.action', action });
  };

  const limits = deps.serviceLimits ?? {};
  const results = await walk(graph, visit, {
    concurrency: deps.concurrency ?? 8,
    groupOf: (key) => serviceOf(graph.nodes.get(key)!.kind),
    groupLimits: limits,
    ...(deps.target.signal ? { signal: deps.target.signal } : {}),
  });
  for (const [key, result] of results) {
    if (result.outcome === OUTCOME.FAILED) {
      // A lookup failed (the target answered with an error): the entry cannot be planned.
      const error = result.error as Error;
      const node = graph.nodes.get(key)!;
      const action: PlannedAction = {
        key,
        kind: node.kind,
        action: ACTION.BLOCKED,
        reason: `lookup failed: ${error.message}`,
      };
      actions.set(key, action);
      emit({ type: 'plan.action', action });
    } else if (result.outcome === OUTCOME.SKIPPED || result.outcome === OUTCOME.CANCELLED) {
      const node = graph.nodes.get(key)!;
      const action: PlannedAction = {
        key,
        kind: node.kind,
        action: ACTION.BLOCKED,
        reason:
          result.outcome === OUTCOME.SKIPPED ? `depends on ${result.upstream}, whose lookup failed` : 'interrupted',
      };
      actions.set(key, action);
    }
  }
  const ordered = graph.order.map((k) => actions.get(k)!);
  const preflight =
    options.preflight === false ? { checks: [], issues: [] } : await runPreflight(plan, ordered, deps, catalog);
  // What the export could not move or left out, as the plan keeps it: repeated here, so the reviewer sees it.
  for (const w of plan.warnings ?? [])
    preflight.issues.push({
      severity: 'warning',
      code: w.code,
      message: `${w.code === MAPPING_LEFT_OUT ? 'from the mapping' : 'from the export'}: ${w.message}`,
    });
  const ok = !ordered.some((a) => isBlocking(a.action)) && !preflight.issues.some((i) => i.severity === 'error');
  emit({ type: 'plan.done', counts: countActions(ordered), elapsedMs: Date.now() - started });
  const target = { cloud: deps.target.cloud.name, project_id: deps.target.projectId };
  return {
    format: CHANGES_FORMAT,
    digest: changesDigest({ plan, resolution: deps.resolution, actions: ordered, target }),
    plan_digest: planDigest(plan),
    fingerprint: fingerprintOf(ordered),
    target,
    created_at: new Date().toISOString(),
    actions: ordered,
    preflight,
    ok,
    ...(deps.resolution ? { resolution: deps.resolution } : {}),
    ...(deps.target.workload ? { data: estimateData(plan, ordered, deps.target.workload) } : {}),
  };
}

/**
 * Why a dry run cannot be applied, in one line: the first preflight error (a quota that does not fit: which, needed,
 * left; an unavailable zone; an overlapping range), else the first blocked or conflicting entry with its reason, and
 * how many more causes there are. Undefined when everything can be applied.
 */
export function blockingCause(changes: Pick<ChangeSet, 'actions' | 'preflight' | 'ok'>): string | undefined {
  if (changes.ok) return undefined;
  const causes = [
    ...changes.preflight.issues.filter((i) => i.severity === 'error').map((i) => i.message),
    ...changes.actions
      .filter((a) => isBlocking(a.action))
      // An entry blocked only because something it depends on is blocked is not a cause of its own.
      .filter((a) => !/^depends on /.test(a.reason ?? ''))
      .map(
        (a) =>
          `${a.key} is ${a.action === ACTION.CONFLICT ? 'in conflict' : 'blocked'}${a.reason ? `: ${a.reason}` : ''}`,
      ),
  ];
  if (causes.length === 0) {
    const first = changes.actions.find((a) => isBlocking(a.action));
    return first ? `${first.key} is blocked${first.reason ? `: ${first.reason}` : ''}` : 'the preflight failed';
  }
  return causes.length === 1
    ? causes[0]
    : `${causes[0]} (and ${causes.length - 1} more cause${causes.length > 2 ? 's' : ''} above)`;
}
