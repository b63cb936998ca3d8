/**
 * The decision for one entry, shared by the dry run and the apply (one code path, as Terraform's plan/apply):
 * resolve refs, find candidates on the target, compare, and give one action.
 */
import type { KindWriter, ResolvedEntry, WriteContext } from '../kinds/kind.js';
import { markerFor } from '../kinds/markers.js';
import { descriptorOf } from '../kinds/registry.js';
import type { Plan, PlanResource } from '../plan/types.js';
import { ACTION, type PlannedAction } from './actions.js';
import { capabilitiesOf, unsupportedFields } from './capabilities.js';
import { diffEntry, targetView } from './compare.js';
import { readContextFor, type EngineDeps } from './context.js';
import { isKnownAfterApply, resolveExternal, type TargetCatalog } from './resolve.js';

export interface Decision {
  action: PlannedAction;
  /** The one matching target object (update, no-op, adoption). */
  wire?: unknown;
  resolved?: ResolvedEntry;
  writer?: KindWriter;
}

/** Fields of the entry that a create cannot keep: the entry's own list and the schema's lossy fields it sets. */
export function lossyOnCreate(entry: PlanResource): string[] {
  const spec = entry.spec as unknown as Record<string, unknown>;
  const fields = new Set(entry.lossy ?? []);
  for (const field of descriptorOf(entry.kind).lossy) {
    const value = spec[field];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) fields.add(field);
  }
  return [...fields].sort();
}

function base(entry: PlanResource): Pick<PlannedAction, 'key' | 'kind'> {
  return { key: entry.key, kind: entry.kind };
}

export function blocked(entry: PlanResource, reason: string, extra: Partial<PlannedAction> = {}): Decision {
  return { action: { ...base(entry), action: ACTION.BLOCKED, reason, ...extra } };
}

/**
 * Entries that share their kind and name with others (a project may have two networks named `twin`), by key: the
 * keys of their namesakes. A target object that carries a namesake's marker is that entry's, never this one's.
 */
export function namesakesOf(plan: Plan): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const entry of plan.resources) {
    const name = (entry.spec as { name?: unknown }).name;
    if (entry.external || typeof name !== 'string' || name === '') continue;
    const id = `${entry.kind}\u0000${name}`;
    const keys = byName.get(id);
    if (keys) keys.push(entry.key);
    else byName.set(id, [entry.key]);
  }
  const out = new Map<string, string[]>();
  for (const keys of byName.values())
    if (keys.length > 1)
      for (const key of keys)
        out.set(
          key,
          keys.filter((k) => k !== key),
        );
  return out;
}

/**
 * Decides what to do with one entry. `refs` are target IDs (placeholders for entries a dry run would create).
 * `namesakes`: keys of the plan's other entries of this kind with this name (see namesakesOf). `lookups`: the context
 * the writer's find reads through (default the target itself). Never mutates anything.
 */
