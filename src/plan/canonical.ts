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
  const text = JSON.stringify(
    value,
    function sortKeys(this: unknown, _key: string, item: unknown): unknown {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(item).sort(compare)) {
        Object.defineProperty(sorted, key, {
          value: (item as Record<string, unknown>)[key],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return sorted;
    },
    2,
  );
  return `${text}\n`;
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
