/**
 * The apply: walks the graph (dependencies first, independent entries concurrently), and for each entry decides
 * (find, compare) and acts (create, update, or nothing), journaling an intent before each mutating step and its
 * result after. A failure skips what depends on it; the rest goes on. Re-running is safe: what exists is found by
 * its marker and left alone; `resume` continues a journal, adopting what an interrupted create left unmarked.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kinds/kind.js';
import { markerFor } from '../kinds/markers.js';
import { descriptorOf } from '../kinds/registry.js';
import { finishWorkload } from '../kinds/shared/workload.js';
import type { Plan, PlanResource } from '../plan/types.js';
import { AbortedError, BasculeError } from '../shared/errors.js';
import { ACTION, isMutating, type Action, type PlannedAction } from './actions.js';
import { planDigest, serviceOf, type EngineDeps } from './context.js';
import { decide, namesakesOf, type Decision } from './decide.js';
import { listedLookups } from './lookups.js';
import { errorInfo, NO_EVENTS, type RunSummary } from './events.js';
import { addOrderEdge, buildGraph, type Graph } from './graph.js';
import {
  fileJournal,
  isDefinitiveFailure,
  journaled,
  journalState,
  sanitizeEntry,
  type JournalOp,
  type JournalRecord,
  type JournalState,
  type JournalStore,
  type JournalWriter,
} from './journal.js';
import { backoffDelay, sleep } from '../shared/async.js';
import { rewriteAddresses, type AddressCache } from './addresses.js';
import { resolveRefs, TargetCatalog } from './resolve.js';
import { OUTCOME, walk, type NodeResult } from './walker.js';

export interface ApplyOptions {
  /** The journal file (created, or appended to on resume). */
  journalPath: string;
  /** Where the journal lives when not in `journalPath` (a campaign database); `journalPath` then only names it. */
  journalStore?: JournalStore;
  /** Continue an existing journal (refused if it was written for another plan or target). */
  resume?: boolean;
}

export interface NodeReport {
  key: string;
  kind: string;
  outcome: 'created' | 'updated' | 'unchanged' | 'failed' | 'skipped' | 'cancelled';
  action?: Action;
  targetId?: string;
  error?: { code: string; message: string };
  upstream?: string;
  /** What its write could not do and went on without (also in the journal's result and the run's warnings). */
  warnings?: { code: string; message: string }[];
}

export interface ApplyResult {
  ok: boolean;
  interrupted: boolean;
  summary: RunSummary;
  nodes: NodeReport[];
  /** Target ID of every entry that has one. */
  ids: Record<string, string>;
  journal: string;
  /** Workload data (apply --from): bytes copied, source servers stopped and started again, temporaries. */
  workload?: WorkloadSummary;
}

export interface WorkloadSummary {
  bytes_moved: number;
  /** Swift objects copied (their bytes are in bytes_moved); absent when none. */
  objects_copied?: number;
  /** Source servers stopped for a consistent copy (this run or an earlier one of the journal), by ID. */
  source_stopped: string[];
  source_restarted: string[];
  /** Source servers still stopped at the end (without --restart-source, or a restart failed). */
  source_still_stopped: string[];
  temporaries_removed: number;
  /** Temporaries left on either cloud (--keep-temporary, a failed run, or a removal that failed). */
  temporaries_left: number;
}

/** Errors worth a second attempt at the whole entry: the service was unavailable, or a step after a create failed. */
const TRANSIENT = new Set([
  'OS_SERVER_ERROR',
  'OS_UNAVAILABLE',
  'OS_RATE_LIMITED',
  'OS_NETWORK',
  'OS_UNAUTHORIZED',
  'WRITE_INCOMPLETE',
  'OS_BAD_RESPONSE',
]);

export function isTransient(error: unknown): boolean {
  return TRANSIENT.has(errorInfo(error).code);
}

/** Thrown to stop an entry; the message is the reason shown to the user. */
export class EngineNodeError extends BasculeError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'EngineNodeError';
  }
}

/** A crash requested by a test hook: the engine stops writing its journal, as if killed. */
export class SimulatedCrash extends Error {
  constructor(message = 'simulated crash') {
    super(message);
    this.name = 'SimulatedCrash';
  }
}

