/**
 * Compares a target object with a plan entry. The target object goes through the SAME reader `toEntry` that export
 * uses, so export and compare cannot disagree; then spec fields the plan sets are compared (lossy and sensitive
 * fields excepted: they cannot be read back or kept), and refs are compared as target IDs.
 */
import type { DraftEntry, KindReader, ReadContext } from '../kinds/kind.js';
import { MARKER_PROPERTY, userTags, withoutMarker } from '../kinds/markers.js';
import { descriptorOf } from '../kinds/registry.js';
import type { RefDecl } from '../plan/kinds.js';
import type { PlanResource } from '../plan/types.js';
import type { FieldChange } from './actions.js';

/** Values that mean "nothing": undefined, null, '', [] and {} compare equal. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = canonical(item);
    }
    return out;
  }
  return value;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Fields never compared: lossy (descriptor or entry), sensitive ones, and those the descriptor says are not state. */
export function uncomparedFields(entry: PlanResource): Set<string> {
  const descriptor = descriptorOf(entry.kind);
  return new Set([
    ...descriptor.lossy,
    ...(entry.lossy ?? []),
    ...descriptor.sensitive,
    ...(entry.sensitive ?? []),
    ...(descriptor.notState ?? []),
  ]);
}

/**
 * The reader's view of a target object, or (when no reader is registered for the kind) a plain copy of the wire
 * fields named like the spec's, without Bascule's markers, and no refs.
 */
export function targetView(
  wire: unknown,
  reader: KindReader | undefined,
  ctx: ReadContext,
  entry: PlanResource,
): { spec: Record<string, unknown>; refs?: DraftEntry['refs'] } {
  if (reader) {
    const draft = reader.toEntry(wire, ctx);
    return { spec: draft.spec, refs: draft.refs };
  }
  const source = wire as Record<string, unknown>;
  const spec: Record<string, unknown> = {};
  for (const field of Object.keys(entry.spec)) {
    let value = source[field];
    if (field === 'tags' && Array.isArray(value)) value = userTags(value as string[]).sort();
    if ((field === 'metadata' || field === 'properties') && value && typeof value === 'object')
      value = withoutMarker(value as Record<string, unknown>);
    spec[field] = value;
  }
  delete spec[MARKER_PROPERTY];
  return { spec };
}

function sortedIfUnordered(value: unknown, decl: RefDecl | undefined): unknown {
  if (Array.isArray(value) && decl?.list && !decl.ordered) return [...(value as string[])].sort();
  return value;
}

/** The differences between a plan entry (with refs resolved to target IDs) and a target object. */
export function diffEntry(
  entry: PlanResource,
  resolvedRefs: Readonly<Record<string, string | string[]>>,
  view: { spec: Record<string, unknown>; refs?: DraftEntry['refs'] },
  kind: { readonly updatable?: readonly string[] },
): FieldChange[] {
  const skip = uncomparedFields(entry);
  const changes: FieldChange[] = [];
  const spec = entry.spec as unknown as Record<string, unknown>;
  for (const field of Object.keys(spec)) {
    if (skip.has(field)) continue;
    let wanted = spec[field];
    let actual = view.spec[field];
    if (field === 'tags') {
      wanted = Array.isArray(wanted) ? [...(wanted as string[])].sort() : wanted;
      actual = Array.isArray(actual) ? userTags(actual as string[]).sort() : actual;
    }
    if (!sameValue(wanted, actual))
      changes.push({ field, from: actual, to: wanted, updatable: kind.updatable?.includes(field) ?? false });
  }
  if (view.refs) {
    const decls = descriptorOf(entry.kind).refs;
    for (const [name, ids] of Object.entries(resolvedRefs)) {
      const actual = view.refs[name];
      const decl = decls[name];
      const a = sortedIfUnordered(actual, decl);
      const b = sortedIfUnordered(ids, decl);
      if (!sameValue(b, a))
        changes.push({
          field: `refs.${name}`,
          from: actual,
          to: ids,
          updatable: kind.updatable?.includes(`refs.${name}`) ?? false,
        });
    }
  }
  return changes;
}
