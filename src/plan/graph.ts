/** The reference graph of a plan: what each entry depends on, and a deterministic dependency order. */
import { KIND_ORDER } from './kinds.js';
import type { Plan, PlanResource } from './types.js';

/** Every key an entry refers to, in the order of its refs (duplicates removed). */
export function referencedKeys(resource: PlanResource): string[] {
  const keys = new Set<string>();
  for (const value of Object.values(resource.refs ?? {})) {
    for (const key of Array.isArray(value) ? value : [value]) keys.add(key);
  }
  return [...keys];
}

/** Entries by key (the first one wins on a duplicate, which validation refuses anyway). */
export function indexPlan(plan: Plan): Map<string, PlanResource> {
  const index = new Map<string, PlanResource>();
  for (const resource of plan.resources) if (!index.has(resource.key)) index.set(resource.key, resource);
  return index;
}

/** The entries that refer to each key (reverse edges), e.g. for rollback or "what breaks if this fails". */
export function dependents(plan: Plan): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const resource of plan.resources) {
    for (const key of referencedKeys(resource)) {
      const list = out.get(key) ?? [];
      list.push(resource.key);
      out.set(key, list);
    }
  }
  return out;
}

function rank(a: PlanResource, b: PlanResource): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * The entries in an order where each comes after everything it refers to; among the entries that are ready at the
 * same time, by kind order then key, so the order is deterministic. Reverse it to delete. References to keys not in
 * the plan are ignored. Throws when the graph has a cycle (validation reports cycles as REF_CYCLE first).
 */
export function dependencyOrder(plan: Plan): PlanResource[] {
  const index = indexPlan(plan);
  const waiting = new Map<string, number>();
  const reverse = dependents(plan);
  for (const resource of index.values()) {
    waiting.set(
      resource.key,
      referencedKeys(resource).filter((k) => index.has(k) && k !== resource.key).length +
        (referencedKeys(resource).includes(resource.key) ? 1 : 0),
    );
  }
  // A binary heap keyed by rank keeps this O(n log n) for 100,000 entries.
  const heap: PlanResource[] = [];
  const push = (item: PlanResource): void => {
    heap.push(item);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (rank(heap[i]!, heap[parent]!) >= 0) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const pop = (): PlanResource => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && rank(heap[l]!, heap[m]!) < 0) m = l;
        if (r < heap.length && rank(heap[r]!, heap[m]!) < 0) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  for (const resource of index.values()) if (waiting.get(resource.key) === 0) push(resource);
  const order: PlanResource[] = [];
  while (heap.length > 0) {
    const next = pop();
    order.push(next);
    for (const key of new Set(reverse.get(next.key) ?? [])) {
      if (key === next.key) continue;
      const left = waiting.get(key)! - 1;
      waiting.set(key, left);
      if (left === 0) push(index.get(key)!);
    }
  }
  if (order.length !== index.size) {
    const stuck = [...index.keys()].filter((k) => waiting.get(k)! > 0).slice(0, 5);
    throw new Error(`the plan's references form a cycle (involving ${stuck.join(', ')})`);
  }
  return order;
}

/** The spec name of an entry, for kinds that have one (security group rules, floating IPs and quotas have none). */
export function nameOf(resource: PlanResource): string | undefined {
  const name = (resource.spec as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}
