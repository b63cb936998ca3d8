/**
 * The semantic rules of a plan, run after the schema: what JSON Schema cannot say. Keys are unique, references resolve
 * to entries of the right kind, the reference graph has no cycle, subnets, ports and floating IPs are consistent,
 * volumes are large enough for their image, each server has one boot source, names are unique per kind (a warning).
 *
 * Resources the schema already refused are skipped here (except for key uniqueness and reference resolution of the
 * others), so each problem is reported once and the rules can trust the shapes they read.
 *
 * An entry is its position in the plan's own `resources` array: the rules read the parsed entries where they are and
 * keep what they learn in typed arrays indexed by that position (kind, validity, the reference graph), with no object,
 * closure, list or set per entry. On a plan of 100,000 entries, held in a heap of 100 MiB or more, each object built
 * per entry was work for the garbage collector (docs/performance.md, "Validate 100k").
 */
import { cidrRange, cidrVersion, ipValue, ipVersion, rangeContains, type CidrRange } from './ip.js';
import { toPointer } from './json.js';
import { KIND_ORDER, KIND_REFS, PLAN_KINDS, isPlanKind, type PlanKind, type RefDecl } from './kinds.js';
import { sensitiveFields, specProperties } from './schema.js';
import type { Issue } from './types.js';

type Rec = Record<string, unknown>;

/** The JSON pointer of resource `index` (and below). Built only for an issue: a valid plan builds none. */
const at = (index: number, ...rest: (string | number)[]): string => `/resources/${index}${toPointer(rest)}`;

function error(path: string, code: string, message: string, hint?: string): Issue {
  return hint === undefined
    ? { severity: 'error', path, code, message }
    : { severity: 'error', path, code, message, hint };
}

function warning(path: string, code: string, message: string, hint?: string): Issue {
  return hint === undefined
    ? { severity: 'warning', path, code, message }
    : { severity: 'warning', path, code, message, hint };
}

/** The spec or refs of an entry without one: shared (the rules only read them). */
const EMPTY: Rec = Object.freeze({}) as Rec;

function asRecord(value: unknown): Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Rec) : EMPTY;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function refList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** `refList(value)[position]` without building the list (called for most entries of a plan). */
function refAt(value: unknown, position: number): string | undefined {
  if (typeof value === 'string') return position === 0 ? value : undefined;
  if (!Array.isArray(value)) return undefined;
  let seen = 0;
  for (const v of value) {
    if (typeof v !== 'string') continue;
    if (seen === position) return v;
    seen += 1;
  }
  return undefined;
}

/** The `lossy` or `sensitive` of an entry without one: shared (the rules only read these lists). */
const NONE: readonly unknown[] = Object.freeze([]);

/** The kinds the rules look at, by their number (KIND_ORDER). */
const K = {
  network: KIND_ORDER.network,
  subnet: KIND_ORDER.subnet,
  security_group_rule: KIND_ORDER.security_group_rule,
  router: KIND_ORDER.router,
  port: KIND_ORDER.port,
  volume: KIND_ORDER.volume,
  server_group: KIND_ORDER.server_group,
  server: KIND_ORDER.server,
  floating_ip: KIND_ORDER.floating_ip,
  quota: KIND_ORDER.quota,
} as const;

/** Each kind's reference declarations, by kind number. */
const DECLS: readonly Readonly<Record<string, RefDecl>>[] = PLAN_KINDS.map(
  (kind) => KIND_REFS[kind] as Record<string, RefDecl>,
);

/** Each kind's references that have a parallel spec array (checked for a missing reference), by kind number. */
const PARALLELS: readonly (readonly { name: string; parallel: string }[])[] = DECLS.map((decls) =>
  Object.entries(decls)
    .filter(([, decl]) => decl.parallel !== undefined)
    .map(([name, decl]) => ({ name, parallel: decl.parallel! })),
);

/** Up to this many keys, a reference list is searched for a repeated key in place; past it, with a set. */
const SHORT_LIST = 16;

class RuleContext {
  readonly issues: Issue[] = [];
  readonly resources: readonly unknown[];
  /** Kind number of each position that holds an entry (a known kind and a string key); -1 elsewhere. */
  readonly kind: Int8Array;
  /** 1 where the entry passed the schema: its shape can be trusted. */
  readonly valid: Uint8Array;
  /** key -> position of the first entry with that key: the reference graph's node of that key. */
  readonly byKey = new Map<string, number>();
  /** 1 where the entry is the first of its key: a node of the reference graph. */
  readonly node: Uint8Array;
  /** The reference graph, by position: the targets of node i are edgeTo[edgeStart[i] .. edgeStart[i + 1]). */
  readonly edgeStart: Int32Array;
  readonly edgeTo: number[] = [];
  /** The spec and refs of each entry (EMPTY for none), by position. */
  readonly #specs: Rec[];
  readonly #refs: Rec[];

  constructor(resources: readonly unknown[], invalid: ReadonlySet<number>) {
    const count = resources.length;
    this.resources = resources;
    this.kind = new Int8Array(count).fill(-1);
    this.valid = new Uint8Array(count);
    this.node = new Uint8Array(count);
    this.edgeStart = new Int32Array(count + 1);
    this.#specs = new Array<Rec>(count);
    this.#refs = new Array<Rec>(count);
    const checkInvalid = invalid.size > 0;
    for (let index = 0; index < count; index += 1) {
      const r = asRecord(resources[index]);
      const kind = r.kind;
      const key = r.key;
      if (!isPlanKind(kind) || typeof key !== 'string') continue;
      this.kind[index] = KIND_ORDER[kind];
      this.#specs[index] = asRecord(r.spec);
      this.#refs[index] = asRecord(r.refs);
      this.valid[index] = checkInvalid && invalid.has(index) ? 0 : 1;
      const first = this.byKey.get(key);
      if (first === undefined) {
        this.byKey.set(key, index);
        this.node[index] = 1;
      } else
        this.issues.push(
          error(
            at(index, 'key'),
            'DUPLICATE_KEY',
            `the key "${key}" is already used by ${at(first)}`,
            'keys must be unique; add a suffix such as ~2',
          ),
        );
    }
  }

