/**
 * The audit use case over two plans: the reference side (a source export or a plan) is rewritten by the mapping
 * (names, zones, externals), externals the mapping resolves by shape or checksum are given the target's name,
 * and compareSides matches (journal, marker, name, attributes) and classifies. Pure: the CLI does the exports.
 */
import { journalState, type JournalRecord } from '../engine/journal.js';
import { markerFor } from '../kinds/markers.js';
import { descriptorOf } from '../kinds/registry.js';
import { DEFAULT_AZ_KINDS, smallestFit, type Mapping, type Resolution } from '../mapping/index.js';
import type { PlanKind } from '../plan/kinds.js';
import type { Plan, PlanResource } from '../plan/types.js';
import { applyMappingByRegion } from '../mapping/regions.js';
import { compareSides } from './compare.js';
import type { AuditReport } from './report.js';

export interface AuditOptions {
  /** Applied to the reference side first: a mapped flavor, name or zone is no difference. */
  mapping?: Mapping;
  /** Plan key -> target ID (from a journal): exact matching. */
  journal?: ReadonlyMap<string, string>;
  /**
   * Plan key -> the availability zone the apply asked for (from the journal; null: none, the target chose). Wins over
   * the zone the mapping gives the reference: a spread rule deals servers by their order in the plan, so a reference
   * that differs from the applied plan (a server added since, a selection) would be placed differently.
   */
  zones?: ReadonlyMap<string, string | null>;
  /** The project the target's markers derive from (the journal's source_project); default the reference's project ID. */
  sourceProject?: string;
  /** Kinds left out on both sides (kinds the mapping excludes are added). */
  ignoreKinds?: readonly PlanKind[];
  /**
   * Only these kinds are reported (`--kinds`, `--exclude-kinds`); the others are still matched, so that references
   * into them (a member's port, a load balancer's subnet) compare as the target objects they were matched to.
   */
  reportKinds?: { only?: readonly PlanKind[]; exclude?: readonly PlanKind[] };
  source?: AuditReport['source'];
  target?: AuditReport['target'];
  now?: Date;
}

/** What a journal says about the target: plan key -> target ID of every object created or updated, and the marker's project. */
export interface JournalFacts {
  ids: Map<string, string>;
  /** Plan key -> the zone the create asked for (null: none), for every created entry that has a zone field. */
  zones: Map<string, string | null>;
  sourceProject?: string;
}

export function journalFacts(records: readonly JournalRecord[]): JournalFacts {
  const state = journalState(records);
  const ids = new Map<string, string>();
  for (const object of state.updated.values()) ids.set(object.key, object.id);
  const zones = new Map<string, string | null>();
  for (const object of state.created.values()) {
    if (object.id === undefined) continue;
    ids.set(object.key, object.id);
    const spec = object.entry?.spec as { availability_zone?: unknown } | undefined;
    if (spec === undefined || !(DEFAULT_AZ_KINDS as readonly string[]).includes(object.kind)) continue;
    zones.set(object.key, typeof spec.availability_zone === 'string' ? spec.availability_zone : null);
  }
  const first = state.runs[0];
  return first ? { ids, zones, sourceProject: first.source_project } : { ids, zones };
}

interface FlavorShape {
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
}

function flavorShape(entry: PlanResource): FlavorShape | undefined {
  const s = entry.spec as { name?: unknown; vcpus?: unknown; ram?: unknown; disk?: unknown };
  if (typeof s.name !== 'string' || typeof s.vcpus !== 'number' || typeof s.ram !== 'number') return undefined;
  return { name: s.name, vcpus: s.vcpus, ram: s.ram, disk: typeof s.disk === 'number' ? s.disk : 0 };
}

/**
 * Gives every reference external the name of the target external the engine would have chosen: by shape (the
 * smallest target flavor that fits, within the rule's name filter) or by checksum (the target image with the same
 * content). Name and unchanged strategies already carry the target name.
 */
export function resolveExternalNames(
  reference: Plan,
  resolution: Readonly<Record<string, Resolution>>,
  target: Plan,
): Plan {
  // The target's entries of the external's own kind are where the engine would have looked.
  const ofKind = new Map<PlanKind, PlanResource[]>();
  for (const r of target.resources) ofKind.set(r.kind, [...(ofKind.get(r.kind) ?? []), r]);
  const resources = reference.resources.map((entry) => {
    const how = resolution[entry.key];
    if (!entry.external || !how) return entry;
    let name: string | undefined;
    const candidates = ofKind.get(entry.kind) ?? [];
    if (how.strategy === 'shape' && how.shape) {
      const shapes = candidates
        .filter((r) => r.external)
        .map(flavorShape)
        .filter((f): f is FlavorShape => f !== undefined);
      name = smallestFit(how.shape, shapes, how.within)?.name;
    } else if (how.strategy === 'checksum' && how.checksum) {
      const want = how.checksum;
      const found = candidates.find((t) => {
        const s = t.spec as { checksum?: unknown; os_hash_value?: unknown };
        return (
          (want.os_hash_value !== undefined && s.os_hash_value === want.os_hash_value) ||
          (want.md5 !== undefined && s.checksum === want.md5)
        );
      });
      name = (found?.spec as { name?: string } | undefined)?.name;
    }
    if (name === undefined) return entry;
    return { ...entry, spec: { ...(entry.spec as object), name } } as PlanResource;
  });
  return { ...reference, resources };
}

