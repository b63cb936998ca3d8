/**
 * A concurrent walk over the graph (Terraform's dag/walk.go): a node starts when every dependency has succeeded;
 * when one fails, everything downstream of it is skipped (with the root cause named, never a second error) and
 * the rest goes on. Concurrency is limited overall and per group (one group per OpenStack service), with p-queue.
 * When the signal aborts, no new node starts; nodes in flight finish; nodes not started are `cancelled`.
 */
import PQueue from 'p-queue';
import type { Graph } from './graph.js';

export const OUTCOME = { DONE: 'done', FAILED: 'failed', SKIPPED: 'skipped', CANCELLED: 'cancelled' } as const;
export type Outcome = (typeof OUTCOME)[keyof typeof OUTCOME];

export interface NodeResult {
  outcome: Outcome;
  error?: unknown;
  /** For skipped nodes: the failed node upstream that caused it. */
  upstream?: string;
}

export interface WalkOptions {
  /** Nodes in flight at once (default 8). */
  concurrency?: number;
  /** The group of a node (e.g. its service) and a limit per group. */
  groupOf?: (key: string) => string;
  groupLimits?: Readonly<Record<string, number>>;
  signal?: AbortSignal;
  /** Called when a node is skipped because of a failure upstream. */
  onSkip?: (key: string, upstream: string) => void;
  onCancel?: (key: string) => void;
  /**
   * Whether `dependent` can go on without `upstream` when that failed or was skipped (its edge was order only for
   * it): it then runs once its other dependencies are done, instead of being skipped.
   */
  tolerates?: (dependent: string, upstream: string) => boolean;
}

/**
 * Walks `graph` calling `visit(key)` for each node once its dependencies are done. `visit` rejecting marks the
 * node failed. Resolves when every node has an outcome.
 */
export async function walk(
  graph: Graph,
  visit: (key: string) => Promise<void>,
  options: WalkOptions = {},
): Promise<Map<string, NodeResult>> {
  const results = new Map<string, NodeResult>();
  const remaining = new Map<string, number>();
  for (const [key, node] of graph.nodes) remaining.set(key, node.deps.length);
  const global = new PQueue({ concurrency: Math.max(1, options.concurrency ?? 8) });
  const groups = new Map<string, PQueue>();
  const queueOf = (key: string): PQueue | undefined => {
    if (!options.groupOf) return undefined;
    const group = options.groupOf(key);
    const limit = options.groupLimits?.[group];
    if (limit === undefined) return undefined;
    let queue = groups.get(group);
    if (!queue) {
      queue = new PQueue({ concurrency: Math.max(1, limit) });
      groups.set(group, queue);
    }
    return queue;
  };

  let pending = graph.nodes.size;
  let resolveAll!: () => void;
  const finished = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  if (pending === 0) return results;

  const settle = (key: string, result: NodeResult) => {
    if (results.has(key)) return;
    results.set(key, result);
    pending -= 1;
    if (pending === 0) resolveAll();
  };

  const skipDownstream = (key: string, upstream: string) => {
    for (const dependent of graph.nodes.get(key)!.dependents) {
      if (results.has(dependent)) continue;
      if (options.tolerates?.(dependent, key)) {
        release(dependent);
        continue;
      }
      settle(dependent, { outcome: OUTCOME.SKIPPED, upstream });
      options.onSkip?.(dependent, upstream);
      skipDownstream(dependent, upstream);
    }
  };

  const cancelRest = () => {
    for (const key of graph.order) {
      if (results.has(key) || started.has(key)) continue;
      settle(key, { outcome: OUTCOME.CANCELLED });
      options.onCancel?.(key);
    }
  };

  /** One dependency of `dependent` is settled: start it when none is left. */
  const release = (dependent: string) => {
    const left = remaining.get(dependent)! - 1;
    remaining.set(dependent, left);
    if (left === 0) start(dependent);
  };

  const started = new Set<string>();
  const start = (key: string) => {
    if (results.has(key) || started.has(key)) return;
    started.add(key);
    const task = async () => {
      if (options.signal?.aborted) {
        settle(key, { outcome: OUTCOME.CANCELLED });
        options.onCancel?.(key);
        return;
      }
      try {
        await visit(key);
      } catch (error) {
        settle(key, { outcome: OUTCOME.FAILED, error });
        skipDownstream(key, key);
        return;
      }
      settle(key, { outcome: OUTCOME.DONE });
      if (options.signal?.aborted) {
        cancelRest();
        return;
      }
      for (const dependent of graph.nodes.get(key)!.dependents) release(dependent);
    };
    const group = queueOf(key);
    const run = group ? () => group.add(() => global.add(task)) : () => global.add(task);
    void run().catch((error: unknown) => {
      settle(key, { outcome: OUTCOME.FAILED, error });
      skipDownstream(key, key);
    });
  };

  // Queued tasks still run once, see the signal and cancel themselves; nodes never queued are cancelled here.
  const onAbort = () => cancelRest();
  if (options.signal?.aborted) {
    onAbort();
    return results;
  }
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const key of graph.order) if (remaining.get(key) === 0) start(key);
    await finished;
    // Nodes in flight when the run was cancelled still settle: wait for the queues to drain.
    await global.onIdle();
    for (const queue of groups.values()) await queue.onIdle();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return results;
}