interface RunState {
  journal: JournalWriter;
  crashed: boolean;
  ids: Map<string, string>;
  prior: JournalState;
  decisions: Map<string, PlannedAction>;
  adopted: Set<string>;
  /** Keys whose create failed in this run without a definitive answer (the object may exist). */
  inDoubt: Set<string>;
}

function journalStoreOf(options: ApplyOptions): JournalStore {
  return options.journalStore ?? fileJournal(options.journalPath);
}

async function openJournal(
  plan: Plan,
  deps: EngineDeps,
  options: ApplyOptions,
  digest: string,
): Promise<{ journal: JournalWriter; prior: JournalState }> {
  const existing = await journalStoreOf(options).read();
  const prior = journalState(existing);
  const first = prior.runs[0];
  if (first && !options.resume) {
    throw new BasculeError('JOURNAL_EXISTS', `the journal ${options.journalPath} already records a run`, {
      hint: 'continue it with --resume, or choose another file with --journal',
      exitCode: 2,
    });
  }
  if (first) {
    if (first.plan_digest !== digest) {
      throw new BasculeError(
        'JOURNAL_PLAN_CHANGED',
        `the journal ${options.journalPath} was written for another plan (or the plan changed since)`,
        { exitCode: 2 },
      );
    }
    if (first.target.project_id !== deps.target.projectId) {
      throw new BasculeError(
        'JOURNAL_TARGET_CHANGED',
        `the journal ${options.journalPath} was written for project ${first.target.project_id}, not ${deps.target.projectId}`,
        { exitCode: 2 },
      );
    }
  }
  const run = randomUUID();
  const journal = await journalStoreOf(options).open(run, existing);
  await journal.append({
    t: 'run',
    format: 'bascule.journal/v1',
    run,
    at: new Date().toISOString(),
    mode: first ? 'resume' : 'apply',
    plan_digest: digest,
    target: { cloud: deps.target.cloud.name, project_id: deps.target.projectId },
    source_project: plan.provenance.project.id,
    ...(deps.target.source
      ? { source: { cloud: deps.target.source.cloud.name, project_id: deps.target.source.projectId } }
      : {}),
  });
  return { journal, prior };
}

/** One journaled mutating step: intent, call, result. A crash hook stops journaling (as a kill would). */
async function step<T>(
  state: RunState,
  deps: EngineDeps,
  graph: Graph,
  resolved: ResolvedEntry,
  op: JournalOp,
  call: () => Promise<T>,
  idOf: (value: T) => string | undefined,
  extra: { target_id?: string; before?: Record<string, unknown> } = {},
  warnings?: () => readonly { code: string; message: string }[],
): Promise<T> {
  const { entry } = resolved;
  // After a (simulated) kill nothing more happens: a dead process sends no further call, writes no further line.
  if (state.crashed) throw new SimulatedCrash('the engine crashed before this step');
  const journal = {
    run: state.journal.run,
    nextSeq: () => state.journal.nextSeq(),
    append: async (rec: JournalRecord) => {
      if (!state.crashed) await state.journal.append(rec);
    },
  };
  const hook = async (call: () => Promise<void> | void) => {
    try {
      await call();
    } catch (error) {
      if (error instanceof SimulatedCrash) state.crashed = true;
      throw error;
    }
  };
  const intent = {
    key: entry.key,
    kind: entry.kind,
    op,
    marker: resolved.marker,
    rank: graph.rank.get(entry.key) ?? 0,
    entry: sanitizeEntry(entry),
    refs: resolved.refs,
    ...extra,
  };
  return journaled(journal, intent, call, {
    idOf,
    before: (seq) => hook(() => deps.hooks?.beforeCall?.({ key: entry.key, op, seq })),
    after: (seq, id) =>
      hook(() => deps.hooks?.afterCall?.({ key: entry.key, op, seq, ...(id !== undefined ? { id } : {}) })),
    failed: (error) => {
      if (op === 'create' && !isDefinitiveFailure(errorInfo(error).code)) state.inDoubt.add(entry.key);
    },
    ...(warnings ? { warnings } : {}),
  });
}