  /** The key of the entry at `index` (an entry: its key is a string). */
  key(index: number): string {
    return (this.resources[index] as Rec).key as string;
  }

  /** The spec of the entry at `index`: read from the parsed entry once (the rules ask for it several times). */
  spec(index: number): Rec {
    return this.#specs[index]!;
  }

  refs(index: number): Rec {
    return this.#refs[index]!;
  }

  /** The entry `key` resolves to, when it passed the schema and is of the kind `refName` of kind `kind` expects. */
  resolve(kind: number, refName: string, key: string | undefined): number {
    if (key === undefined) return -1;
    const target = this.byKey.get(key);
    if (target === undefined || this.valid[target] === 0) return -1;
    const decl = DECLS[kind]![refName];
    return decl !== undefined && this.kind[target] === KIND_ORDER[decl.kind] ? target : -1;
  }

  /** The entry a reference points to, when it resolves to the expected kind and passed the schema; else -1. */
  target(index: number, refName: string, position = 0): number {
    return this.resolve(this.kind[index]!, refName, refAt(this.refs(index)[refName], position));
  }

  /** The valid entries of each kind, in plan order: built once, on the first call (each rule asks for its kinds). */
  #byKind: number[][] | undefined;

  of(kind: number): readonly number[] {
    if (this.#byKind === undefined) {
      const lists: number[][] = PLAN_KINDS.map(() => []);
      for (let index = 0; index < this.kind.length; index += 1) {
        if (this.valid[index] === 1) lists[this.kind[index]!]!.push(index);
      }
      this.#byKind = lists;
    }
    return this.#byKind[kind]!;
  }
}

/** One key of a reference: resolved (its graph node added to the edges), of the right kind, not repeated. */
function checkRef(
  ctx: RuleContext,
  index: number,
  name: string,
  decl: RefDecl,
  key: string,
  position: number,
  repeated: boolean,
): void {
  if (repeated && decl.repeats !== true) {
    ctx.issues.push(
      error(
        decl.list ? at(index, 'refs', name, position) : at(index, 'refs', name),
        'REF_DUPLICATE',
        `"${key}" appears twice in refs.${name}`,
      ),
    );
    return;
  }
  const target = ctx.byKey.get(key);
  if (target === undefined) {
    ctx.issues.push(
      error(
        decl.list ? at(index, 'refs', name, position) : at(index, 'refs', name),
        'REF_UNRESOLVED',
        `refs.${name} points to "${key}", which is not in the plan`,
        `add an entry with key "${key}" (with "external": true if the target cloud already has it)`,
      ),
    );
    return;
  }
  ctx.edgeTo.push(target);
  const kind = ctx.kind[target]!;
  if (kind !== KIND_ORDER[decl.kind]) {
    ctx.issues.push(
      error(
        decl.list ? at(index, 'refs', name, position) : at(index, 'refs', name),
        'REF_WRONG_KIND',
        `refs.${name} must point to a ${decl.kind} entry, but "${key}" is of kind ${PLAN_KINDS[kind]!}`,
      ),
    );
  }
}

/** The references of a valid entry: each checked (checkRef), their targets added to the graph's edges. */
function checkRefs(ctx: RuleContext, index: number): void {
  const kind = ctx.kind[index]!;
  const decls = DECLS[kind]!;
  const refs = ctx.refs(index);
  const spec = ctx.spec(index);
  // A loop over the keys rather than Object.entries, and no list for a single key: this runs for every entry.
  for (const name in refs) {
    if (!Object.hasOwn(refs, name)) continue;
    const decl = decls[name];
    if (decl === undefined) continue; // the schema reported it
    const value = refs[name];
    let count = 0;
    if (typeof value === 'string') {
      checkRef(ctx, index, name, decl, value, 0, false);
      count = 1;
    } else if (Array.isArray(value)) {
      // A key is repeated when it appears earlier in the list: searched in place in a short list (most hold one or
      // two keys), with a set in a long one.
      let seen: Set<string> | undefined;
      for (let i = 0; i < value.length; i += 1) {
        const key: unknown = value[i];
        if (typeof key !== 'string') continue;
        let repeated: boolean;
        if (value.length <= SHORT_LIST) repeated = value.indexOf(key) < i;
        else {
          seen ??= new Set<string>();
          repeated = seen.has(key);
          seen.add(key);
        }
        checkRef(ctx, index, name, decl, key, count, repeated);
        count += 1;
      }
    }
    if (decl.parallel !== undefined) {
      const parallel = spec[decl.parallel];
      const length = Array.isArray(parallel) ? parallel.length : 0;
      if (length !== count) {
        ctx.issues.push(
          error(
            at(index, 'refs', name),
            'REF_PARALLEL_MISMATCH',
            `refs.${name} has ${count} element(s) but spec.${decl.parallel} has ${length}`,
            `element i of spec.${decl.parallel} describes element i of refs.${name}; give both the same length`,
          ),
        );
      }
    }
  }
  for (const { name, parallel } of PARALLELS[kind]!) {
    const list = spec[parallel];
    if (refs[name] === undefined && Array.isArray(list) && list.length > 0) {
      ctx.issues.push(
        error(
          at(index, 'spec', parallel),
          'REF_PARALLEL_MISMATCH',
          `spec.${parallel} has elements but refs.${name} is missing`,
          `element i of spec.${parallel} describes element i of refs.${name}`,
        ),
      );
    }
  }
}

/** The edges of an entry the schema refused: every reference that resolves, declared or not. */
function addEdgesOfInvalid(ctx: RuleContext, index: number): void {
  const refs = ctx.refs(index);
  for (const name in refs) {
    const value = refs[name];
    if (typeof value === 'string') {
      const target = ctx.byKey.get(value);
      if (target !== undefined) ctx.edgeTo.push(target);
      continue;
    }
    for (const key of refList(value)) {
      const target = ctx.byKey.get(key);
      if (target !== undefined) ctx.edgeTo.push(target);
    }
  }
}

