/**
 * Applying a mapping to a plan, purely: which entries go (include/exclude, with what depends on them), new names,
 * availability zones, and for every external entry how the engine must find it on the target (its resolution).
 * Keys and refs never change: only specs are rewritten and whole entries dropped.
 */
import { descriptorOf } from '../kinds/registry.js';
import type { PlanKind } from '../plan/kinds.js';
import type { Issue, Plan, PlanResource, RefValue } from '../plan/types.js';
import type { ExternalMappingContext, MappingNote, Resolution } from './external.js';
import { AZ_KINDS, DEFAULT_AZ_KINDS, keepsName, NAMED_KINDS, PLACED_KINDS } from './kinds.js';
import { globToRegex, pointer, regex } from './match.js';
import type { Mapping, NameRule, Selector, ServerMatch } from './types.js';

export { compareFlavors, smallestFit } from './external.js';
export type { FlavorLike, MappingNote, Resolution, ResolutionStrategy, Shape } from './external.js';

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

/** The kept entry a resource belongs to and is kept with under `include` (see PulledInEntry), per its kind. */
function companionOf(resource: PlanResource, kept: ReadonlySet<string>): string | undefined {
  const refs = (resource.refs ?? {}) as Record<string, RefValue>;
  return descriptorOf(resource.kind).companionOf?.(refs, kept);
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
  if (!NAMED_KINDS.includes(kind) || name === '' || keepsName(kind, name)) return name;
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
export function mapZone(mapping: Mapping, kind: PlanKind, zone: string, region: string | null): string | null {
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
    // A match-only kind (a flavor) is always a reference, external or not: a project cannot create flavors.
    if (resource.external === true || descriptorOf(resource.kind).matchOnly) {
      resolution[key] = resolveExternal(resource, mapping, inScope, notes, issues);
      resources.push(resource);
      continue;
    }
    // Names, in order, each rule on the result of the previous.
    const spec = resource.spec as unknown as Record<string, unknown>;
    if (
      named.has(resource.kind) &&
      typeof spec.name === 'string' &&
      spec.name !== '' &&
      !keepsName(resource.kind, spec.name)
    ) {
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
    // The kind's own sections (a load balancer's provider and flavor).
    descriptorOf(resource.kind).mapSpec?.(resource, { mapping, inScope, note: (note) => notes.push(note) });
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
    const groupRef = descriptorOf(server.kind).zones?.placement?.groupRef;
    const key = groupRef === undefined ? undefined : (server.refs as Record<string, unknown> | undefined)?.[groupRef];
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
    if (!PLACED_KINDS.has(server.kind) || server.external === true || !kept.has(server.key)) continue;
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
  const kind = resource.kind;
  const zones = descriptorOf(kind).zones;
  if (zones === undefined) return;
  const rules = (mapping.availability_zones ?? []).map((rule, index) => ({
    rule,
    at: pointer('availability_zones', index),
  }));
  const find = (zone: string) =>
    rules.find(({ rule }) => rule.from === zone && inScope(rule) && (rule.kinds ?? DEFAULT_AZ_KINDS).includes(kind));
  const field = zones.field;
  if (!zones.list) {
    const zone = spec[field];
    if (typeof zone !== 'string') return;
    const hit = find(zone);
    if (hit === undefined) return;
    if (hit.rule.to === null) delete spec[field];
    else spec[field] = hit.rule.to;
    notes.push({ key: resource.key, field, from: zone, to: hit.rule.to, rule: hit.at });
    return;
  }
  const hints = spec[field];
  if (!Array.isArray(hints)) return;
  const next: string[] = [];
  for (const zone of hints as string[]) {
    const hit = find(zone);
    if (hit === undefined) {
      next.push(zone);
      continue;
    }
    if (hit.rule.to !== null && !next.includes(hit.rule.to)) next.push(hit.rule.to);
    notes.push({ key: resource.key, field, from: zone, to: hit.rule.to, rule: hit.at });
  }
  spec[field] = next;
}

/** How the engine must find an external entry: its kind's mapping rules decide (mapExternal), else its name. */
function resolveExternal(
  resource: PlanResource,
  mapping: Mapping,
  inScope: (rule: { region?: string }) => boolean,
  notes: MappingNote[],
  issues: Issue[],
): Resolution {
  const ctx: ExternalMappingContext = {
    mapping,
    inScope,
    note: (note) => notes.push(note),
    issue: (issue) => issues.push(issue),
    unchanged: (extra = {}) => ({
      kind: resource.kind,
      strategy: 'unchanged',
      name: (resource.spec as { name?: string }).name ?? '',
      ...extra,
    }),
  };
  return descriptorOf(resource.kind).mapExternal?.(resource, ctx) ?? ctx.unchanged();
}