/**
 * The one adoption step, run before every action on an existing target object (no change, update, conflict): when
 * a create of this entry is in doubt (an interrupted run, or a create that failed half-way in this run), the object
 * found is what that create made. It is recorded as created by Bascule (a journaled `create` with its ID), marked
 * first when the create was cut before it could mark it (Neutron: create, then tag), so that rollback removes it
 * whatever the next action does to it. Returns the adopted (marked) object, or undefined when there is nothing to
 * adopt (or it cannot be marked: then it is not known to be ours and is left as found).
 */
async function adopt(
  state: RunState,
  deps: EngineDeps,
  graph: Graph,
  decision: Decision,
): Promise<{ wire: unknown; id: string } | undefined> {
  const { action, writer, resolved } = decision;
  if (!writer || !resolved || decision.wire === undefined || state.adopted.has(action.key)) return undefined;
  const prior = state.prior.created.get(action.key);
  const inDoubt = (prior !== undefined && prior.id === undefined) || state.inDoubt.has(action.key);
  if (!inDoubt) return undefined;
  const markerless = descriptorOf(action.kind).markerless === true;
  if (action.marked === false && !writer.mark && !markerless) return undefined;
  state.adopted.add(action.key);
  const wire = decision.wire;
  const ctx = deps.target;
  const adopted = await step(
    state,
    deps,
    graph,
    resolved,
    'create',
    () => (action.marked === false && writer.mark ? writer.mark(ctx, wire, resolved.marker) : Promise.resolve(wire)),
    (w) => writer.idOf(w),
  );
  const id = writer.idOf(adopted);
  state.ids.set(action.key, id);
  return { wire: adopted, id };
}

async function act(
  state: RunState,
  deps: EngineDeps,
  graph: Graph,
  decision: Decision,
  warnings: { code: string; message: string }[] = [],
): Promise<{ outcome: NodeReport['outcome']; id?: string }> {
  const { action } = decision;
  const emit = deps.onEvent ?? NO_EVENTS;
  // What the writer could not do and went on without: a warning of the run, and in the journal's result of the step.
  const ctx: WriteContext = {
    ...deps.target,
    warn: (w) => {
      warnings.push({ code: w.code, message: w.message });
      emit({ type: 'warning', key: action.key, code: w.code, message: `${action.key}: ${w.message}` });
    },
  };
  const noted = () => warnings;
  // Whatever the action, an object a create in doubt left behind is adopted first (journaled, marked).
  const adopted =
    action.action === ACTION.NOOP || action.action === ACTION.UPDATE || action.action === ACTION.CONFLICT
      ? await adopt(state, deps, graph, decision)
      : undefined;
  switch (action.action) {
    case ACTION.NOOP: {
      if (adopted) return { outcome: 'created', id: adopted.id };
      return action.targetId !== undefined ? { outcome: 'unchanged', id: action.targetId } : { outcome: 'unchanged' };
    }
    case ACTION.UPDATE: {
      const writer = decision.writer!;
      const resolved = decision.resolved!;
      const changes = action.changes ?? [];
      const before = Object.fromEntries(changes.map((c) => [c.field, c.from ?? null]));
      // The update starts from the adopted (now marked) object, so a tag update keeps the marker.
      const current = adopted ? adopted.wire : decision.wire;
      const updated = await step(
        state,
        deps,
        graph,
        resolved,
        'update',
        () =>
          writer.update!(
            ctx,
            current,
            resolved,
            changes.map((c) => c.field),
          ),
        (w) => writer.idOf(w),
        {
          target_id: action.targetId!,
          before,
        },
        noted,
      );
      return { outcome: adopted ? 'created' : 'updated', id: writer.idOf(updated) };
    }
    case ACTION.CREATE:
    case ACTION.LOSSY: {
      const writer: KindWriter = decision.writer!;
      const resolved = decision.resolved!;
      // A create that replaces our own unfinished object (decide: marked and incomplete) removes it first.
      if (action.targetId !== undefined) await writer.remove(ctx, action.targetId);
      const created = await step(
        state,
        deps,
        graph,
        resolved,
        'create',
        () => writer.create(ctx, resolved),
        (w) => writer.idOf(w),
        {},
        noted,
      );
      const id = writer.idOf(created);
      state.ids.set(action.key, id);
      if (writer.waitUntilReady) {
        emit({ type: 'node.wait', key: action.key, kind: action.kind, what: 'ready' });
        await writer.waitUntilReady(ctx, created, resolved);
      }
      return { outcome: 'created', id };
    }
    case ACTION.CONFLICT:
      throw new EngineNodeError(
        'ENGINE_CONFLICT',
        `${action.key}: ${action.reason ?? 'conflict'}${action.changes ? ` (${action.changes.map((c) => c.field).join(', ')})` : ''}`,
      );
    default:
      throw new EngineNodeError('ENGINE_BLOCKED', `${action.key}: ${action.reason ?? 'blocked'}`);
  }
}

