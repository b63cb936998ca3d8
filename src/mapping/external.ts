/**
 * How a mapping resolves external entries (what the engine looks for on the target), and the pieces the kinds' own
 * mapping rules share: flavor fit, rule matching. Each external kind's descriptor (`mapExternal`, in its folder
 * src/kinds/<kind>/mapping.ts) reads its section of the mapping through an ExternalMappingContext. Pure: no cloud.
 */
import type { PlanKind } from '../plan/kinds.js';
import type { FlavorSpec, ImageSpec, Issue } from '../plan/types.js';
import { regex } from './match.js';
import type { FlavorMatch, ImageMatch, Mapping } from './types.js';

/** The smallest description of a flavor that smallestFit needs. */
export interface FlavorLike {
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  /** Ephemeral disk in GiB (Nova's `OS-FLV-EXT-DATA:ephemeral`); absent means 0. */
  ephemeral?: number;
  /** Swap in MiB (Nova gives "" for none); absent means 0. */
  swap?: number;
  id?: string;
}

/** What a server needs of a flavor. Ephemeral and swap are given only when the source flavor has them. */
export interface Shape {
  vcpus: number;
  ram: number;
  disk: number;
  ephemeral?: number;
  swap?: number;
}

export type ResolutionStrategy = 'name' | 'shape' | 'checksum' | 'unchanged';

/** How the engine finds an external entry on the target. */
export interface Resolution {
  kind: PlanKind;
  /**
   * name: the target resource named `name`; shape: smallestFit(shape, target flavors filtered by `within`);
   * checksum: the target image with the given checksum; unchanged: no rule matched, look for `name` as exported.
   */
  strategy: ResolutionStrategy;
  /** JSON pointer of the mapping rule that decided it (absent for unchanged). */
  rule?: string;
  /** The name to look for (name, unchanged); for checksum and shape, the source name (for messages). */
  name: string;
  /** Flavors: the source flavor's shape when the plan knows it (input of smallestFit, and a check on name rules). */
  shape?: Shape;
  /** Shape: only target flavors whose name matches this regular expression are candidates. */
  within?: string;
  /** Checksum: the content to match; os_hash_value when both clouds have it, else md5 (Glance `checksum`). */
  checksum?: { md5?: string; os_hash_algo?: string; os_hash_value?: string };
}

/** One change the mapping made to a spec. */
export interface MappingNote {
  key: string;
  /** The spec field changed (`name`, `availability_zone`, `availability_zone_hints`, `checksum`, `provider`...). */
  field: string;
  from: unknown;
  to: unknown;
  /** JSON pointer of the rule in the mapping. */
  rule: string;
}

/** Smallest first: RAM, then vCPUs, then disk, then name, then id (code-point order): deterministic on ties. */
export function compareFlavors(a: FlavorLike, b: FlavorLike): number {
  const text = (x: string | undefined, y: string | undefined) =>
    (x ?? '') < (y ?? '') ? -1 : (x ?? '') > (y ?? '') ? 1 : 0;
  return (
    a.ram - b.ram ||
    a.vcpus - b.vcpus ||
    a.disk - b.disk ||
    (a.ephemeral ?? 0) - (b.ephemeral ?? 0) ||
    (a.swap ?? 0) - (b.swap ?? 0) ||
    text(a.name, b.name) ||
    text(a.id, b.id)
  );
}

/**
 * The smallest candidate with at least the wanted vCPUs, RAM and disk, and the wanted ephemeral disk and swap when
 * given (see compareFlavors for the order and the tie-breaks), or undefined when none fits. With `within`, only
 * candidates whose name matches that regular expression count. Pass disk 0 for a server that boots from a volume (its
 * flavor disk is not used). Leave disabled flavors out of `candidates`.
 */