function checkFieldLists(ctx: RuleContext, index: number): void {
  const r = ctx.resources[index] as Rec;
  const lossy = Array.isArray(r.lossy) ? (r.lossy as unknown[]) : NONE;
  const sensitive = Array.isArray(r.sensitive) ? (r.sensitive as unknown[]) : NONE;
  const kind = PLAN_KINDS[ctx.kind[index]!]!;
  if (lossy.length > 0) checkListedFields(ctx, index, kind, lossy, 'lossy', 'LOSSY_UNKNOWN_FIELD');
  if (sensitive.length > 0) checkListedFields(ctx, index, kind, sensitive, 'sensitive', 'SENSITIVE_UNKNOWN_FIELD');
  const fields = sensitiveFields(kind);
  if (fields.length === 0) return;
  const spec = ctx.spec(index);
  for (const field of fields) {
    if (spec[field] !== undefined && !sensitive.includes(field)) {
      ctx.issues.push(
        error(
          at(index, 'spec', field),
          'SENSITIVE_NOT_MARKED',
          `spec.${field} is present but not listed in "sensitive"`,
          `add "sensitive": ["${field}"] so that no tool prints it`,
        ),
      );
    }
  }
}

/** The fields named in `lossy` or `sensitive` are fields of the kind's spec (most entries have neither list). */
function checkListedFields(
  ctx: RuleContext,
  index: number,
  kind: PlanKind,
  list: readonly unknown[],
  name: 'lossy' | 'sensitive',
  code: string,
): void {
  const properties = specProperties(kind);
  for (let position = 0; position < list.length; position += 1) {
    const field = list[position];
    if (typeof field === 'string' && !Object.hasOwn(properties, field)) {
      ctx.issues.push(
        error(
          at(index, name, position),
          code,
          `"${field}" is not a field of a ${kind} spec`,
          `fields: ${Object.keys(properties).join(', ')}`,
        ),
      );
    }
  }
}

/** The value of address `text` when it is in the subnet; an issue at `path` when it is outside. */
function inside(
  ctx: RuleContext,
  cidr: CidrRange,
  cidrText: string,
  text: unknown,
  code: string,
  what: string,
  index: number,
  field: string,
  position: number,
  bound: string,
): number | bigint | undefined {
  const ip = typeof text === 'string' ? ipValue(text) : undefined;
  if (ip === undefined) return undefined;
  if (!rangeContains(cidr, ip)) {
    const path = position < 0 ? at(index, 'spec', field) : at(index, 'spec', field, position, bound);
    ctx.issues.push(error(path, code, `${what} ${String(text)} is outside the subnet ${cidrText}`));
    return undefined;
  }
  return ip;
}

function checkSubnet(ctx: RuleContext, index: number): CidrRange | undefined {
  const spec = ctx.spec(index);
  const cidrText = str(spec.cidr);
  const cidr = cidrText === undefined ? undefined : cidrRange(cidrText);
  if (cidr === undefined) return undefined;
  if (spec.ip_version !== cidr.version) {
    ctx.issues.push(
      error(
        at(index, 'spec', 'ip_version'),
        'SUBNET_IP_VERSION',
        `ip_version is ${String(spec.ip_version)} but the CIDR ${cidrText!} is IPv${cidr.version}`,
      ),
    );
    return undefined;
  }
  if (cidr.hostBitsSet) {
    ctx.issues.push(
      warning(
        at(index, 'spec', 'cidr'),
        'SUBNET_CIDR_HOST_BITS',
        `the CIDR ${cidrText!} has host bits set`,
        'Neutron stores the network address; write it that way',
      ),
    );
  }
  if (cidr.version === 4 && (spec.ipv6_ra_mode != null || spec.ipv6_address_mode != null)) {
    ctx.issues.push(
      error(
        at(index, 'spec', spec.ipv6_ra_mode != null ? 'ipv6_ra_mode' : 'ipv6_address_mode'),
        'SUBNET_IPV6_MODE_ON_V4',
        'IPv6 modes are set on an IPv4 subnet',
      ),
    );
  }
  if (spec.ipv6_ra_mode != null && spec.ipv6_address_mode != null && spec.ipv6_ra_mode !== spec.ipv6_address_mode) {
    ctx.issues.push(
      error(
        at(index, 'spec', 'ipv6_address_mode'),
        'SUBNET_IPV6_MODES_DIFFER',
        `ipv6_ra_mode (${String(spec.ipv6_ra_mode)}) and ipv6_address_mode (${String(spec.ipv6_address_mode)}) differ`,
        'Neutron requires them equal when both are set',
      ),
    );
  }
  const gateway = inside(
    ctx,
    cidr,
    cidrText!,
    spec.gateway_ip,
    'SUBNET_GATEWAY_OUTSIDE',
    'the gateway',
    index,
    'gateway_ip',
    -1,
    '',
  );
  const pools = Array.isArray(spec.allocation_pools) ? spec.allocation_pools : NONE;
  let ranges: { start: number | bigint; end: number | bigint; position: number }[] | undefined;
  for (let position = 0; position < pools.length; position += 1) {
    const pool = asRecord(pools[position]);
    const start = inside(
      ctx,
      cidr,
      cidrText!,
      pool.start,
      'SUBNET_POOL_OUTSIDE',
      'the pool start',
      index,
      'allocation_pools',
      position,
      'start',
    );
    const end = inside(
      ctx,
      cidr,
      cidrText!,
      pool.end,
      'SUBNET_POOL_OUTSIDE',
      'the pool end',
      index,
      'allocation_pools',
      position,
      'end',
    );
    if (start === undefined || end === undefined) continue;
    if (start > end) {
      ctx.issues.push(
        error(
          at(index, 'spec', 'allocation_pools', position),
          'SUBNET_POOL_RANGE',
          `the pool starts at ${String(pool.start)}, after its end ${String(pool.end)}`,
        ),
      );
      continue;
    }
    (ranges ??= []).push({ start, end, position });
    if (gateway !== undefined && gateway >= start && gateway <= end) {
      ctx.issues.push(
        error(
          at(index, 'spec', 'allocation_pools', position),
          'SUBNET_GATEWAY_IN_POOL',
          `the gateway ${String(spec.gateway_ip)} is inside the pool ${String(pool.start)}-${String(pool.end)}`,
          'Neutron refuses it; end the pool before the gateway or start it after',
        ),
      );
    }
  }
  if (ranges !== undefined && ranges.length > 1) {
    ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.position - b.position));
    for (let i = 1; i < ranges.length; i += 1) {
      const previous = ranges[i - 1]!;
      const current = ranges[i]!;
      if (current.start <= previous.end) {
        ctx.issues.push(
          error(
            at(index, 'spec', 'allocation_pools', Math.max(previous.position, current.position)),
            'SUBNET_POOLS_OVERLAP',
            `allocation pools ${previous.position} and ${current.position} overlap`,
          ),
        );
      }
    }
  }
  const routes = Array.isArray(spec.host_routes) ? spec.host_routes : NONE;
  for (let position = 0; position < routes.length; position += 1) {
    const route = asRecord(routes[position]);
    const destination = typeof route.destination === 'string' ? cidrVersion(route.destination) : 0;
    const nexthop = typeof route.nexthop === 'string' ? ipVersion(route.nexthop) : 0;
    if ((destination !== 0 && destination !== cidr.version) || (nexthop !== 0 && nexthop !== cidr.version)) {
      ctx.issues.push(
        error(
          at(index, 'spec', 'host_routes', position),
          'SUBNET_ROUTE_VERSION',
          `the host route is not IPv${cidr.version} like the subnet`,
        ),
      );
    }
  }
  const dns = Array.isArray(spec.dns_nameservers) ? spec.dns_nameservers : NONE;
  for (let position = 0; position < dns.length; position += 1) {
    const server = dns[position];
    const version = typeof server === 'string' ? ipVersion(server) : 0;
    if (version !== 0 && version !== cidr.version) {
      ctx.issues.push(
        error(
          at(index, 'spec', 'dns_nameservers', position),
          'SUBNET_DNS_VERSION',
          `the DNS server ${String(server)} is not IPv${cidr.version} like the subnet`,
        ),
      );
    }
  }
  return cidr;
}