/**
 * The reference with the addresses its entries point at rewritten as the apply wrote them (a DNS record at a
 * migrated floating IP: src/engine/addresses.ts): each referenced entry whose kind gives an address pairs its
 * address in the reference with the address of the target object the journal names, as the target's export reads
 * it. Without a journal (or for an entry it does not name) the reference keeps the source address, and the record
 * shows as changed.
 */
export function rewriteReference(reference: Plan, target: Plan, journal: ReadonlyMap<string, string>): Plan {
  const byKey = new Map(reference.resources.map((r) => [r.key, r]));
  const bySource = new Map(target.resources.map((r) => [`${r.kind}/${r.source?.id ?? ''}`, r]));
  const resources = reference.resources.map((entry) => {
    const descriptor = descriptorOf(entry.kind);
    if (!descriptor.rewriteAddresses) return entry;
    const pairs = new Map<string, string>();
    for (const [name, decl] of Object.entries(descriptor.refs)) {
      const address = descriptorOf(decl.kind).address;
      const value = entry.refs?.[name];
      if (!address || value === undefined) continue;
      for (const key of Array.isArray(value) ? value : [value]) {
        const provider = byKey.get(key);
        const id = journal.get(key);
        const onTarget = id === undefined ? undefined : bySource.get(`${decl.kind}/${id}`);
        const from = provider ? address(provider.spec as unknown as Record<string, unknown>) : undefined;
        const to = onTarget ? address(onTarget.spec as unknown as Record<string, unknown>) : undefined;
        if (from !== undefined && to !== undefined) pairs.set(from, to);
      }
    }
    return pairs.size === 0 ? entry : descriptor.rewriteAddresses(entry, pairs).entry;
  });
  return { ...reference, resources };
}

/** Audits a reference plan against an export of the target. */
export function auditPlans(reference: Plan, target: Plan, options: AuditOptions = {}): AuditReport {
  const ignore = new Set<PlanKind>(options.ignoreKinds ?? []);
  let side = reference;
  const expected = new Map<string, Map<string, string>>();
  if (options.mapping) {
    const mapped = applyMappingByRegion(reference, options.mapping);
    side = resolveExternalNames(mapped.plan, mapped.resolution, target);
    for (const kind of options.mapping.exclude?.kinds ?? []) ignore.add(kind);
    // A zone the mapping drops (to: null) is the target's choice: whatever it chose is expected.
    for (const note of mapped.notes) {
      if (note.to !== null) continue;
      const fields = expected.get(note.key) ?? new Map<string, string>();
      fields.set(`spec.${note.field}`, `the mapping drops it (rule ${note.rule}): the target chose`);
      expected.set(note.key, fields);
    }
  }
  // The zone the apply asked for (its journal) wins over the one the mapping gives the reference now.
  if (options.zones !== undefined && options.zones.size > 0) {
    const zones = options.zones;
    side = {
      ...side,
      resources: side.resources.map((entry) => {
        if (!zones.has(entry.key)) return entry;
        const zone = zones.get(entry.key)!;
        const spec = { ...(entry.spec as unknown as Record<string, unknown>) };
        const fields = expected.get(entry.key) ?? new Map<string, string>();
        if (zone === null) {
          delete spec.availability_zone;
          fields.set('spec.availability_zone', 'the apply asked for no zone (its journal): the target chose');
        } else {
          spec.availability_zone = zone;
          fields.delete('spec.availability_zone');
        }
        if (fields.size > 0) expected.set(entry.key, fields);
        else expected.delete(entry.key);
        return { ...entry, spec } as unknown as PlanResource;
      }),
    };
  }
  // Addresses the apply rewrote (DNS records at migrated floating IPs) compare against the target's address.
  if (options.journal !== undefined) side = rewriteReference(side, target, options.journal);
  const sourceProject = options.sourceProject ?? reference.provenance.project.id;
  return compareSides(side, target, {
    ...(options.journal ? { journal: options.journal } : {}),
    markerOf: (key) => markerFor(sourceProject, key),
    ignoreKinds: [...ignore],
    ...(options.reportKinds ? { reportKinds: options.reportKinds } : {}),
    expected,
    ...(options.source ? { source: options.source } : {}),
    ...(options.target ? { target: options.target } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