/**
 * Workload data: restart stopped source servers (--restart-source, those of earlier runs of the journal too), remove
 * temporaries after a success (src/kinds/shared/workload.ts); each of these is a journal line.
 */
async function endWorkload(
  deps: EngineDeps,
  plan: Plan,
  success: boolean,
  journal: JournalWriter,
  store: JournalStore,
): Promise<WorkloadSummary> {
  const workload = deps.target.workload!;
  const mover = workload.mover;
  let removed = 0;
  try {
    const done = await finishWorkload(workload, plan, success, (key) => markerFor(plan.provenance.project.id, key));
    removed = done.removed.length;
    if (done.removed.length > 0 || done.restarted.length > 0)
      deps.target.logger.info('workload data: cleaned up', {
        temporary_images_removed: done.removed.length,
        source_servers_restarted: done.restarted.length,
      });
    for (const t of done.failed)
      deps.target.logger.warn('temporary image left behind', { side: t.side, image: t.imageId, purpose: t.purpose });
  } catch (error) {
    deps.target.logger.warn('workload data: cleanup failed', { error: (error as Error).message });
  }
  // What the journal says now (this run's lines included) is the truth for the summary.
  await journal.close();
  const state = journalState(await store.read());
  return {
    bytes_moved: mover.bytesMoved,
    ...(mover.objectsCopied > 0 ? { objects_copied: mover.objectsCopied } : {}),
    source_stopped: mover.stoppedServers,
    source_restarted: mover.restartedServers,
    source_still_stopped: [...state.stopped.keys()],
    temporaries_removed: removed,
    temporaries_left: state.temporaries.size,
  };
}