function isExternalNetwork(ctx: RuleContext, network: number): boolean {
  return (ctx.resources[network] as Rec).external === true || ctx.spec(network).router_external === true;
}

export interface RuleInput {
  resources: readonly unknown[];
  /** Indexes of resources that failed the schema. */
  invalid: ReadonlySet<number>;
  /**
   * A plan of several regions (provenance.regions): each region is checked as a plan of its own (references, quotas,
   * addresses and names never cross regions), entries grouped by their `source.region`.
   */
  regions?: boolean;
}

/** Runs every semantic rule; returns the issues in a deterministic order. */
export function checkRules(input: RuleInput): Issue[] {
  if (input.regions !== true) return checkOneRegion(input);
  const regionOf = (raw: unknown): string => {
    const source = asRecord(asRecord(raw).source);
    return typeof source.region === 'string' ? source.region : '';
  };
  const groups = new Set(input.resources.map(regionOf));
  const keys = new Map<string, number>();
  const issues: Issue[] = [];
  // A key used in two regions is still a duplicate: keys are unique in the plan.
  input.resources.forEach((raw, index) => {
    const key = asRecord(raw).key;
    if (typeof key !== 'string') return;
    const first = keys.get(key);
    if (first === undefined) keys.set(key, index);
    else if (regionOf(input.resources[first]) !== regionOf(raw))
      issues.push(error(at(index, 'key'), 'DUPLICATE_KEY', `the key "${key}" is already used by ${at(first)}`));
  });
  for (const group of [...groups].sort()) {
    const resources = input.resources.map((raw) => (regionOf(raw) === group ? raw : undefined));
    for (const issue of checkOneRegion({ resources, invalid: input.invalid })) issues.push(issue);
  }
  return issues;
}

/** The fixed IPs of the ports: on subnets of their own network and inside them, no address used twice. */
class PortAddresses {
  /** The addresses of the last valid port with each key, by the key's graph node (for the floating IP checks). */
  readonly ofNode: (string[] | undefined)[] = [];
  /** An IPv4 address on a subnet, as `subnet node * 2^32 + address`, -> the port that has it. */
  readonly #v4 = new Map<number, number>();
  /** An IPv6 address on a subnet, as `subnet node|address in hex`, -> the port that has it. */
  readonly #v6 = new Map<string, number>();

  /** The port that already has this address on this subnet, or registers `port` as having it. */
  claim(subnet: number, value: number | bigint, port: number): number | undefined {
    if (typeof value === 'number') {
      const id = subnet * 4294967296 + value;
      const other = this.#v4.get(id);
      if (other === undefined) this.#v4.set(id, port);
      return other;
    }
    const id = `${subnet}|${value.toString(16)}`;
    const other = this.#v6.get(id);
    if (other === undefined) this.#v6.set(id, port);
    return other;
  }
}

function checkPort(ctx: RuleContext, port: number, cidrs: (CidrRange | undefined)[], addressesOf: PortAddresses): void {
  const refs = ctx.refs(port);
  const spec = ctx.spec(port);
  const network = refAt(refs.network, 0);
  const fixedIps = Array.isArray(spec.fixed_ips) ? spec.fixed_ips : NONE;
  const addresses: string[] = []; // an array, not a Set: a port has one or two addresses
  addressesOf.ofNode[ctx.byKey.get(ctx.key(port))!] = addresses;
  const subnets = refs.fixed_ips;
  if (typeof subnets === 'string')
    checkFixedIp(ctx, port, network, fixedIps, addresses, subnets, 0, cidrs, addressesOf);
  else if (Array.isArray(subnets)) {
    let position = 0;
    for (let i = 0; i < subnets.length; i += 1) {
      const subnetKey: unknown = subnets[i];
      if (typeof subnetKey !== 'string') continue;
      checkFixedIp(ctx, port, network, fixedIps, addresses, subnetKey, position, cidrs, addressesOf);
      position += 1;
    }
  }
}

