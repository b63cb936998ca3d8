/**
 * The dependency graph of a plan: one node per entry, an edge for every reference (KIND_REFS), never a
 * hand-maintained order (Terraform's ReferenceTransformer). Security group rules point at groups, never the
 * reverse, so groups that reference each other through remote-group rules are no cycle: groups first, then rules.
 */
import { descriptorOf } from '../kinds/registry.js';
import type { PlanKind } from '../plan/kinds.js';
import type { Plan, PlanResource } from '../plan/types.js';
import { UsageError } from '../shared/errors.js';

export interface GraphNode {
  key: string;
  kind: PlanKind;
  entry: PlanResource;
  /** Keys this node references (its dependencies), without duplicates. */
  deps: string[];
  /** Keys that reference this node. */
  dependents: string[];
}

export interface Graph {
  nodes: ReadonlyMap<string, GraphNode>;
  /** Every key in a topological order (dependencies first), stable: plan order among equals. */
  order: string[];
  /** Position of each key in `order` (rollback deletes in reverse). */
  rank: ReadonlyMap<string, number>;
}

/** Every plan key an entry references, in declaration order, without duplicates. */
export function refKeys(entry: PlanResource): string[] {
  const out: string[] = [];
  for (const value of Object.values(entry.refs ?? {})) {
    for (const key of Array.isArray(value) ? value : [value])
      if (typeof key === 'string' && !out.includes(key)) out.push(key);
  }
  return out;
}

/**
 * Finds one cycle among `keys` (DFS), as a path that starts and ends with the same key. Iterative, with an explicit
 * stack: a chain of 100,000 dependencies must not overflow the call stack.
 */
function findCycle(nodes: ReadonlyMap<string, GraphNode>, keys: readonly string[]): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  for (const root of keys) {
    if (state.has(root)) continue;
    const path: string[] = [root];
    const next: number[] = [0];
    state.set(root, 1);
    while (path.length > 0) {
      const key = path[path.length - 1]!;
      const deps = nodes.get(key)?.deps ?? [];
      const i = next[next.length - 1]!;
      if (i >= deps.length) {
        state.set(key, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = i + 1;
      const dep = deps[i]!;
      const s = state.get(dep);
      if (s === 1) return [...path.slice(path.indexOf(dep)), dep];
      if (s === undefined) {
        state.set(dep, 1);
        path.push(dep);
        next.push(0);
      }
    }
  }
  return undefined;
}

/**
 * Builds the graph. Throws UsageError ENGINE_DUPLICATE_KEY, ENGINE_REF_MISSING or ENGINE_CYCLE (with the cycle's
 * path) for a plan that validation should already have refused.
 */
export function buildGraph(plan: Pick<Plan, 'resources'>): Graph {
  const nodes = new Map<string, GraphNode>();
  for (const entry of plan.resources) {
    if (nodes.has(entry.key))
      throw new UsageError('ENGINE_DUPLICATE_KEY', `the plan holds two entries with key ${entry.key}`);
    nodes.set(entry.key, { key: entry.key, kind: entry.kind, entry, deps: refKeys(entry), dependents: [] });
  }
  // Implicit edges (order only, no reference), as each kind's descriptor declares them (`extraDeps`).
  for (const node of nodes.values()) {
    for (const dep of descriptorOf(node.kind).extraDeps?.(node.entry, plan.resources) ?? [])
      if (!node.deps.includes(dep)) node.deps.push(dep);
  }
  for (const node of nodes.values()) {
    for (const dep of node.deps) {
      const target = nodes.get(dep);
      if (!target) throw new UsageError('ENGINE_REF_MISSING', `${node.key} refers to ${dep}, which is not in the plan`);
      target.dependents.push(node.key);
    }
  }
  // Kahn's algorithm over plan order, so the order is deterministic.
  const remaining = new Map<string, number>();
  for (const node of nodes.values()) remaining.set(node.key, node.deps.length);
  const order: string[] = [];
  let ready = [...nodes.keys()].filter((k) => remaining.get(k) === 0);
  while (ready.length > 0) {
    const next: string[] = [];
    for (const key of ready) {
      order.push(key);
      for (const dependent of nodes.get(key)!.dependents) {
        const left = remaining.get(dependent)! - 1;
        remaining.set(dependent, left);
        if (left === 0) next.push(dependent);
      }
    }
    ready = next;
  }
  if (order.length !== nodes.size) {
    const stuck = [...nodes.keys()].filter((k) => remaining.get(k)! > 0);
    const cycle = findCycle(nodes, stuck) ?? stuck;
    throw new UsageError('ENGINE_CYCLE', `the plan's references form a cycle: ${cycle.join(' -> ')}`, {
      hint: 'validate the plan with bascule validate',
    });
  }
  const rank = new Map(order.map((key, i) => [key, i]));
  return { nodes, order, rank };
}

/** The longest chain of dependencies (in nodes), weighted by `cost(key)`: the critical path of a walk. */
export function criticalPath(graph: Graph, cost: (key: string) => number = () => 1): number {
  const longest = new Map<string, number>();
  let best = 0;
  for (const key of graph.order) {
    const node = graph.nodes.get(key)!;
    const before = node.deps.reduce((m, d) => Math.max(m, longest.get(d) ?? 0), 0);
    const total = before + cost(key);
    longest.set(key, total);
    best = Math.max(best, total);
  }
  return best;
}

/**
 * Adds an ordering edge `from` -> `to` (`to` waits for `from`) when `from` comes first in the graph's order, so the
 * order stays valid and no cycle can appear; otherwise nothing. Returns whether the edge was added.
 */
export function addOrderEdge(graph: Graph, from: string, to: string): boolean {
  const a = graph.order.indexOf(from);
  const b = graph.order.indexOf(to);
  const target = graph.nodes.get(to);
  if (a < 0 || b < 0 || a >= b || !target || target.deps.includes(from)) return false;
  target.deps.push(from);
  graph.nodes.get(from)!.dependents.push(to);
  return true;
}