/** Applies a plan to the target. Never throws for one resource: failures are in the result. */
export async function applyPlan(plan: Plan, deps: EngineDeps, options: ApplyOptions): Promise<ApplyResult> {
  const started = Date.now();
  const emit = deps.onEvent ?? NO_EVENTS;
  const graph = buildGraph(plan);
  const digest = planDigest(plan);
  const { journal, prior } = await openJournal(plan, deps, options, digest);
  const mover = deps.target.workload?.mover;
  if (mover) {
    // Every temporary and every stop of a source server becomes a journal line; an earlier run's are taken over.
    mover.journalId = prior.runs[0]?.run ?? journal.run;
    mover.planDigest = digest;
    mover.record = async (e) => {
      if (state.crashed) return;
      await journal.append({ t: 'workload', run: journal.run, at: new Date().toISOString(), ...e });
    };
    mover.adopt({ temporaries: prior.temporaries.values(), stopped: prior.stopped.values() });
  }
  const state: RunState = {
    journal,
    crashed: false,
    ids: new Map(),
    prior,
    decisions: new Map(),
    adopted: new Set(),
    inDoubt: new Set(),
  };
  const catalog = new TargetCatalog(deps.target.cloud, deps.target.signal);
  const sourceProject = plan.provenance.project.id;
  const namesakes = namesakesOf(plan);
  // An entry's first lookup reads a listing of its collection, taken once in this run (src/engine/lookups.ts): what an
  // earlier (killed) run made is there by then, and an entry's own object is made only by that entry. The cloud itself
  // is asked on a second attempt; for an entry with namesakes (its lookup must see the namesake's object once made and
  // marked); and for an entry of a kind the service makes by itself with a new parent (its descriptor's
  // `madeWithParent`: Neutron gives a new security group its egress rules) when one of its dependencies this run
  // creates or changes: made after the listing was read, such an object is not in it, and a stale listing would have
  // it made a second time (dd534b5; test/engine/sim-apply.test.ts). Other kinds' objects made by a service as a side
  // effect of this run's changes are never what a lookup matches: a subnet's DHCP port and a router's interface port
  // have a device (the port lookup takes only unattached ports besides its marker and name) and no name, and a DNS
  // zone's SOA and NS recordsets are not in any plan. So a first apply of a large plan reads its collections once,
  // instead of one or two lookups per entry whose dependency is new (issue #18).
  const lookups = listedLookups(deps.target).target;
  const dependsOnChange = (key: string): boolean =>
    graph.nodes.get(key)!.deps.some((dep) => {
      const decided = state.decisions.get(dep);
      return decided !== undefined && isMutating(decided.action);
    });
  // Would the service make this entry by itself were its parent new (a default egress rule, not an ingress one)?
  const asksCloud = (key: string, entry: PlanResource, refs: Record<string, string | string[]>): boolean =>
    dependsOnChange(key) && descriptorOf(entry.kind).madeWithParent?.(entry, refs, () => true) !== undefined;
  // Entries with the same name are made one after the other: the second looks for its object only once the first
  // is made and marked (a Neutron object is tagged after its create on some releases), so it never takes it for its
  // own. The edge is for order only: the second is made even when the first fails.
  const waitsFor = new Map<string, string>();
  for (const [key, others] of namesakes) {
    const earlier = others.filter((k) => graph.order.indexOf(k) < graph.order.indexOf(key));
    const last = earlier.sort((x, y) => graph.order.indexOf(y) - graph.order.indexOf(x))[0];
    if (last !== undefined && addOrderEdge(graph, last, key)) waitsFor.set(key, last);
  }
  // An entry built from a copy of its own source bytes (a volume's upload, a server's disk snapshot) does not need
  // the image it came from: when that image's entry fails (its source image was deleted after the export, say), the
  // entry is still made, from its copy, without that reference.
  const cameFrom = (entry: PlanResource): { ref: string; key: string } | undefined => {
    const ref = descriptorOf(entry.kind).temporaryImageRef;
    const value = ref === undefined ? undefined : entry.refs?.[ref];
    return typeof value === 'string' && deps.target.workload?.copiesBytes(entry)
      ? { ref: ref!, key: value }
      : undefined;
  };
  const withoutLostImage = (entry: PlanResource): PlanResource => {
    const from = cameFrom(entry);
    if (from === undefined || state.ids.has(from.key)) return entry;
    const { [from.ref]: _lost, ...refs } = entry.refs ?? {};
    return { ...entry, refs } as PlanResource;
  };
  const reports = new Map<string, NodeReport>();
  const addresses: AddressCache = new Map();
  // A crash (test hook) stops the walk at once, as a kill would.
  const crash = new AbortController();
  const signal = deps.target.signal ? AbortSignal.any([deps.target.signal, crash.signal]) : crash.signal;
  // Every call in flight listens to the signal: many at once is expected, not a leak.
  setMaxListeners(0, signal);
  if (deps.target.signal) setMaxListeners(0, deps.target.signal);
  emit({ type: 'apply.start', total: graph.order.length, resume: prior.runs.length > 0 });

  const visit = async (key: string) => {
    const node = graph.nodes.get(key)!;
    const t0 = Date.now();
    try {
      const unaddressed = withoutLostImage(node.entry);
      const refs = resolveRefs(unaddressed, state.ids);
      let attempt = 0;
      let done: { outcome: NodeReport['outcome']; id?: string; decision: Decision };
      const warnings: { code: string; message: string }[] = [];
      for (;;) {
        attempt += 1;
        warnings.length = 0;
        try {
          const mine =
            attempt === 1 && !namesakes.has(key) && !asksCloud(key, unaddressed, refs) ? lookups : deps.target;
          // Addresses it points at (a DNS record at a floating IP) are the target's: decided, made and journaled so.
          const { entry, rewrites } = await rewriteAddresses(
            deps,
            unaddressed,
            refs,
            (k) => graph.nodes.get(k)?.entry,
            addresses,
          );
          const decision = await decide(deps, catalog, entry, refs, sourceProject, namesakes.get(key), mine);
          if (rewrites.length > 0) decision.action = { ...decision.action, rewrites };
          state.decisions.set(key, decision.action);
          if (attempt === 1) emit({ type: 'node.start', key, kind: node.kind, action: decision.action.action });
          done = { ...(await act(state, deps, graph, decision, warnings)), decision };
          break;
        } catch (error) {
          // Find-before-create makes a second attempt safe: what the failed one made is found by its marker.
          if (state.crashed || signal.aborted || attempt >= (deps.nodeAttempts ?? 3) || !isTransient(error))
            throw error;
          emit({
            type: 'warning',
            key,
            code: errorInfo(error).code,
            message: `${key}: ${errorInfo(error).message}; trying again (attempt ${attempt + 1})`,
          });
          await sleep(backoffDelay(attempt, { base: deps.retryBaseMs ?? 500, cap: 10_000 }), signal);
        }
      }
      const { outcome, id, decision } = done;
      if (id !== undefined) state.ids.set(key, id);
      reports.set(key, {
        key,
        kind: node.kind,
        outcome,
        action: decision.action.action,
        ...(id !== undefined ? { targetId: id } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
      });
      emit({
        type: 'node.done',
        key,
        kind: node.kind,
        action: decision.action.action,
        ...(id !== undefined ? { targetId: id } : {}),
        elapsedMs: Date.now() - t0,
      });
    } catch (error) {
      if (error instanceof SimulatedCrash) {
        state.crashed = true;
        crash.abort();
      }
      const info =
        error instanceof AbortedError || signal.aborted
          ? { code: 'ABORTED', message: errorInfo(error).message }
          : errorInfo(error);
      const decided = state.decisions.get(key);
      reports.set(key, {
        key,
        kind: node.kind,
        outcome: 'failed',
        ...(decided ? { action: decided.action } : {}),
        error: info,
      });
      emit({ type: 'node.failed', key, kind: node.kind, error: info });
      throw error;
    }
  };

  let results: Map<string, NodeResult>;
  try {
    results = await walk(graph, visit, {
      concurrency: deps.concurrency ?? 8,
      groupOf: (key) => serviceOf(graph.nodes.get(key)!.kind),
      groupLimits: deps.serviceLimits ?? {},
      signal,
      tolerates: (dependent, upstream) =>
        cameFrom(graph.nodes.get(dependent)!.entry)?.key === upstream || waitsFor.get(dependent) === upstream,
      onSkip: (key, upstream) => {
        const node = graph.nodes.get(key)!;
        reports.set(key, { key, kind: node.kind, outcome: 'skipped', upstream });
        emit({ type: 'node.skipped', key, kind: node.kind, upstream });
      },
      onCancel: (key) => {
        const node = graph.nodes.get(key)!;
        reports.set(key, { key, kind: node.kind, outcome: 'cancelled' });
        emit({ type: 'node.cancelled', key, kind: node.kind });
      },
    });
  } finally {
    if (state.crashed) await journal.close().catch(() => undefined);
  }
  const nodes = graph.order.map(
    (k) =>
      reports.get(k) ?? {
        key: k,
        kind: graph.nodes.get(k)!.kind,
        outcome: results.get(k)?.outcome === OUTCOME.CANCELLED ? ('cancelled' as const) : ('skipped' as const),
      },
  );
  const count = (o: NodeReport['outcome']) => nodes.filter((n) => n.outcome === o).length;
  const summary: RunSummary = {
    done: count('created') + count('updated') + count('unchanged'),
    created: count('created'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    skipped: count('skipped'),
    cancelled: count('cancelled'),
    elapsedMs: Date.now() - started,
  };
  const interrupted = signal.aborted;
  const ok = summary.failed === 0 && summary.skipped === 0 && summary.cancelled === 0;
  if (!state.crashed) {
    await journal.append({
      t: 'end',
      run: journal.run,
      at: new Date().toISOString(),
      ok,
      interrupted,
      counts: { ...summary },
    });
  }
  const workload =
    deps.target.workload && !state.crashed
      ? await endWorkload(deps, plan, ok && !interrupted, journal, journalStoreOf(options))
      : undefined;
  if (!state.crashed) await journal.close();
  emit({ type: 'run.done', summary, interrupted });
  return {
    ok,
    interrupted,
    summary,
    nodes,
    ids: Object.fromEntries(state.ids),
    journal: options.journalPath,
    ...(workload ? { workload } : {}),
  };
}
