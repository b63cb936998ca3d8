/** Canonical JSON: the byte-for-byte stable form in which plans are written, so unchanged exports are identical. */
import { KIND_ORDER, KIND_REFS, isPlanKind, type RefDecl } from './kinds.js';
import type { Plan, PlanResource } from './types.js';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * JSON with object keys sorted (by UTF-16 code units), two-space indentation and a final newline. Arrays keep their
 * order; `undefined` properties are dropped as JSON.stringify does.
 */
export function stringifyCanonical(value: unknown): string {
  const text = JSON.stringify(value, sortKeys, 2);
  return `${text}\n`;
}

/**
 * The replacer of stringifyCanonical: an object whose keys are not in order is copied with its keys in order. A plain
 * object already in order is kept as it is (JSON.stringify writes its keys in the same order), and the copy assigns
 * its properties rather than defining each one (about 3 times faster on a 10k-resource plan); only a key named
 * `__proto__` is defined, so that it stays a property and does not set the copy's prototype.
 */
function sortKeys(_key: string, item: unknown): unknown {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
  const keys = Object.keys(item);
  const proto: unknown = Object.getPrototypeOf(item);
  if (proto === Object.prototype || proto === null) {
    let ordered = true;
    for (let i = 1; i < keys.length && ordered; i += 1) ordered = keys[i - 1]! < keys[i]!;
    if (ordered) return item;
  }
  keys.sort(compare);
  const sorted: Record<string, unknown> = {};
  for (const key of keys) {
    const field = (item as Record<string, unknown>)[key];
    if (key === '__proto__') {
      Object.defineProperty(sorted, key, { value: field, enumerable: true, writable: true, configurable: true });
    } else sorted[key] = field;
  }
  return sorted;
}

/** Sorts unordered reference lists (per KIND_REFS) so their order carries no meaning in the file. */
function canonicalRefs(resource: PlanResource): PlanResource {
  if (resource.refs === undefined || !isPlanKind(resource.kind)) return resource;
  const decls = KIND_REFS[resource.kind] as Record<string, RefDecl>;
  const refs: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(resource.refs)) {
    refs[name] = Array.isArray(value) && decls[name]?.ordered === false ? [...value].sort(compare) : value;
  }
  return { ...resource, refs };
}

/** A copy of the plan in canonical order: resources by kind order then key, unordered reference lists sorted. */
export function canonicalizePlan(plan: Plan): Plan {
  const resources = plan.resources.map(canonicalRefs);
  resources.sort((a, b) => (KIND_ORDER[a.kind] ?? 0) - (KIND_ORDER[b.kind] ?? 0) || compare(a.key, b.key));
  return { ...plan, resources };
}

/** The text of a plan file: canonical order and canonical JSON. */
export function serializePlan(plan: Plan): string {
  return stringifyCanonical(canonicalizePlan(plan));
}