function checkFixedIp(
  ctx: RuleContext,
  port: number,
  network: string | undefined,
  fixedIps: readonly unknown[],
  addresses: string[],
  subnetKey: string,
  position: number,
  cidrs: (CidrRange | undefined)[],
  addressesOf: PortAddresses,
): void {
  const subnet = ctx.resolve(K.port, 'fixed_ips', subnetKey);
  if (subnet < 0) return;
  if (refAt(ctx.refs(subnet).network, 0) !== network) {
    ctx.issues.push(
      error(
        at(port, 'refs', 'fixed_ips', position),
        'PORT_SUBNET_NOT_ON_NETWORK',
        `the subnet "${subnetKey}" is not on the port's network "${String(network)}"`,
      ),
    );
  }
  const text = str(asRecord(fixedIps[position]).ip_address);
  const ip = text === undefined ? undefined : ipValue(text);
  if (text === undefined || ip === undefined) return;
  if (!addresses.includes(text)) addresses.push(text);
  const cidr = cidrs[subnet];
  if (cidr !== undefined && !rangeContains(cidr, ip)) {
    ctx.issues.push(
      error(
        at(port, 'spec', 'fixed_ips', position, 'ip_address'),
        'PORT_IP_OUTSIDE_SUBNET',
        `the address ${text} is outside the subnet "${subnetKey}" (${String(ctx.spec(subnet).cidr)})`,
      ),
    );
    return;
  }
  const other = addressesOf.claim(subnet, ip, port);
  if (other !== undefined) {
    ctx.issues.push(
      error(
        at(port, 'spec', 'fixed_ips', position, 'ip_address'),
        'PORT_IP_DUPLICATE',
        `the address ${text} is also used by ${at(other)}`,
      ),
    );
  }
}

/** Up to this many rules of different signatures per group, a rule is compared with them field by field. */
const GROUP_RULES = 16;

/**
 * The security group rules met so far, to find a duplicate: the same group, remote group, direction, ethertype,
 * protocol, ports and remote prefix as an earlier rule (absent and null alike). A group holds a few rules: a rule is
 * compared with the earlier ones of its group, a list by group; past GROUP_RULES rules in a group, by their signature
 * in JSON in a map. (Every rule's signature in JSON, in one map, was a string and a hash per rule.)
 */
class RuleSignatures {
  /** Group key -> its first rule; then each rule's next in its group (-1: the last). */
  readonly #first = new Map<string, number>();
  readonly #next: Int32Array;
  readonly #length = new Map<string, number>();
  readonly #signatures = new Map<string, number>();

  constructor(count: number) {
    this.#next = new Int32Array(count).fill(-1);
  }

  /** The first earlier rule with the same signature as `rule`, or undefined (then `rule` is that first one). */
  earlier(ctx: RuleContext, rule: number): number | undefined {
    const group = ctx.refs(rule).security_group;
    if (typeof group === 'string') {
      const first = this.#first.get(group);
      if (first === undefined) {
        this.#first.set(group, rule);
        this.#length.set(group, 1);
        return undefined;
      }
      let other: number = first;
      for (;;) {
        if (sameRule(ctx, other, rule)) return other;
        const next: number = this.#next[other]!;
        if (next < 0) break;
        other = next;
      }
      const length = this.#length.get(group)!;
      if (length < GROUP_RULES) {
        this.#next[other] = rule;
        this.#length.set(group, length + 1);
        return undefined;
      }
    }
    const signature = signatureOf(ctx, rule);
    const other = this.#signatures.get(signature);
    if (other === undefined) this.#signatures.set(signature, rule);
    return other;
  }
}

function signatureOf(ctx: RuleContext, rule: number): string {
  const spec = ctx.spec(rule);
  const refs = ctx.refs(rule);
  return JSON.stringify([
    refs.security_group,
    refs.remote_group ?? null,
    spec.direction,
    spec.ethertype,
    spec.protocol ?? null,
    num(spec.port_range_min) ?? null,
    num(spec.port_range_max) ?? null,
    spec.remote_ip_prefix ?? null,
  ]);
}

/**
 * Whether two rules of one group have the same signature (signatureOf). The schema makes these fields strings,
 * numbers or null, for which equal JSON is equal values.
 */
function sameRule(ctx: RuleContext, a: number, b: number): boolean {
  const x = ctx.spec(a);
  const y = ctx.spec(b);
  return (
    (ctx.refs(a).remote_group ?? null) === (ctx.refs(b).remote_group ?? null) &&
    (x.direction ?? null) === (y.direction ?? null) &&
    (x.ethertype ?? null) === (y.ethertype ?? null) &&
    (x.protocol ?? null) === (y.protocol ?? null) &&
    (num(x.port_range_min) ?? null) === (num(y.port_range_min) ?? null) &&
    (num(x.port_range_max) ?? null) === (num(y.port_range_max) ?? null) &&
    (x.remote_ip_prefix ?? null) === (y.remote_ip_prefix ?? null)
  );
}

