/**
 * Types of a `bascule.mapping/v1` mapping file, written by hand beside src/mapping/schema/mapping.schema.json (the
 * source of truth for the file's shape; test/mapping/schema.test.ts keeps the two in step). The reference is
 * docs/mapping.md.
 */
import type { PlanKind } from '../plan/kinds.js';

export const MAPPING_FORMAT = 'bascule.mapping/v1';

/** The kinds whose entries have a `spec.name` that name rules may rewrite (volume_type and subnet_pool are always external). */
export const NAMED_KINDS = [
  'flavor',
  'image',
  'keypair',
  'network',
  'subnet',
  'security_group',
  'router',
  'port',
  'volume',
  'volume_snapshot',
  'server_group',
  'server',
] as const satisfies readonly PlanKind[];
export type NamedKind = (typeof NAMED_KINDS)[number];

/** The kinds whose availability zone an `availability_zones` rule may rewrite; the default is server and volume. */
export const AZ_KINDS = ['server', 'volume', 'network', 'router'] as const satisfies readonly PlanKind[];
export type AzKind = (typeof AZ_KINDS)[number];
export const DEFAULT_AZ_KINDS: readonly AzKind[] = ['server', 'volume'];

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
 * alone. `name_regex` is an unanchored JavaScript regular expression (use ^...$ for a full match).
 */
export interface FlavorMatch {
  name?: string;
  name_regex?: string;
  vcpus?: number;
  ram?: number;
  disk?: number;
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
  volume_types?: NameMapRule[];
  names?: NameRule[];
  include?: Selector;
  exclude?: Selector;
}

/** The sections of a mapping that hold rules, in file order. */
export const MAPPING_SECTIONS = [
  'regions',
  'flavors',
  'images',
  'external_networks',
  'availability_zones',
  'volume_types',
  'names',
  'include',
  'exclude',
] as const;
