/**
 * Types of a `bascule.mapping/v1` mapping file, written by hand beside src/mapping/schema/mapping.schema.json (the
 * source of truth for the file's shape; test/mapping/schema.test.ts keeps the two in step). The reference is
 * docs/mapping.md.
 */
import type { PlanKind } from '../plan/kinds.js';

export const MAPPING_FORMAT = 'bascule.mapping/v1';

/** The kinds name rules may name (src/mapping/kinds.ts: NAMED_KINDS; the schema's enum holds them). */
export type NamedKind = PlanKind;
/** The kinds availability zone rules may name (src/mapping/kinds.ts: AZ_KINDS). */
export type AzKind = PlanKind;

/** Informative: which cloud (clouds.yaml name) a side is. */
export interface CloudRef {
  cloud: string;
  description?: string;
}

/** A source region and the target region that replaces it. */
export interface RegionRule {
  from: string;
  to: string;
}

/** Fields every rule of a lookup table may carry. */
interface RuleBase {
  /** Applies only to plans exported from this source region (plan provenance.region). */
  region?: string;
  /** Free text, kept by inversion. */
  description?: string;
}

/**
 * Which source flavors a rule matches. Every given criterion must hold; `any: true` matches every flavor and stands
 * alone. `name_regex` is an unanchored RE2 regular expression (linear time) (use ^...$ for a full match).
 */
export interface FlavorMatch {
  name?: string;
  name_regex?: string;
  vcpus?: number;
  ram?: number;
  disk?: number;
  /** Extra specs the flavor must have, each with exactly this value (e.g. `hw:cpu_policy: dedicated`). */
  extra_specs?: Record<string, string>;
  any?: true;
}

/** The target flavor: a name, or the smallest target flavor that fits (optionally among names matching `within`). */
export interface FlavorTarget {
  name?: string;
  shape?: 'smallest-fit';
  within?: { name_regex: string };
}

export interface FlavorRule extends RuleBase {
  from: FlavorMatch;
  to: FlavorTarget;
}

/** Which source images a rule matches (every given criterion must hold; `any: true` stands alone). */
export interface ImageMatch {
  name?: string;
  name_regex?: string;
  checksum?: string;
  os_hash_value?: string;
  any?: true;
}

/**
 * The target image: by name, or by checksum: `same` (the target image whose content equals the source's: same
 * os_hash_value when both clouds have multihash, else same MD5 checksum) or an explicit MD5 checksum.
 */
export interface ImageTarget {
  name?: string;
  checksum?: string;
}

export interface ImageRule extends RuleBase {
  from: ImageMatch;
  to: ImageTarget;
}

/** A name-to-name rule (external networks, volume types). */
export interface NameMapRule extends RuleBase {
  from: string;
  to: string;
}

/** An availability zone rule; `to: null` drops the zone (the target's scheduler chooses). */
export interface AzRule extends RuleBase {
  from: string;
  to: string | null;
  /** The kinds whose zone this rule rewrites (default: server, volume). */
  kinds?: AzKind[];
}

/** Which servers a server_zones rule matches: exactly one criterion. */
export interface ServerMatch {
  /** An unanchored RE2 regular expression on the server's source name. */
  name_regex?: string;
  /** A tag the server has. */
  tag?: string;
  /** The source name of the server group the server belongs to. */
  group?: string;
}

/**
 * A per-server zone rule: exactly one of `zone` (every matching server goes there; null drops the zone) and `spread`
 * (the matching servers, sorted by plan key, go to spread[0], spread[1], ... round-robin).
 */
export interface ServerZoneRule extends RuleBase {
  from: ServerMatch;
  zone?: string | null;
  spread?: string[];
}

/**
 * A name rule: exactly one action among prefix, suffix, strip_prefix, strip_suffix and regex (with replace).
 * Rules apply in order, each to the result of the previous one.
 */
export interface NameRule {
  kinds?: NamedKind[];
  prefix?: string;
  suffix?: string;
  strip_prefix?: string;
  strip_suffix?: string;
  regex?: string;
  replace?: string;
  /** The rule that undoes this regex rule, for `bascule mapping invert`. */
  inverse?: { regex: string; replace: string };
  description?: string;
}

/** A selection of plan entries: by kind, or by key glob (`*` any run of characters, `?` one character). */
export interface Selector {
  kinds?: PlanKind[];
  keys?: string[];
}