function checkOneRegion(input: RuleInput): Issue[] {
  const ctx = new RuleContext(input.resources, input.invalid);
  const count = input.resources.length;
  // References and field lists of the valid entries, and the reference graph (edges of each key's first entry).
  for (let index = 0; index < count; index += 1) {
    const start = ctx.edgeTo.length;
    if (ctx.valid[index] === 1) {
      checkRefs(ctx, index);
      checkFieldLists(ctx, index);
      if (ctx.node[index] === 0) ctx.edgeTo.length = start;
    } else if (ctx.node[index] === 1) addEdgesOfInvalid(ctx, index);
    ctx.edgeStart[index + 1] = ctx.edgeTo.length;
  }

  // Subnets: consistency, and their CIDRs for the port checks (by the graph node of their key: the last one wins).
  const cidrs: (CidrRange | undefined)[] = [];
  for (const subnet of ctx.of(K.subnet)) {
    const cidr = checkSubnet(ctx, subnet);
    if (cidr !== undefined) cidrs[ctx.byKey.get(ctx.key(subnet))!] = cidr;
  }

  // Ports: fixed IPs on subnets of their own network and inside them, no address used twice.
  const addressesOf = new PortAddresses();
  for (const port of ctx.of(K.port)) checkPort(ctx, port, cidrs, addressesOf);

  // Security group rules.
  const ruleSignatures = new RuleSignatures(count);
  for (const rule of ctx.of(K.security_group_rule)) {
    const spec = ctx.spec(rule);
    const refs = ctx.refs(rule);
    const min = num(spec.port_range_min);
    const max = num(spec.port_range_max);
    if (
      min !== undefined &&
      max !== undefined &&
      min > max &&
      spec.protocol !== 'icmp' &&
      spec.protocol !== 'ipv6-icmp'
    ) {
      ctx.issues.push(
        error(
          at(rule, 'spec', 'port_range_min'),
          'SG_RULE_PORT_RANGE',
          `port_range_min ${min} is above port_range_max ${max}`,
        ),
      );
    }
    if ((min !== undefined || max !== undefined) && spec.protocol == null) {
      ctx.issues.push(
        error(at(rule, 'spec', 'protocol'), 'SG_RULE_PORTS_WITHOUT_PROTOCOL', 'a port range needs a protocol'),
      );
    }
    if (spec.remote_ip_prefix != null && refs.remote_group !== undefined) {
      ctx.issues.push(
        error(
          at(rule, 'spec', 'remote_ip_prefix'),
          'SG_RULE_TWO_REMOTES',
          'remote_ip_prefix and refs.remote_group are both set',
          'Neutron takes one or the other',
        ),
      );
    }
    const prefix = typeof spec.remote_ip_prefix === 'string' ? cidrVersion(spec.remote_ip_prefix) : 0;
    if (prefix !== 0 && `IPv${prefix}` !== spec.ethertype) {
      ctx.issues.push(
        error(
          at(rule, 'spec', 'remote_ip_prefix'),
          'SG_RULE_ETHERTYPE',
          `the remote prefix is IPv${prefix} but ethertype is ${String(spec.ethertype)}`,
        ),
      );
    }
    const other = ruleSignatures.earlier(ctx, rule);
    if (other !== undefined) {
      ctx.issues.push(
        warning(
          at(rule),
          'SG_RULE_DUPLICATE',
          `the same rule as ${at(other)}`,
          'Neutron refuses duplicate rules; the second is skipped on apply',
        ),
      );
    }
  }

  // Routers and floating IPs: gateways on external networks.
  for (const router of ctx.of(K.router)) {
    const gateway = ctx.target(router, 'external_network');
    if (gateway >= 0 && !isExternalNetwork(ctx, gateway)) {
      ctx.issues.push(
        warning(
          at(router, 'refs', 'external_network'),
          'ROUTER_GATEWAY_NOT_EXTERNAL',
          `the gateway network "${ctx.key(gateway)}" is neither external nor router_external`,
        ),
      );
    }
    if (ctx.refs(router).external_network === undefined) {
      const spec = ctx.spec(router);
      for (const field of ['external_fixed_ips', 'enable_snat']) {
        if (spec[field] !== undefined) {
          ctx.issues.push(
            error(
              at(router, 'spec', field),
              'ROUTER_GATEWAY_MISSING',
              `spec.${field} is set but the router has no refs.external_network`,
            ),
          );
        }
      }
    }
  }
  // A floating IP per port and address: the first on each port, then the others by `port|address`.
  const firstOnPort = new Map<string, number>();
  const associations = new Map<string, number>();
  for (const fip of ctx.of(K.floating_ip)) {
    const refs = ctx.refs(fip);
    const network = ctx.target(fip, 'floating_network');
    if (network >= 0 && !isExternalNetwork(ctx, network)) {
      ctx.issues.push(
        error(
          at(fip, 'refs', 'floating_network'),
          'FIP_NETWORK_NOT_EXTERNAL',
          `the floating network "${ctx.key(network)}" is neither external nor router_external`,
        ),
      );
    }
    const fixed = str(ctx.spec(fip).fixed_ip_address);
    const portKey = refAt(refs.port, 0);
    if (fixed !== undefined && portKey === undefined) {
      ctx.issues.push(
        error(
          at(fip, 'spec', 'fixed_ip_address'),
          'FIP_FIXED_IP_WITHOUT_PORT',
          'fixed_ip_address is set but refs.port is missing',
        ),
      );
    }
    if (portKey !== undefined) {
      const node = ctx.byKey.get(portKey);
      const addresses = node === undefined ? undefined : addressesOf.ofNode[node];
      if (fixed !== undefined && addresses !== undefined && addresses.length > 0 && !addresses.includes(fixed)) {
        ctx.issues.push(
          error(
            at(fip, 'spec', 'fixed_ip_address'),
            'FIP_FIXED_IP_NOT_ON_PORT',
            `${fixed} is not a fixed IP of "${portKey}"`,
          ),
        );
      }
      let other = firstOnPort.get(portKey);
      if (other === undefined) firstOnPort.set(portKey, fip);
      else if ((str(ctx.spec(other).fixed_ip_address) ?? '') !== (fixed ?? '')) {
        const id = `${portKey}|${fixed ?? ''}`;
        other = associations.get(id);
        if (other === undefined) associations.set(id, fip);
      }
      if (other !== undefined)
        ctx.issues.push(
          error(
            at(fip, 'refs', 'port'),
            'FIP_DUPLICATE_ASSOCIATION',
            `${at(other)} is already associated with the same port and address`,
          ),
        );
    }
  }

  // Volumes: large enough for their image, one source.
  const GIB = 1024 ** 3;
  for (const volume of ctx.of(K.volume)) {
    const spec = ctx.spec(volume);
    const refs = ctx.refs(volume);
    const size = num(spec.size);
    const image = ctx.target(volume, 'image');
    if (image >= 0 && size !== undefined) {
      const imageSpec = ctx.spec(image);
      const minDisk = num(imageSpec.min_disk) ?? 0;
      const virtual = num(imageSpec.virtual_size) ?? 0;
      if (minDisk > size) {
        ctx.issues.push(
          error(
            at(volume, 'spec', 'size'),
            'VOLUME_SMALLER_THAN_IMAGE',
            `the volume is ${size} GiB but its image "${ctx.key(image)}" needs min_disk ${minDisk} GiB`,
            `make the volume at least ${minDisk} GiB`,
          ),
        );
      } else if (virtual > size * GIB) {
        ctx.issues.push(
          error(
            at(volume, 'spec', 'size'),
            'VOLUME_SMALLER_THAN_IMAGE',
            `the volume is ${size} GiB but its image "${ctx.key(image)}" has a virtual size of ${virtual} bytes`,
            `make the volume at least ${Math.ceil(virtual / GIB)} GiB`,
          ),
        );
      }
    }
    if (refs.image !== undefined && refs.snapshot !== undefined) {
      ctx.issues.push(
        error(
          at(volume, 'refs'),
          'VOLUME_TWO_SOURCES',
          'refs.image and refs.snapshot are both set',
          'a volume is created from one source',
        ),
      );
    }
  }

  // Server groups.
  for (const group of ctx.of(K.server_group)) {
    const spec = ctx.spec(group);
    const rules = asRecord(spec.rules);
    if (rules.max_server_per_host !== undefined && spec.policy !== 'anti-affinity') {
      ctx.issues.push(
        error(
          at(group, 'spec', 'rules', 'max_server_per_host'),
          'SERVER_GROUP_RULES_POLICY',
          'max_server_per_host is only allowed with the anti-affinity policy',
        ),
      );
    }
  }

  // Servers: one boot source, flavor large enough for the image, volumes and ports used once.
  const attachedVolumes = new Map<string, number>();
  const usedPorts = new Map<string, number>();
  for (const server of ctx.of(K.server)) checkServer(ctx, server, attachedVolumes, usedPorts);

  // Quota: one per plan.
  const quotas = ctx.of(K.quota);
  for (let i = 1; i < quotas.length; i += 1) {
    ctx.issues.push(
      error(at(quotas[i]!), 'QUOTA_DUPLICATE', `a plan has one quota entry; another is ${at(quotas[0]!)}`),
    );
  }

  // Names unique per kind (a warning: OpenStack allows duplicates, but matching by name becomes ambiguous).
  // One map of names per kind and side (external or not), by kind number * 2 + side.
  const namesOf: (Map<string, number> | undefined)[] = [];
  for (let index = 0; index < count; index += 1) {
    if (ctx.valid[index] === 0) continue;
    const kind = ctx.kind[index]!;
    if (kind === K.security_group_rule || kind === K.quota || kind === K.floating_ip) continue;
    const name = str(ctx.spec(index).name);
    if (name === undefined || name === '') continue;
    const group = (ctx.resources[index] as Rec).external === true ? kind * 2 + 1 : kind * 2;
    const names = (namesOf[group] ??= new Map());
    const other = names.get(name);
    if (other !== undefined) {
      ctx.issues.push(
        warning(
          at(index, 'spec', 'name'),
          'DUPLICATE_NAME',
          `another ${PLAN_KINDS[kind]!} is also named "${name}" (${at(other)})`,
          'the target matches resources by name and marker; rename one to avoid ambiguity',
        ),
      );
    } else names.set(name, index);
  }

  for (const issue of findCycles(ctx)) ctx.issues.push(issue);
  return ctx.issues;
}