export async function decide(
  deps: EngineDeps,
  catalog: TargetCatalog,
  entry: PlanResource,
  refs: Record<string, string | string[]>,
  sourceProject: string,
  namesakes: readonly string[] = [],
  lookups: WriteContext = deps.target,
): Promise<Decision> {
  const descriptor = descriptorOf(entry.kind);
  if (entry.external || descriptor.matchOnly) {
    const match = await resolveExternal(catalog, entry, deps.resolution?.[entry.key]);
    if ('id' in match)
      return { action: { ...base(entry), action: ACTION.NOOP, external: true, targetId: match.id, reason: match.how } };
    return blocked(entry, match.blocked, {
      external: true,
      ...(match.candidates ? { candidates: match.candidates } : {}),
    });
  }
  if (descriptor.unmanaged !== undefined) {
    return { action: { ...base(entry), action: ACTION.NOOP, reason: descriptor.unmanaged } };
  }
  const writer = deps.writerFor(entry.kind);
  if (!writer) return blocked(entry, `Bascule cannot write ${entry.kind} resources yet`);
  // Fields the target lacks (an older release): named in the dry run, left out by the apply, not compared.
  const unsupported = unsupportedFields(entry, await capabilitiesOf(deps.target).catch(() => undefined));
  // The writer gets the entry without them, so it does not send what the target would refuse.
  let written: PlanResource = entry;
  if (unsupported.length > 0) {
    const spec = { ...(entry.spec as unknown as Record<string, unknown>) };
    for (const u of unsupported) delete spec[u.field];
    written = { ...entry, spec } as PlanResource;
  }
  const resolved: ResolvedEntry = { entry: written, refs, marker: markerFor(sourceProject, entry.key) };
  const pending = Object.values(refs).some((v) =>
    Array.isArray(v) ? v.some(isKnownAfterApply) : isKnownAfterApply(v),
  );
  const lossy = [
    ...new Set([...lossyOnCreate(entry), ...(writer.lossy?.(resolved) ?? []), ...unsupported.map((u) => u.field)]),
  ].sort();
  const unsupportedWhy =
    unsupported.length > 0 ? { unsupported: Object.fromEntries(unsupported.map((u) => [u.field, u.why])) } : {};
  const createAction = (): Decision => {
    const why = writer.check?.(deps.target, resolved);
    if (why !== undefined) return blocked(entry, why);
    return {
      action:
        lossy.length > 0
          ? { ...base(entry), action: ACTION.LOSSY, lossy, ...unsupportedWhy }
          : { ...base(entry), action: ACTION.CREATE },
      resolved,
      writer,
    };
  };
  // Something this entry depends on does not exist yet, so neither can this entry...
  if (pending) {
    // ...except the children the target makes with a new parent (Neutron's egress rules in a new security group).
    const made = descriptor.madeWithParent?.(entry, refs, isKnownAfterApply);
    if (made !== undefined) return { action: { ...base(entry), action: ACTION.NOOP, reason: made } };
    return createAction();
  }
  // `lookups` may answer from one listing per collection (src/engine/lookups.ts); writes always go to deps.target.
  const found = await writer.find(lookups, resolved);
  // Found by name, but made by Bascule for a namesake (another entry with this name): not this entry's object.
  const theirs = namesakes.map((key) => markerFor(sourceProject, key));
  const candidates =
    theirs.length === 0 ? found : found.filter((wire) => !theirs.some((m) => writer.hasMarker(wire, m)));
  if (candidates.length === 0) return createAction();
  if (candidates.length > 1) {
    const ids = candidates.map((c) => writer.idOf(c));
    return {
      action: {
        ...base(entry),
        action: ACTION.CONFLICT,
        reason: `${candidates.length} target objects match`,
        candidates: ids,
      },
    };
  }
  const wire = candidates[0];
  const targetId = writer.idOf(wire);
  // Marker-less kinds cannot say who made them: `marked` stays unknown rather than false.
  const marked = descriptor.markerless ? undefined : writer.hasMarker(wire, resolved.marker);
  // Our own half-made object (marked, unfinished: an upload a kill cut short) is removed and made again.
  if (marked === true && writer.incomplete?.(wire)) {
    const again = createAction();
    if (again.action.action === ACTION.CREATE || again.action.action === ACTION.LOSSY)
      return {
        ...again,
        action: { ...again.action, targetId, reason: 'left unfinished by an interrupted run: removed and made again' },
      };
    return again;
  }
  const view = targetView(wire, deps.readerFor?.(entry.kind), readContextFor(deps.target), entry);
  const compared =
    unsupported.length > 0
      ? ({ ...entry, lossy: [...(entry.lossy ?? []), ...unsupported.map((u) => u.field)] } as PlanResource)
      : entry;
  const changes = diffEntry(compared, refs, view, descriptor);
  const flag = marked === undefined ? {} : { marked };
  if (changes.length === 0)
    return { action: { ...base(entry), action: ACTION.NOOP, targetId, ...flag }, wire, resolved, writer };
  const fixed = changes.filter((c) => !c.updatable || !writer.update);
  if (fixed.length > 0) {
    return {
      action: {
        ...base(entry),
        action: ACTION.CONFLICT,
        targetId,
        ...flag,
        changes,
        reason: `differs in ${fixed.map((c) => c.field).join(', ')}, which cannot be updated in place`,
      },
      wire,
      resolved,
      writer,
    };
  }
  return { action: { ...base(entry), action: ACTION.UPDATE, targetId, ...flag, changes }, wire, resolved, writer };
}
