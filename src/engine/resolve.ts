/**
 * Resolution of references against the live target. Refs to plan entries become the target IDs those entries got
 * (or "known after apply" in a dry run); external entries are matched on the target by their kind's descriptor
 * (`findExternal`: by name, by shape, by checksum, as the mapping's resolution says).
 */
import { descriptorOf } from '../kinds/registry.js';
import type { ExternalMatch, ExternalResolution, TargetCatalog } from '../kinds/external.js';
import type { PlanResource } from '../plan/types.js';

export {
  TargetCatalog,
  type ExternalMatch,
  type ExternalResolution,
  type Resolution,
  type ResolutionStrategy,
} from '../kinds/external.js';

/** Finds the target object an external entry (or an entry of a match-only kind) stands for. */
export async function resolveExternal(
  catalog: TargetCatalog,
  entry: PlanResource,
  resolution?: ExternalResolution,
): Promise<ExternalMatch> {
  const find = descriptorOf(entry.kind).findExternal;
  if (!find) return { blocked: `${entry.kind} entries cannot be external` };
  return find(catalog, entry, resolution);
}

/** A placeholder for the ID of an entry that a dry run would create. */
export function knownAfterApply(key: string): string {
  return `(known after apply: ${key})`;
}

export function isKnownAfterApply(id: string): boolean {
  return id.startsWith('(known after apply: ');
}

/** Replaces every plan key in `refs` by its target ID. Throws if one is unknown (a bug: deps run first). */
export function resolveRefs(entry: PlanResource, ids: ReadonlyMap<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(entry.refs ?? {})) {
    const one = (key: string) => {
      const id = ids.get(key);
      if (id === undefined) throw new Error(`${entry.key}: ${name} -> ${key} has no target id yet`);
      return id;
    };
    out[name] = Array.isArray(value) ? value.map(one) : one(value);
  }
  return out;
}