function checkServer(
  ctx: RuleContext,
  server: number,
  attachedVolumes: Map<string, number>,
  usedPorts: Map<string, number>,
): void {
  const refs = ctx.refs(server);
  const hasImage = refs.image !== undefined;
  const hasVolume = refs.boot_volume !== undefined;
  if (!hasImage && !hasVolume) {
    ctx.issues.push(
      error(
        at(server, 'refs'),
        'SERVER_NO_BOOT_SOURCE',
        'the server has neither refs.image nor refs.boot_volume',
        'give exactly one boot source',
      ),
    );
  } else if (hasImage && hasVolume) {
    ctx.issues.push(
      error(
        at(server, 'refs', 'boot_volume'),
        'SERVER_TWO_BOOT_SOURCES',
        'the server has both refs.image and refs.boot_volume',
        'give exactly one boot source; the image of a boot volume belongs on the volume (refs.image)',
      ),
    );
  }
  const bootVolumeKey = refAt(refs.boot_volume, 0);
  const bootVolume = ctx.target(server, 'boot_volume');
  if (bootVolume >= 0 && ctx.spec(bootVolume).bootable === false) {
    ctx.issues.push(
      warning(
        at(server, 'refs', 'boot_volume'),
        'SERVER_BOOT_VOLUME_NOT_BOOTABLE',
        `the boot volume "${ctx.key(bootVolume)}" is not marked bootable`,
      ),
    );
  }
  const image = ctx.target(server, 'image');
  const flavor = ctx.target(server, 'flavor');
  if (image >= 0 && flavor >= 0) {
    const flavorSpec = ctx.spec(flavor);
    const imageSpec = ctx.spec(image);
    const disk = num(flavorSpec.disk);
    const ram = num(flavorSpec.ram);
    const minDisk = num(imageSpec.min_disk) ?? 0;
    const minRam = num(imageSpec.min_ram) ?? 0;
    if (disk !== undefined && disk > 0 && minDisk > disk) {
      ctx.issues.push(
        error(
          at(server, 'refs', 'flavor'),
          'SERVER_FLAVOR_TOO_SMALL',
          `the flavor "${ctx.key(flavor)}" has a ${disk} GiB disk but the image "${ctx.key(image)}" needs min_disk ${minDisk} GiB`,
        ),
      );
    }
    if (ram !== undefined && minRam > ram) {
      ctx.issues.push(
        error(
          at(server, 'refs', 'flavor'),
          'SERVER_FLAVOR_TOO_SMALL',
          `the flavor "${ctx.key(flavor)}" has ${ram} MiB of RAM but the image "${ctx.key(image)}" needs min_ram ${minRam} MiB`,
        ),
      );
    }
  }
  // The boot volume (position -1), then the data volumes.
  if (bootVolumeKey !== undefined) attachVolume(ctx, server, bootVolumeKey, -1, bootVolumeKey, attachedVolumes);
  const volumes = refs.volumes;
  if (typeof volumes === 'string') attachVolume(ctx, server, volumes, 0, bootVolumeKey, attachedVolumes);
  else if (Array.isArray(volumes)) {
    let position = 0;
    for (let i = 0; i < volumes.length; i += 1) {
      const key: unknown = volumes[i];
      if (typeof key !== 'string') continue;
      attachVolume(ctx, server, key, position, bootVolumeKey, attachedVolumes);
      position += 1;
    }
  }
  const ports = refs.ports;
  if (typeof ports === 'string') usePort(ctx, server, ports, 0, usedPorts);
  else if (Array.isArray(ports)) {
    let position = 0;
    for (let i = 0; i < ports.length; i += 1) {
      const key: unknown = ports[i];
      if (typeof key !== 'string') continue;
      usePort(ctx, server, key, position, usedPorts);
      position += 1;
    }
  }
}