export interface Mapping {
  $schema?: string;
  format: typeof MAPPING_FORMAT;
  description?: string;
  source?: CloudRef;
  target?: CloudRef;
  regions?: RegionRule[];
  flavors?: FlavorRule[];
  images?: ImageRule[];
  external_networks?: NameMapRule[];
  availability_zones?: AzRule[];
  server_zones?: ServerZoneRule[];
  volume_types?: NameMapRule[];
  /** Octavia provider drivers by name (amphora -> ovn): a load balancer's `spec.provider`. */
  load_balancer_providers?: NameMapRule[];
  /** Octavia flavors by name: a load balancer's `spec.flavor`. */
  load_balancer_flavors?: NameMapRule[];
  names?: NameRule[];
  include?: Selector;
  exclude?: Selector;
}

/** The sections that are tables of `from`/`to` rules (with an optional region), in file order. */
export const TABLE_SECTIONS = [
  'flavors',
  'images',
  'external_networks',
  'availability_zones',
  'volume_types',
  'load_balancer_providers',
  'load_balancer_flavors',
] as const;

/** The sections of a mapping that hold rules, in file order. */
export const MAPPING_SECTIONS = [
  'regions',
  'flavors',
  'images',
  'external_networks',
  'availability_zones',
  'server_zones',
  'volume_types',
  'load_balancer_providers',
  'load_balancer_flavors',
  'names',
  'include',
  'exclude',
] as const;

/**
 * The fields of each object of a mapping, as the TypeScript types above declare them. The compile-time check below
 * fails when a type gains a field that is not listed; test/mapping/validate.test.ts checks each list equals the
 * schema's properties, so types and schema cannot drift apart.
 */
export const MAPPING_FIELDS = {
  mapping: [
    '$schema',
    'format',
    'description',
    'source',
    'target',
    'regions',
    'flavors',
    'images',
    'external_networks',
    'availability_zones',
    'server_zones',
    'volume_types',
    'load_balancer_providers',
    'load_balancer_flavors',
    'names',
    'include',
    'exclude',
  ],
  cloud_ref: ['cloud', 'description'],
  region_rule: ['from', 'to'],
  flavor_rule: ['from', 'to', 'region', 'description'],
  flavor_match: ['name', 'name_regex', 'vcpus', 'ram', 'disk', 'extra_specs', 'any'],
  flavor_target: ['name', 'shape', 'within'],
  image_rule: ['from', 'to', 'region', 'description'],
  image_match: ['name', 'name_regex', 'checksum', 'os_hash_value', 'any'],
  image_target: ['name', 'checksum'],
  name_map_rule: ['from', 'to', 'region', 'description'],
  az_rule: ['from', 'to', 'kinds', 'region', 'description'],
  server_zone_rule: ['from', 'zone', 'spread', 'region', 'description'],
  server_match: ['name_regex', 'tag', 'group'],
  name_rule: [
    'kinds',
    'prefix',
    'suffix',
    'strip_prefix',
    'strip_suffix',
    'regex',
    'replace',
    'inverse',
    'description',
  ],
  selector: ['kinds', 'keys'],
} as const satisfies {
  mapping: readonly (keyof Mapping)[];
  cloud_ref: readonly (keyof CloudRef)[];
  region_rule: readonly (keyof RegionRule)[];
  flavor_rule: readonly (keyof FlavorRule)[];
  flavor_match: readonly (keyof FlavorMatch)[];
  flavor_target: readonly (keyof FlavorTarget)[];
  image_rule: readonly (keyof ImageRule)[];
  image_match: readonly (keyof ImageMatch)[];
  image_target: readonly (keyof ImageTarget)[];
  name_map_rule: readonly (keyof NameMapRule)[];
  az_rule: readonly (keyof AzRule)[];
  server_zone_rule: readonly (keyof ServerZoneRule)[];
  server_match: readonly (keyof ServerMatch)[];
  name_rule: readonly (keyof NameRule)[];
  selector: readonly (keyof Selector)[];
};

interface FieldTypes {
  mapping: Mapping;
  cloud_ref: CloudRef;
  region_rule: RegionRule;
  flavor_rule: FlavorRule;
  flavor_match: FlavorMatch;
  flavor_target: FlavorTarget;
  image_rule: ImageRule;
  image_match: ImageMatch;
  image_target: ImageTarget;
  name_map_rule: NameMapRule;
  az_rule: AzRule;
  server_zone_rule: ServerZoneRule;
  server_match: ServerMatch;
  name_rule: NameRule;
  selector: Selector;
}
type MissingMappingFields = {
  [K in keyof FieldTypes]: Exclude<keyof FieldTypes[K], (typeof MAPPING_FIELDS)[K][number]>;
}[keyof FieldTypes];
/** Compile-time proof that MAPPING_FIELDS names every property of every mapping type. */
export const MAPPING_FIELDS_COMPLETE: [MissingMappingFields] extends [never] ? true : MissingMappingFields = true;