export function smallestFit<F extends FlavorLike>(
  wanted: Shape,
  candidates: readonly F[],
  within?: string,
): F | undefined {
  const filter = within === undefined ? undefined : regex(within);
  let best: F | undefined;
  for (const candidate of candidates) {
    if (candidate.vcpus < wanted.vcpus || candidate.ram < wanted.ram || candidate.disk < wanted.disk) continue;
    if ((candidate.ephemeral ?? 0) < (wanted.ephemeral ?? 0) || (candidate.swap ?? 0) < (wanted.swap ?? 0)) continue;
    if (filter !== undefined && !filter.test(candidate.name)) continue;
    if (best === undefined || compareFlavors(candidate, best) < 0) best = candidate;
  }
  return best;
}

/** What a kind's `mapSpec` works with: the mapping, its region scope, and where notes go. */
export interface SpecMappingContext {
  readonly mapping: Mapping;
  /** Whether a rule applies to the plan's source region. */
  inScope(rule: { region?: string }): boolean;
  note(note: MappingNote): void;
}

/** What a kind's `mapExternal` works with: the mapping, its region scope, and where notes and issues go. */
export interface ExternalMappingContext {
  readonly mapping: Mapping;
  /** Whether a rule applies to the plan's source region. */
  inScope(rule: { region?: string }): boolean;
  note(note: MappingNote): void;
  issue(issue: Issue): void;
  /** The resolution when no rule matches: look for the entry's name as exported. */
  unchanged(extra?: Partial<Resolution>): Resolution;
}

export function matchesFlavor(from: FlavorMatch, spec: FlavorSpec): boolean {
  if (from.any === true) return true;
  if (from.name !== undefined && spec.name !== from.name) return false;
  if (from.name_regex !== undefined && !regex(from.name_regex).test(spec.name)) return false;
  for (const field of ['vcpus', 'ram', 'disk'] as const) {
    if (from[field] !== undefined && spec[field] !== from[field]) return false;
  }
  for (const [name, value] of Object.entries(from.extra_specs ?? {})) {
    if (spec.extra_specs?.[name] !== value) return false;
  }
  return true;
}

/**
 * Extra specs that change what a flavor gives a server (dedicated CPUs, huge pages, NUMA, PCI devices, placement
 * resources and traits, host aggregates). Smallest-fit compares only vCPUs, RAM and disk, so it warns about these.
 */
const SIGNIFICANT_EXTRA_SPEC =
  /^(hw:cpu_policy|hw:cpu_thread_policy|hw:mem_page_size|hw:numa_nodes|hw:cpu_realtime|pci_passthrough:|resources:|trait:|aggregate_instance_extra_specs:|quota:)/;

export function significantExtraSpecs(spec: FlavorSpec): string[] {
  return Object.entries(spec.extra_specs ?? {})
    .filter(([name, value]) => SIGNIFICANT_EXTRA_SPEC.test(name) && !(name === 'hw:cpu_policy' && value === 'shared'))
    .map(([name, value]) => `${name}=${value}`);
}

function sameHex(a: string | null | undefined, b: string | undefined): boolean {
  return typeof a === 'string' && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export function matchesImage(from: ImageMatch, spec: ImageSpec): boolean {
  if (from.any === true) return true;
  if (from.name !== undefined && spec.name !== from.name) return false;
  if (from.name_regex !== undefined && !regex(from.name_regex).test(spec.name)) return false;
  if (from.checksum !== undefined && !sameHex(spec.checksum, from.checksum)) return false;
  if (from.os_hash_value !== undefined && !sameHex(spec.os_hash_value, from.os_hash_value)) return false;
  return true;
}

export function shapeOf(spec: FlavorSpec): Shape | undefined {
  if (spec.vcpus === undefined || spec.ram === undefined || spec.disk === undefined) return undefined;
  const shape: Shape = { vcpus: spec.vcpus, ram: spec.ram, disk: spec.disk };
  if (spec.ephemeral !== undefined && spec.ephemeral > 0) shape.ephemeral = spec.ephemeral;
  if (spec.swap !== undefined && spec.swap > 0) shape.swap = spec.swap;
  return shape;
}