/** A volume attached to a server: once, unless it is multiattach. `position` -1 is the boot volume. */
function attachVolume(
  ctx: RuleContext,
  server: number,
  key: string,
  position: number,
  bootVolumeKey: string | undefined,
  attachedVolumes: Map<string, number>,
): void {
  const path = (): string =>
    position < 0 ? at(server, 'refs', 'boot_volume') : at(server, 'refs', 'volumes', position);
  if (position >= 0 && key === bootVolumeKey) {
    ctx.issues.push(
      error(path(), 'SERVER_BOOT_VOLUME_ATTACHED_TWICE', `"${key}" is both the boot volume and a data volume`),
    );
    return;
  }
  const other = attachedVolumes.get(key);
  if (other !== undefined && other !== server) {
    const volume = ctx.byKey.get(key);
    if (volume === undefined || ctx.spec(volume).multiattach !== true) {
      ctx.issues.push(
        error(path(), 'VOLUME_ATTACHED_TWICE', `"${key}" is also attached to ${at(other)} and is not multiattach`),
      );
      return;
    }
  }
  attachedVolumes.set(key, server);
}

function usePort(
  ctx: RuleContext,
  server: number,
  key: string,
  position: number,
  usedPorts: Map<string, number>,
): void {
  const other = usedPorts.get(key);
  if (other !== undefined && other !== server) {
    ctx.issues.push(
      error(at(server, 'refs', 'ports', position), 'PORT_USED_TWICE', `the port "${key}" is also used by ${at(other)}`),
    );
  } else usedPorts.set(key, server);
}

/**
 * Reports each cycle of the reference graph once, with its path, using Tarjan's algorithm without recursion. The
 * nodes are the positions of each key's first entry, visited in plan order; their edges are in ctx.edgeTo.
 */
function findCycles(ctx: RuleContext): Issue[] {
  const count = ctx.kind.length;
  const edgeStart = ctx.edgeStart;
  const edgeTo = ctx.edgeTo;
  const index = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack: number[] = [];
  const components: number[][] = [];
  // The depth-first path as two parallel stacks (node, next edge), shared by every root, and a component's array only
  // when it is a cycle: this runs once per entry, and an array per entry is work for the GC.
  const workNode: number[] = [];
  const workNext: number[] = [];
  let counter = 0;
  for (let root = 0; root < count; root += 1) {
    if (index[root] !== -1 || ctx.node[root] === 0) continue;
    workNode.push(root);
    workNext.push(edgeStart[root]!);
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (workNode.length > 0) {
      const top = workNode.length - 1;
      const v = workNode[top]!;
      const next = workNext[top]!;
      if (next < edgeStart[v + 1]!) {
        workNext[top] = next + 1;
        const w = edgeTo[next]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          workNode.push(w);
          workNext.push(edgeStart[w]!);
        } else if (onStack[w] === 1) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      workNode.pop();
      workNext.pop();
      if (workNode.length > 0) {
        const parent = workNode[workNode.length - 1]!;
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        if (stack[stack.length - 1] === v) {
          // A component of one node: a cycle only if it refers to itself.
          stack.pop();
          onStack[v] = 0;
          for (let e = edgeStart[v]!; e < edgeStart[v + 1]!; e += 1) {
            if (edgeTo[e] === v) {
              components.push([v]);
              break;
            }
          }
          continue;
        }
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        components.push(component);
      }
    }
  }
  const issues: Issue[] = [];
  for (const component of components) {
    const members = new Set(component);
    const first = component.reduce((a, b) => (a <= b ? a : b));
    // Breadth-first search inside the component for the shortest way back to `first`.
    const previous = new Map<number, number>();
    const queue = [first];
    let found = false;
    for (let head = 0; head < queue.length && !found; head += 1) {
      const v = queue[head]!;
      for (let e = edgeStart[v]!; e < edgeStart[v + 1]!; e += 1) {
        const w = edgeTo[e]!;
        if (!members.has(w)) continue;
        if (w === first) {
          previous.set(-1, v);
          found = true;
          break;
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    const path: number[] = [];
    for (let v = previous.get(-1)!; v !== first; v = previous.get(v)!) path.unshift(v);
    const keys = [first, ...path, first].map((n) => ctx.key(n));
    issues.push(
      error(
        at(first, 'refs'),
        'REF_CYCLE',
        `the references form a cycle: ${keys.join(' -> ')}`,
        'apply needs an order: break the cycle (security groups refer to each other through separate rule entries, not directly)',
      ),
    );
  }
  return issues;
}
