/**
 * Applying a mapping to a plan, purely: which entries go (include/exclude, with what depends on them), new names,
 * availability zones, and for every external entry how the engine must find it on the target (its resolution).
 * Keys and refs never change: only specs are rewritten and whole entries dropped.
 */
import type { PlanKind } from '../plan/kinds.js';
import type { FlavorSpec, ImageSpec, Issue, Plan, PlanResource, RefValue } from '../plan/types.js';
import { globToRegex, pointer, regex } from './match.js';
import {
  AZ_KINDS,
  DEFAULT_AZ_KINDS,
  NAMED_KINDS,
  SERVER_KIND,
  type AzKind,
  type FlavorMatch,
  type ImageMatch,
  type Mapping,
  type NameRule,
  type Selector,
  type ServerMatch,
} from './types.js';

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
  /** The spec field changed (`name`, `availability_zone`, `availability_zone_hints`, `checksum`). */
  field: string;
  from: unknown;
  to: unknown;
  /** JSON pointer of the rule in the mapping. */
  rule: string;
}

/** An entry the mapping removed from the plan. */
export interface FilteredEntry {
  key: string;
  /** excluded: matched `exclude`; depends-on-excluded: refers (maybe transitively) to an excluded entry; not-included: outside `include`. */
  reason: 'excluded' | 'depends-on-excluded' | 'not-included';
  /** For excluded: the pointer of the selector that matched. */
  rule?: string;
  /** For depends-on-excluded: the entry it refers to that was removed. */
  via?: string;
}

/** An entry kept with `include` although no selector named it. */
export interface PulledInEntry {
  key: string;
  /** dependency: an included entry refers to it; companion: it belongs to included entries (rules of a group, the floating IP of a port, a router between included subnets). */
  reason: 'dependency' | 'companion';
  of: string;
}

export interface MappedPlan {
  /** A new plan: the kept entries, in their original order, with rewritten specs. */
  plan: Plan;
  /** For every external entry kept, and every flavor (always a reference): how to find it on the target. */
  resolution: Record<string, Resolution>;
  notes: MappingNote[];
  filtered: FilteredEntry[];
  pulledIn: PulledInEntry[];
  /** Problems found while applying (paths are JSON pointers into the mapping); errors mean the plan cannot be applied. */
  issues: Issue[];
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

function refKeys(value: RefValue | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function refsOf(resource: PlanResource): string[] {
  return Object.values((resource.refs ?? {}) as Record<string, RefValue>).flatMap(refKeys);
}

/** The pointer of the first selector entry of `selector` (at `base`) that matches the resource, if any. */
function selectorMatch(selector: Selector | undefined, base: string, resource: PlanResource): string | undefined {
  if (selector === undefined) return undefined;
  const kindIndex = selector.kinds?.indexOf(resource.kind) ?? -1;
  if (kindIndex >= 0) return pointer(base, 'kinds', kindIndex);
  const keyIndex = selector.keys?.findIndex((glob) => globToRegex(glob).test(resource.key)) ?? -1;
  return keyIndex >= 0 ? pointer(base, 'keys', keyIndex) : undefined;
}

/** The kinds kept with `include` when the entries they belong to are kept (see PulledInEntry). */
function companionOf(resource: PlanResource, kept: ReadonlySet<string>): string | undefined {
  const refs = (resource.refs ?? {}) as Record<string, RefValue>;
  const one = (name: string) => (typeof refs[name] === 'string' ? refs[name] : undefined);
  switch (resource.kind) {
    case 'security_group_rule': {
      const group = one('security_group');
      const remote = one('remote_group');
      return group !== undefined && kept.has(group) && (remote === undefined || kept.has(remote)) ? group : undefined;
    }
    case 'floating_ip': {
      const port = one('port');
      return port !== undefined && kept.has(port) ? port : undefined;
    }
    case 'volume_snapshot': {
      const volume = one('volume');
      return volume !== undefined && kept.has(volume) ? volume : undefined;
    }
    case 'router': {
      const inside = [...refKeys(refs.interfaces), ...refKeys(refs.interface_ports)];
      return inside.length > 0 && inside.every((key) => kept.has(key)) ? inside[0] : undefined;
    }
    default:
      return undefined;
  }
}

interface Selection {
  kept: Set<string>;
  filtered: FilteredEntry[];
  pulledIn: PulledInEntry[];
  issues: Issue[];
}

function select(plan: Plan, mapping: Mapping): Selection {
  const byKey = new Map(plan.resources.map((r) => [r.key, r]));
  const dependents = new Map<string, string[]>();
  for (const resource of plan.resources) {
    for (const target of refsOf(resource)) {
      const list = dependents.get(target) ?? [];
      list.push(resource.key);
      dependents.set(target, list);
    }
  }
  const filtered: FilteredEntry[] = [];
  const pulledIn: PulledInEntry[] = [];
  const issues: Issue[] = [];
  const removed = new Set<string>();
  const queue: string[] = [];
  for (const resource of plan.resources) {
    const rule = selectorMatch(mapping.exclude, 'exclude', resource);
    if (rule === undefined) continue;
    removed.add(resource.key);
    filtered.push({ key: resource.key, reason: 'excluded', rule });
    queue.push(resource.key);
  }
  while (queue.length > 0) {
    const key = queue.shift()!;
    for (const dependent of dependents.get(key) ?? []) {
      if (removed.has(dependent)) continue;
      removed.add(dependent);
      filtered.push({ key: dependent, reason: 'depends-on-excluded', via: key });
      queue.push(dependent);
    }
  }
  let kept: Set<string>;
  if (mapping.include === undefined) {
    kept = new Set(plan.resources.map((r) => r.key).filter((k) => !removed.has(k)));
  } else {
    kept = new Set();
    const addWithDependencies = (key: string) => {
      const stack = [key];
      while (stack.length > 0) {
        const current = stack.pop()!;
        for (const target of refsOf(byKey.get(current)!)) {
          if (kept.has(target) || !byKey.has(target)) continue;
          kept.add(target);
          pulledIn.push({ key: target, reason: 'dependency', of: current });
          stack.push(target);
        }
      }
    };
    for (const resource of plan.resources) {
      if (removed.has(resource.key) || selectorMatch(mapping.include, 'include', resource) === undefined) continue;
      kept.add(resource.key);
    }
    for (const key of [...kept]) addWithDependencies(key);
    for (let changed = true; changed;) {
      changed = false;
      for (const resource of plan.resources) {
        if (kept.has(resource.key) || removed.has(resource.key)) continue;
        const owner = companionOf(resource, kept);
        if (owner === undefined) continue;
        kept.add(resource.key);
        pulledIn.push({ key: resource.key, reason: 'companion', of: owner });
        addWithDependencies(resource.key);
        changed = true;
      }
    }
    for (const resource of plan.resources) {
      if (!kept.has(resource.key) && !removed.has(resource.key))
        filtered.push({ key: resource.key, reason: 'not-included' });
    }
  }
  for (const side of ['include', 'exclude'] as const) {
    mapping[side]?.keys?.forEach((glob, index) => {
      const re = globToRegex(glob);
      if (!plan.resources.some((r) => re.test(r.key))) {
        issues.push({
          severity: 'warning',
          path: pointer(side, 'keys', index),
          code: 'MAPPING_SELECTOR_UNUSED',
          message: `${JSON.stringify(glob)} matches no entry of the plan`,
          hint: 'check the spelling: keys are "<kind>:<name>" as in the plan',
        });
      }
    });
  }
  return { kept, filtered, pulledIn, issues };
}

function matchesFlavor(from: FlavorMatch, spec: FlavorSpec): boolean {
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

function significantExtraSpecs(spec: FlavorSpec): string[] {
  return Object.entries(spec.extra_specs ?? {})
    .filter(([name, value]) => SIGNIFICANT_EXTRA_SPEC.test(name) && !(name === 'hw:cpu_policy' && value === 'shared'))
    .map(([name, value]) => `${name}=${value}`);
}

function sameHex(a: string | null | undefined, b: string | undefined): boolean {
  return typeof a === 'string' && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

function matchesImage(from: ImageMatch, spec: ImageSpec): boolean {
  if (from.any === true) return true;
  if (from.name !== undefined && spec.name !== from.name) return false;
  if (from.name_regex !== undefined && !regex(from.name_regex).test(spec.name)) return false;
  if (from.checksum !== undefined && !sameHex(spec.checksum, from.checksum)) return false;
  if (from.os_hash_value !== undefined && !sameHex(spec.os_hash_value, from.os_hash_value)) return false;
  return true;
}

function shapeOf(spec: FlavorSpec): Shape | undefined {
  if (spec.vcpus === undefined || spec.ram === undefined || spec.disk === undefined) return undefined;
  const shape: Shape = { vcpus: spec.vcpus, ram: spec.ram, disk: spec.disk };
  if (spec.ephemeral !== undefined && spec.ephemeral > 0) shape.ephemeral = spec.ephemeral;
  if (spec.swap !== undefined && spec.swap > 0) shape.swap = spec.swap;
  return shape;
}

/** The result of one name rule on a name (unchanged when it does not apply). */
export function applyNameRule(rule: NameRule, name: string): string {
  if (rule.prefix !== undefined) return `${rule.prefix}${name}`;
  if (rule.suffix !== undefined) return `${name}${rule.suffix}`;
  if (rule.strip_prefix !== undefined)
    return name.startsWith(rule.strip_prefix) ? name.slice(rule.strip_prefix.length) : name;
  if (rule.strip_suffix !== undefined)
    return name.endsWith(rule.strip_suffix) && name.length > 0
      ? name.slice(0, name.length - rule.strip_suffix.length)
      : name;
  if (rule.regex !== undefined) return regex(rule.regex).replaceFirst(name, rule.replace ?? '');
  return name;
}

const MAX_NAME = 255;

/**
 * The name an entry of `kind` named `name` gets on the target through the mapping's name rules (what applyMapping
 * does to a non-external entry). Unnamed entries and the `default` security group keep their name. For the audit:
 * matching a source entry with a target resource by name.
 */
export function mapName(mapping: Mapping, kind: PlanKind, name: string): string {
  if (
    !(NAMED_KINDS as readonly string[]).includes(kind) ||
    name === '' ||
    (kind === 'security_group' && name === 'default')
  )
    return name;
  let current = name;
  for (const rule of mapping.names ?? []) {
    if (rule.kinds !== undefined && !(rule.kinds as readonly string[]).includes(kind)) continue;
    current = applyNameRule(rule, current);
  }
  return current;
}

/**
 * The zone a server or volume (or a network or router hint) in `zone` gets on the target, for a plan exported from
 * `region`: the first matching rule's `to` (null: no zone), or the zone unchanged when no rule matches.
 */
export function mapZone(mapping: Mapping, kind: AzKind, zone: string, region: string | null): string | null {
  const rule = (mapping.availability_zones ?? []).find(
    (r) =>
      r.from === zone &&
      (r.region === undefined || r.region === region) &&
      (r.kinds ?? DEFAULT_AZ_KINDS).includes(kind),
  );
  return rule === undefined ? zone : rule.to;
}

/**
 * Rewrites a plan for the target with a (valid) mapping. Pure: the input plan is not modified. See MappedPlan; the
 * engine must refuse to apply when `issues` holds an error.
 */
export function applyMapping(plan: Plan, mapping: Mapping): MappedPlan {
  const region = plan.provenance.region;
  const inScope = (rule: { region?: string }) => rule.region === undefined || rule.region === region;
  const selection = select(plan, mapping);
  const notes: MappingNote[] = [];
  const issues: Issue[] = [...selection.issues];
  if (mapping.regions !== undefined && !mapping.regions.some((r) => r.from === region)) {
    issues.push({
      severity: 'warning',
      path: '/regions',
      code: 'MAPPING_REGION_NOT_MAPPED',
      message: `the plan comes from ${region === null ? 'no region' : `region "${region}"`}, which "regions" does not list: rules scoped to a region do not apply to it`,
      hint: `add { from: ${region ?? '<region>'}, to: <target region> } to regions, or check that this mapping is meant for this plan`,
    });
  }
  const placements = placeServers(plan, selection.kept, mapping, inScope, issues);
  const resolution: Record<string, Resolution> = {};
  const named = new Set<string>(NAMED_KINDS);
  const azKinds = new Set<string>(AZ_KINDS);
  const resources: PlanResource[] = [];

  for (const original of plan.resources) {
    if (!selection.kept.has(original.key)) continue;
    const resource = structuredClone(original);
    const key = resource.key;
    // A flavor is always a reference, external or not: a project cannot create flavors.
    if (resource.external === true || resource.kind === 'flavor') {
      resolution[key] = resolveExternal(resource, mapping, inScope, notes, issues);
      resources.push(resource);
      continue;
    }
    // Names, in order, each rule on the result of the previous.
    const spec = resource.spec as unknown as Record<string, unknown>;
    const isDefaultGroup = resource.kind === 'security_group' && spec.name === 'default';
    if (named.has(resource.kind) && typeof spec.name === 'string' && spec.name !== '' && !isDefaultGroup) {
      (mapping.names ?? []).forEach((rule, index) => {
        if (rule.kinds !== undefined && !(rule.kinds as readonly string[]).includes(resource.kind)) return;
        const before = spec.name as string;
        const after = applyNameRule(rule, before);
        if (after === before) return;
        const at = pointer('names', index);
        spec.name = after;
        notes.push({ key, field: 'name', from: before, to: after, rule: at });
        if (after.trim() === '')
          issues.push({
            severity: 'error',
            path: at,
            code: 'MAPPING_NAME_EMPTY',
            message: `${key}: the rule turns "${before}" into an empty name`,
          });
        else if (after.length > MAX_NAME)
          issues.push({
            severity: 'error',
            path: at,
            code: 'MAPPING_NAME_TOO_LONG',
            message: `${key}: the rule makes a name of ${after.length} characters (at most ${MAX_NAME})`,
          });
      });
    }
    // Availability zones: a server_zones rule places a server; the availability_zones table renames the rest.
    const placement = placements.get(key);
    if (placement !== undefined) {
      const before = typeof spec.availability_zone === 'string' ? spec.availability_zone : null;
      if (placement.zone === null) delete spec.availability_zone;
      else spec.availability_zone = placement.zone;
      notes.push({ key, field: 'availability_zone', from: before, to: placement.zone, rule: placement.rule });
    } else if (azKinds.has(resource.kind)) mapZones(resource, spec, mapping, inScope, notes);
    resources.push(resource);
  }

  // Two entries of a kind that the names rules gave the same name (the target matches by name).
  const byName = new Map<string, string>();
  const originalName = new Map(plan.resources.map((r) => [r.key, (r.spec as { name?: unknown }).name]));
  for (const resource of resources) {
    const name = (resource.spec as { name?: unknown }).name;
    if (resource.external === true || typeof name !== 'string' || !named.has(resource.kind)) continue;
    const id = `${resource.kind}|${name}`;
    const other = byName.get(id);
    if (other !== undefined && originalName.get(other) !== originalName.get(resource.key)) {
      issues.push({
        severity: 'warning',
        path: '/names',
        code: 'MAPPING_NAME_COLLISION',
        message: `${other} and ${resource.key} are both named "${name}" after the name rules`,
        hint: 'the target matches resources by name: change the rules so names stay distinct',
      });
    } else byName.set(id, resource.key);
  }

  return {
    plan: { ...plan, resources },
    resolution,
    notes,
    filtered: selection.filtered,
    pulledIn: selection.pulledIn,
    issues,
  };
}

/** Whether a server matches a server_zones criterion; `byKey` finds the server group its refs name. */
function matchesServer(from: ServerMatch, server: PlanResource, byKey: ReadonlyMap<string, PlanResource>): boolean {
  const spec = server.spec as { name?: unknown; tags?: unknown };
  if (from.name_regex !== undefined) return typeof spec.name === 'string' && regex(from.name_regex).test(spec.name);
  if (from.tag !== undefined) return Array.isArray(spec.tags) && spec.tags.includes(from.tag);
  if (from.group !== undefined) {
    const key = (server.refs as { server_group?: unknown } | undefined)?.server_group;
    const group = typeof key === 'string' ? byKey.get(key) : undefined;
    return group !== undefined && (group.spec as { name?: unknown }).name === from.group;
  }
  return false;
}

/**
 * The zone of every kept server that a `server_zones` rule places (first matching rule wins), with the rule's
 * pointer. A spread rule deals its servers, sorted by plan key (code-point order), over its zones in turn, so the same
 * plan and mapping always give the same placement.
 */
export function placeServers(
  plan: Plan,
  kept: ReadonlySet<string>,
  mapping: Mapping,
  inScope: (rule: { region?: string }) => boolean,
  issues: Issue[],
): Map<string, { zone: string | null; rule: string }> {
  const placements = new Map<string, { zone: string | null; rule: string }>();
  const rules = mapping.server_zones ?? [];
  if (rules.length === 0) return placements;
  const byKey = new Map(plan.resources.map((r) => [r.key, r]));
  const members: string[][] = rules.map(() => []);
  for (const server of plan.resources) {
    if (server.kind !== SERVER_KIND || server.external === true || !kept.has(server.key)) continue;
    const index = rules.findIndex((rule) => inScope(rule) && matchesServer(rule.from, server, byKey));
    if (index >= 0) members[index]!.push(server.key);
  }
  rules.forEach((rule, index) => {
    const at = pointer('server_zones', index);
    const keys = members[index]!.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (keys.length === 0) {
      if (inScope(rule))
        issues.push({
          severity: 'warning',
          path: at,
          code: 'MAPPING_SERVER_ZONE_UNUSED',
          message: 'this rule places no server of the plan (none matches, or an earlier rule placed them)',
          hint: 'check the pattern, tag or server group name (the source names, before name rules)',
        });
      return;
    }
    keys.forEach((key, i) => {
      const zone = rule.spread === undefined ? (rule.zone ?? null) : rule.spread[i % rule.spread.length]!;
      placements.set(key, { zone, rule: at });
    });
  });
  return placements;
}

function mapZones(
  resource: PlanResource,
  spec: Record<string, unknown>,
  mapping: Mapping,
  inScope: (rule: { region?: string }) => boolean,
  notes: MappingNote[],
): void {
  const kind = resource.kind as AzKind;
  const rules = (mapping.availability_zones ?? []).map((rule, index) => ({
    rule,
    at: pointer('availability_zones', index),
  }));
  const find = (zone: string) =>
    rules.find(({ rule }) => rule.from === zone && inScope(rule) && (rule.kinds ?? DEFAULT_AZ_KINDS).includes(kind));
  if (kind === 'server' || kind === 'volume') {
    const zone = spec.availability_zone;
    if (typeof zone !== 'string') return;
    const hit = find(zone);
    if (hit === undefined) return;
    if (hit.rule.to === null) delete spec.availability_zone;
    else spec.availability_zone = hit.rule.to;
    notes.push({ key: resource.key, field: 'availability_zone', from: zone, to: hit.rule.to, rule: hit.at });
    return;
  }
  const hints = spec.availability_zone_hints;
  if (!Array.isArray(hints)) return;
  const next: string[] = [];
  for (const zone of hints as string[]) {
    const hit = find(zone);
    if (hit === undefined) {
      next.push(zone);
      continue;
    }
    if (hit.rule.to !== null && !next.includes(hit.rule.to)) next.push(hit.rule.to);
    notes.push({ key: resource.key, field: 'availability_zone_hints', from: zone, to: hit.rule.to, rule: hit.at });
  }
  spec.availability_zone_hints = next;
}

function resolveExternal(
  resource: PlanResource,
  mapping: Mapping,
  inScope: (rule: { region?: string }) => boolean,
  notes: MappingNote[],
  issues: Issue[],
): Resolution {
  const key = resource.key;
  const unchanged = (extra: Partial<Resolution> = {}): Resolution => ({
    kind: resource.kind,
    strategy: 'unchanged',
    name: (resource.spec as { name?: string }).name ?? '',
    ...extra,
  });
  switch (resource.kind) {
    case 'flavor': {
      const spec = resource.spec;
      const shape = shapeOf(spec);
      const index = (mapping.flavors ?? []).findIndex((rule) => inScope(rule) && matchesFlavor(rule.from, spec));
      if (index < 0) return unchanged(shape === undefined ? {} : { shape });
      const rule = mapping.flavors![index]!;
      const at = pointer('flavors', index);
      if (rule.to.name !== undefined) {
        resource.spec = { name: rule.to.name };
        notes.push({ key, field: 'name', from: spec.name, to: rule.to.name, rule: at });
        return {
          kind: 'flavor',
          strategy: 'name',
          rule: at,
          name: rule.to.name,
          ...(shape === undefined ? {} : { shape }),
        };
      }
      if (shape === undefined) {
        issues.push({
          severity: 'error',
          path: at,
          code: 'MAPPING_NO_SHAPE',
          message: `${key}: the plan does not give the vcpus, ram and disk of flavor "${spec.name}", so smallest-fit cannot choose`,
          hint: 'add a rule that maps this flavor by name',
        });
      }
      const significant = significantExtraSpecs(spec);
      if (significant.length > 0) {
        issues.push({
          severity: 'warning',
          path: at,
          code: 'MAPPING_EXTRA_SPECS_IGNORED',
          message: `${key}: smallest-fit compares vCPUs, RAM and disk only; flavor "${spec.name}" also has ${significant.join(', ')}, which the chosen flavor may not give`,
          hint: 'map this flavor by name (or by extra_specs) to a target flavor with the same properties, or narrow the candidates with within',
        });
      }
      return {
        kind: 'flavor',
        strategy: 'shape',
        rule: at,
        name: spec.name,
        ...(shape === undefined ? {} : { shape }),
        ...(rule.to.within === undefined ? {} : { within: rule.to.within.name_regex }),
      };
    }
    case 'image': {
      const spec = resource.spec;
      const index = (mapping.images ?? []).findIndex((rule) => inScope(rule) && matchesImage(rule.from, spec));
      if (index < 0) return unchanged();
      const rule = mapping.images![index]!;
      const at = pointer('images', index);
      if (rule.to.name !== undefined) {
        resource.spec = { name: rule.to.name };
        notes.push({ key, field: 'name', from: spec.name, to: rule.to.name, rule: at });
        return { kind: 'image', strategy: 'name', rule: at, name: rule.to.name };
      }
      if (rule.to.checksum !== undefined && rule.to.checksum !== 'same') {
        const md5 = rule.to.checksum.toLowerCase();
        resource.spec = { name: spec.name, checksum: md5 };
        notes.push({ key, field: 'checksum', from: spec.checksum ?? null, to: md5, rule: at });
        return { kind: 'image', strategy: 'checksum', rule: at, name: spec.name, checksum: { md5 } };
      }
      const checksum: NonNullable<Resolution['checksum']> = {};
      if (typeof spec.checksum === 'string') checksum.md5 = spec.checksum.toLowerCase();
      if (typeof spec.os_hash_value === 'string' && typeof spec.os_hash_algo === 'string') {
        checksum.os_hash_algo = spec.os_hash_algo;
        checksum.os_hash_value = spec.os_hash_value.toLowerCase();
      }
      if (checksum.md5 === undefined && checksum.os_hash_value === undefined) {
        issues.push({
          severity: 'error',
          path: at,
          code: 'MAPPING_NO_CHECKSUM',
          message: `${key}: the plan gives no checksum for image "${spec.name}", so "checksum: same" cannot find it`,
          hint: 'map this image by name',
        });
      }
      return { kind: 'image', strategy: 'checksum', rule: at, name: spec.name, checksum };
    }
    case 'network': {
      const spec = resource.spec;
      const index = (mapping.external_networks ?? []).findIndex((rule) => inScope(rule) && rule.from === spec.name);
      if (index < 0) return unchanged();
      const rule = mapping.external_networks![index]!;
      const at = pointer('external_networks', index);
      notes.push({ key, field: 'name', from: spec.name, to: rule.to, rule: at });
      spec.name = rule.to;
      return { kind: 'network', strategy: 'name', rule: at, name: rule.to };
    }
    case 'volume_type': {
      const spec = resource.spec;
      const index = (mapping.volume_types ?? []).findIndex((rule) => inScope(rule) && rule.from === spec.name);
      if (index < 0) return unchanged();
      const rule = mapping.volume_types![index]!;
      const at = pointer('volume_types', index);
      notes.push({ key, field: 'name', from: spec.name, to: rule.to, rule: at });
      resource.spec = { name: rule.to };
      return { kind: 'volume_type', strategy: 'name', rule: at, name: rule.to };
    }
    default:
      return unchanged();
  }
}
