/**
 * The semantic rules of a plan, run after the schema: what JSON Schema cannot say. Keys are unique, references resolve
 * to entries of the right kind, the reference graph has no cycle, subnets, ports and floating IPs are consistent,
 * volumes are large enough for their image, each server has one boot source, names are unique per kind (a warning).
 *
 * Resources the schema already refused are skipped here (except for key uniqueness and reference resolution of the
 * others), so each problem is reported once and the rules can trust the shapes they read.
 */
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip.js';
import { toPointer } from './json.js';
import { KIND_REFS, isPlanKind, type PlanKind, type RefDecl } from './kinds.js';
import { sensitiveFields, specProperties } from './schema.js';
import type { Issue } from './types.js';

interface Entry {
  index: number;
  kind: PlanKind;
  key: string;
  spec: Record<string, unknown>;
  refs: Record<string, unknown>;
  external: boolean;
  lossy: readonly unknown[];
  sensitive: readonly unknown[];
  /** Passed the schema: its shape can be trusted. */
  valid: boolean;
  /** Its number in the reference graph (findCycles): the first entry of each key, in order; -1 for a duplicate. */
  node: number;
  /** The graph nodes its refs point to, found by checkRefs (valid entries): findCycles does not look them up again. */
  edges?: number[];
}

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

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
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

class RuleContext {
  readonly issues: Issue[] = [];
  readonly entries: Entry[] = [];
  /** key -> first entry with that key. */
  readonly byKey = new Map<string, Entry>();

  constructor(resources: readonly unknown[], invalid: ReadonlySet<number>) {
    resources.forEach((raw, index) => {
      const r = asRecord(raw);
      const kind = r.kind;
      const key = r.key;
      if (!isPlanKind(kind) || typeof key !== 'string') return;
      const entry: Entry = {
        index,
        kind,
        key,
        spec: asRecord(r.spec),
        refs: asRecord(r.refs),
        external: r.external === true,
        lossy: Array.isArray(r.lossy) ? r.lossy : NONE,
        sensitive: Array.isArray(r.sensitive) ? r.sensitive : NONE,
        valid: !invalid.has(index),
        node: -1,
      };
      this.entries.push(entry);
      const first = this.byKey.get(key);
      if (first === undefined) {
        entry.node = this.byKey.size;
        this.byKey.set(key, entry);
      } else
        this.issues.push(
          error(
            at(index, 'key'),
            'DUPLICATE_KEY',
            `the key "${key}" is already used by ${at(first.index)}`,
            'keys must be unique; add a suffix such as ~2',
          ),
        );
    });
  }

  /** The entry a reference points to, when it resolves to the expected kind and passed the schema. */
  target(entry: Entry, refName: string, position = 0): Entry | undefined {
    const key = refAt(entry.refs[refName], position);
    if (key === undefined) return undefined;
    const target = this.byKey.get(key);
    const decl = (KIND_REFS[entry.kind] as Record<string, RefDecl>)[refName];
    return target !== undefined && target.valid && decl !== undefined && target.kind === decl.kind ? target : undefined;
  }

  /** The valid entries of each kind, in plan order: built once, on the first call (each rule asks for its kinds). */
  #byKind: Map<PlanKind, Entry[]> | undefined;

  of(kind: PlanKind): Entry[] {
    if (this.#byKind === undefined) {
      this.#byKind = new Map();
      for (const e of this.entries) {
        if (!e.valid) continue;
        const list = this.#byKind.get(e.kind);
        if (list === undefined) this.#byKind.set(e.kind, [e]);
        else list.push(e);
      }
    }
    return this.#byKind.get(kind) ?? [];
  }
}

/** Each kind's references that have a parallel spec array (checked for a missing reference): computed once per kind. */
const parallelDecls = new Map<PlanKind, [string, RefDecl][]>();

function parallelsOf(kind: PlanKind): [string, RefDecl][] {
  let list = parallelDecls.get(kind);
  if (list === undefined) {
    list = Object.entries(KIND_REFS[kind] as Record<string, RefDecl>).filter(([, decl]) => decl.parallel !== undefined);
    parallelDecls.set(kind, list);
  }
  return list;
}

/** One key of a reference: resolved (its graph node added to `edges`), of the right kind, not repeated. */
function checkRef(
  ctx: RuleContext,
  entry: Entry,
  edges: number[],
  name: string,
  decl: RefDecl,
  key: string,
  position: number,
  seen: Set<string> | undefined,
): void {
  const path = (): string => (decl.list ? at(entry.index, 'refs', name, position) : at(entry.index, 'refs', name));
  if (seen !== undefined) {
    if (seen.has(key) && decl.repeats !== true) {
      ctx.issues.push(error(path(), 'REF_DUPLICATE', `"${key}" appears twice in refs.${name}`));
      return;
    }
    seen.add(key);
  }
  const target = ctx.byKey.get(key);
  if (target === undefined) {
    ctx.issues.push(
      error(
        path(),
        'REF_UNRESOLVED',
        `refs.${name} points to "${key}", which is not in the plan`,
        `add an entry with key "${key}" (with "external": true if the target cloud already has it)`,
      ),
    );
    return;
  }
  edges.push(target.node);
  if (target.kind !== decl.kind) {
    ctx.issues.push(
      error(
        path(),
        'REF_WRONG_KIND',
        `refs.${name} must point to a ${decl.kind} entry, but "${key}" is of kind ${target.kind}`,
      ),
    );
  }
}

function checkRefs(ctx: RuleContext, entry: Entry): void {
  const decls = KIND_REFS[entry.kind] as Record<string, RefDecl>;
  const edges: number[] = [];
  entry.edges = edges;
  const refs = entry.refs;
  // A loop over the keys rather than Object.entries, and no list for a single key: this runs for every entry.
  for (const name in refs) {
    if (!Object.hasOwn(refs, name)) continue;
    const decl = decls[name];
    if (decl === undefined) continue; // the schema reported it
    const value = refs[name];
    let count: number;
    if (typeof value === 'string') {
      checkRef(ctx, entry, edges, name, decl, value, 0, undefined);
      count = 1;
    } else {
      const keys = refList(value);
      // Most refs hold one key: a set of those seen only when there are several (fewer objects for the GC).
      const seen = keys.length > 1 ? new Set<string>() : undefined;
      for (let position = 0; position < keys.length; position += 1) {
        checkRef(ctx, entry, edges, name, decl, keys[position]!, position, seen);
      }
      count = keys.length;
    }
    if (decl.parallel !== undefined) {
      const parallel = entry.spec[decl.parallel];
      const length = Array.isArray(parallel) ? parallel.length : 0;
      if (length !== count) {
        ctx.issues.push(
          error(
            at(entry.index, 'refs', name),
            'REF_PARALLEL_MISMATCH',
            `refs.${name} has ${count} element(s) but spec.${decl.parallel} has ${length}`,
            `element i of spec.${decl.parallel} describes element i of refs.${name}; give both the same length`,
          ),
        );
      }
    }
  }
  for (const [name, decl] of parallelsOf(entry.kind)) {
    if (
      entry.refs[name] === undefined &&
      Array.isArray(entry.spec[decl.parallel!]) &&
      (entry.spec[decl.parallel!] as unknown[]).length > 0
    ) {
      ctx.issues.push(
        error(
          at(entry.index, 'spec', decl.parallel!),
          'REF_PARALLEL_MISMATCH',
          `spec.${decl.parallel!} has elements but refs.${name} is missing`,
          `element i of spec.${decl.parallel!} describes element i of refs.${name}`,
        ),
      );
    }
  }
}

function checkFieldLists(ctx: RuleContext, entry: Entry): void {
  if (entry.lossy.length > 0 || entry.sensitive.length > 0) checkListedFields(ctx, entry);
  for (const field of sensitiveFields(entry.kind)) {
    if (entry.spec[field] !== undefined && !entry.sensitive.includes(field)) {
      ctx.issues.push(
        error(
          at(entry.index, 'spec', field),
          'SENSITIVE_NOT_MARKED',
          `spec.${field} is present but not listed in "sensitive"`,
          `add "sensitive": ["${field}"] so that no tool prints it`,
        ),
      );
    }
  }
}

/** The fields named in `lossy` and `sensitive` are fields of the kind's spec (most entries have neither list). */
function checkListedFields(ctx: RuleContext, entry: Entry): void {
  const properties = specProperties(entry.kind);
  for (const [list, code] of [
    [entry.lossy, 'LOSSY_UNKNOWN_FIELD'],
    [entry.sensitive, 'SENSITIVE_UNKNOWN_FIELD'],
  ] as const) {
    list.forEach((field, position) => {
      if (typeof field === 'string' && !Object.hasOwn(properties, field)) {
        ctx.issues.push(
          error(
            at(entry.index, list === entry.lossy ? 'lossy' : 'sensitive', position),
            code,
            `"${field}" is not a field of a ${entry.kind} spec`,
            `fields: ${Object.keys(properties).join(', ')}`,
          ),
        );
      }
    });
  }
}

function checkSubnet(ctx: RuleContext, entry: Entry): Cidr | undefined {
  const spec = entry.spec;
  const cidrText = str(spec.cidr);
  const cidr = cidrText === undefined ? undefined : parseCidr(cidrText);
  if (cidr === undefined) return undefined;
  const p = (...rest: (string | number)[]): string => at(entry.index, 'spec', ...rest);
  if (spec.ip_version !== cidr.version) {
    ctx.issues.push(
      error(
        p('ip_version'),
        'SUBNET_IP_VERSION',
        `ip_version is ${String(spec.ip_version)} but the CIDR ${cidrText!} is IPv${cidr.version}`,
      ),
    );
    return undefined;
  }
  if (cidr.hostBitsSet) {
    ctx.issues.push(
      warning(
        p('cidr'),
        'SUBNET_CIDR_HOST_BITS',
        `the CIDR ${cidrText!} has host bits set`,
        'Neutron stores the network address; write it that way',
      ),
    );
  }
  if (cidr.version === 4 && (spec.ipv6_ra_mode != null || spec.ipv6_address_mode != null)) {
    ctx.issues.push(
      error(
        p(spec.ipv6_ra_mode != null ? 'ipv6_ra_mode' : 'ipv6_address_mode'),
        'SUBNET_IPV6_MODE_ON_V4',
        'IPv6 modes are set on an IPv4 subnet',
      ),
    );
  }
  if (spec.ipv6_ra_mode != null && spec.ipv6_address_mode != null && spec.ipv6_ra_mode !== spec.ipv6_address_mode) {
    ctx.issues.push(
      error(
        p('ipv6_address_mode'),
        'SUBNET_IPV6_MODES_DIFFER',
        `ipv6_ra_mode (${String(spec.ipv6_ra_mode)}) and ipv6_address_mode (${String(spec.ipv6_address_mode)}) differ`,
        'Neutron requires them equal when both are set',
      ),
    );
  }
  const inside = (text: unknown, path: () => string, code: string, what: string): bigint | undefined => {
    const ip = typeof text === 'string' ? parseIp(text) : undefined;
    if (ip === undefined) return undefined;
    if (!cidrContains(cidr, ip)) {
      ctx.issues.push(error(path(), code, `${what} ${String(text)} is outside the subnet ${cidrText!}`));
      return undefined;
    }
    return ip.value;
  };
  const gateway = inside(spec.gateway_ip, () => p('gateway_ip'), 'SUBNET_GATEWAY_OUTSIDE', 'the gateway');
  const pools = Array.isArray(spec.allocation_pools) ? spec.allocation_pools : [];
  const ranges: { start: bigint; end: bigint; position: number }[] = [];
  pools.forEach((raw, position) => {
    const pool = asRecord(raw);
    const start = inside(
      pool.start,
      () => p('allocation_pools', position, 'start'),
      'SUBNET_POOL_OUTSIDE',
      'the pool start',
    );
    const end = inside(pool.end, () => p('allocation_pools', position, 'end'), 'SUBNET_POOL_OUTSIDE', 'the pool end');
    if (start === undefined || end === undefined) return;
    if (start > end) {
      ctx.issues.push(
        error(
          p('allocation_pools', position),
          'SUBNET_POOL_RANGE',
          `the pool starts at ${String(pool.start)}, after its end ${String(pool.end)}`,
        ),
      );
      return;
    }
    ranges.push({ start, end, position });
    if (gateway !== undefined && gateway >= start && gateway <= end) {
      ctx.issues.push(
        error(
          p('allocation_pools', position),
          'SUBNET_GATEWAY_IN_POOL',
          `the gateway ${String(spec.gateway_ip)} is inside the pool ${String(pool.start)}-${String(pool.end)}`,
          'Neutron refuses it; end the pool before the gateway or start it after',
        ),
      );
    }
  });
  ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.position - b.position));
  for (let i = 1; i < ranges.length; i += 1) {
    const previous = ranges[i - 1]!;
    const current = ranges[i]!;
    if (current.start <= previous.end) {
      ctx.issues.push(
        error(
          p('allocation_pools', Math.max(previous.position, current.position)),
          'SUBNET_POOLS_OVERLAP',
          `allocation pools ${previous.position} and ${current.position} overlap`,
        ),
      );
    }
  }
  const routes = Array.isArray(spec.host_routes) ? spec.host_routes : [];
  routes.forEach((raw, position) => {
    const route = asRecord(raw);
    const destination = typeof route.destination === 'string' ? parseCidr(route.destination) : undefined;
    const nexthop = typeof route.nexthop === 'string' ? parseIp(route.nexthop) : undefined;
    if (
      (destination !== undefined && destination.version !== cidr.version) ||
      (nexthop !== undefined && nexthop.version !== cidr.version)
    ) {
      ctx.issues.push(
        error(
          p('host_routes', position),
          'SUBNET_ROUTE_VERSION',
          `the host route is not IPv${cidr.version} like the subnet`,
        ),
      );
    }
  });
  const dns = Array.isArray(spec.dns_nameservers) ? spec.dns_nameservers : [];
  dns.forEach((server, position) => {
    const ip = typeof server === 'string' ? parseIp(server) : undefined;
    if (ip !== undefined && ip.version !== cidr.version) {
      ctx.issues.push(
        error(
          p('dns_nameservers', position),
          'SUBNET_DNS_VERSION',
          `the DNS server ${String(server)} is not IPv${cidr.version} like the subnet`,
        ),
      );
    }
  });
  return cidr;
}

function isExternalNetwork(network: Entry): boolean {
  return network.external || network.spec.router_external === true;
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

function checkOneRegion(input: RuleInput): Issue[] {
  const ctx = new RuleContext(input.resources, input.invalid);
  const valid = ctx.entries.filter((e) => e.valid);
  for (const entry of valid) {
    checkRefs(ctx, entry);
    checkFieldLists(ctx, entry);
  }

  // Subnets: consistency, and their CIDRs for the port checks.
  const subnetCidrs = new Map<string, Cidr>();
  for (const subnet of ctx.of('subnet')) {
    const cidr = checkSubnet(ctx, subnet);
    if (cidr !== undefined) subnetCidrs.set(subnet.key, cidr);
  }

  // Ports: fixed IPs on subnets of their own network and inside them, no address used twice.
  const usedAddresses = new Map<string, number>();
  const portAddresses = new Map<string, string[]>(); // an array, not a Set: a port has one or two addresses
  for (const port of ctx.of('port')) {
    const network = refAt(port.refs.network, 0);
    const fixedIps = Array.isArray(port.spec.fixed_ips) ? port.spec.fixed_ips : [];
    const addresses: string[] = [];
    portAddresses.set(port.key, addresses);
    refList(port.refs.fixed_ips).forEach((subnetKey, position) => {
      const subnet = ctx.target(port, 'fixed_ips', position);
      if (subnet === undefined) return;
      if (refAt(subnet.refs.network, 0) !== network) {
        ctx.issues.push(
          error(
            at(port.index, 'refs', 'fixed_ips', position),
            'PORT_SUBNET_NOT_ON_NETWORK',
            `the subnet "${subnetKey}" is not on the port's network "${String(network)}"`,
          ),
        );
      }
      const text = str(asRecord(fixedIps[position]).ip_address);
      const ip = text === undefined ? undefined : parseIp(text);
      const cidr = subnetCidrs.get(subnetKey);
      if (text === undefined || ip === undefined) return;
      if (!addresses.includes(text)) addresses.push(text);
      if (cidr !== undefined && !cidrContains(cidr, ip)) {
        ctx.issues.push(
          error(
            at(port.index, 'spec', 'fixed_ips', position, 'ip_address'),
            'PORT_IP_OUTSIDE_SUBNET',
            `the address ${text} is outside the subnet "${subnetKey}" (${String(subnet.spec.cidr)})`,
          ),
        );
        return;
      }
      // An IPv4 address has one text (no leading zeros): no BigInt to text per port.
      const id = ip.version === 4 ? `${subnetKey}|${text}` : `${subnetKey}|${ip.value.toString(16)}`;
      const other = usedAddresses.get(id);
      if (other !== undefined) {
        ctx.issues.push(
          error(
            at(port.index, 'spec', 'fixed_ips', position, 'ip_address'),
            'PORT_IP_DUPLICATE',
            `the address ${text} is also used by ${at(other)}`,
          ),
        );
      } else usedAddresses.set(id, port.index);
    });
  }

  // Security group rules.
  const ruleSignatures = new Map<string, number>();
  for (const rule of ctx.of('security_group_rule')) {
    const spec = rule.spec;
    const min = num(spec.port_range_min);
    const max = num(spec.port_range_max);
    const p = (field: string): string => at(rule.index, 'spec', field);
    if (
      min !== undefined &&
      max !== undefined &&
      min > max &&
      spec.protocol !== 'icmp' &&
      spec.protocol !== 'ipv6-icmp'
    ) {
      ctx.issues.push(
        error(p('port_range_min'), 'SG_RULE_PORT_RANGE', `port_range_min ${min} is above port_range_max ${max}`),
      );
    }
    if ((min !== undefined || max !== undefined) && spec.protocol == null) {
      ctx.issues.push(error(p('protocol'), 'SG_RULE_PORTS_WITHOUT_PROTOCOL', 'a port range needs a protocol'));
    }
    if (spec.remote_ip_prefix != null && rule.refs.remote_group !== undefined) {
      ctx.issues.push(
        error(
          p('remote_ip_prefix'),
          'SG_RULE_TWO_REMOTES',
          'remote_ip_prefix and refs.remote_group are both set',
          'Neutron takes one or the other',
        ),
      );
    }
    const prefix = typeof spec.remote_ip_prefix === 'string' ? parseCidr(spec.remote_ip_prefix) : undefined;
    if (prefix !== undefined && `IPv${prefix.version}` !== spec.ethertype) {
      ctx.issues.push(
        error(
          p('remote_ip_prefix'),
          'SG_RULE_ETHERTYPE',
          `the remote prefix is IPv${prefix.version} but ethertype is ${String(spec.ethertype)}`,
        ),
      );
    }
    const signature = JSON.stringify([
      rule.refs.security_group,
      rule.refs.remote_group ?? null,
      spec.direction,
      spec.ethertype,
      spec.protocol ?? null,
      min ?? null,
      max ?? null,
      spec.remote_ip_prefix ?? null,
    ]);
    const other = ruleSignatures.get(signature);
    if (other !== undefined) {
      ctx.issues.push(
        warning(
          at(rule.index),
          'SG_RULE_DUPLICATE',
          `the same rule as ${at(other)}`,
          'Neutron refuses duplicate rules; the second is skipped on apply',
        ),
      );
    } else ruleSignatures.set(signature, rule.index);
  }

  // Routers and floating IPs: gateways on external networks.
  for (const router of ctx.of('router')) {
    const gateway = ctx.target(router, 'external_network');
    if (gateway !== undefined && !isExternalNetwork(gateway)) {
      ctx.issues.push(
        warning(
          at(router.index, 'refs', 'external_network'),
          'ROUTER_GATEWAY_NOT_EXTERNAL',
          `the gateway network "${gateway.key}" is neither external nor router_external`,
        ),
      );
    }
    if (router.refs.external_network === undefined) {
      for (const field of ['external_fixed_ips', 'enable_snat']) {
        if (router.spec[field] !== undefined) {
          ctx.issues.push(
            error(
              at(router.index, 'spec', field),
              'ROUTER_GATEWAY_MISSING',
              `spec.${field} is set but the router has no refs.external_network`,
            ),
          );
        }
      }
    }
  }
  const associations = new Map<string, number>();
  for (const fip of ctx.of('floating_ip')) {
    const network = ctx.target(fip, 'floating_network');
    if (network !== undefined && !isExternalNetwork(network)) {
      ctx.issues.push(
        error(
          at(fip.index, 'refs', 'floating_network'),
          'FIP_NETWORK_NOT_EXTERNAL',
          `the floating network "${network.key}" is neither external nor router_external`,
        ),
      );
    }
    const fixed = str(fip.spec.fixed_ip_address);
    const portKey = refAt(fip.refs.port, 0);
    if (fixed !== undefined && portKey === undefined) {
      ctx.issues.push(
        error(
          at(fip.index, 'spec', 'fixed_ip_address'),
          'FIP_FIXED_IP_WITHOUT_PORT',
          'fixed_ip_address is set but refs.port is missing',
        ),
      );
    }
    if (portKey !== undefined) {
      const addresses = portAddresses.get(portKey);
      if (fixed !== undefined && addresses !== undefined && addresses.length > 0 && !addresses.includes(fixed)) {
        ctx.issues.push(
          error(
            at(fip.index, 'spec', 'fixed_ip_address'),
            'FIP_FIXED_IP_NOT_ON_PORT',
            `${fixed} is not a fixed IP of "${portKey}"`,
          ),
        );
      }
      const id = `${portKey}|${fixed ?? ''}`;
      const other = associations.get(id);
      if (other !== undefined)
        ctx.issues.push(
          error(
            at(fip.index, 'refs', 'port'),
            'FIP_DUPLICATE_ASSOCIATION',
            `${at(other)} is already associated with the same port and address`,
          ),
        );
      else associations.set(id, fip.index);
    }
  }

  // Volumes: large enough for their image, one source.
  const GIB = 1024 ** 3;
  for (const volume of ctx.of('volume')) {
    const size = num(volume.spec.size);
    const image = ctx.target(volume, 'image');
    if (image !== undefined && size !== undefined) {
      const minDisk = num(image.spec.min_disk) ?? 0;
      const virtual = num(image.spec.virtual_size) ?? 0;
      if (minDisk > size) {
        ctx.issues.push(
          error(
            at(volume.index, 'spec', 'size'),
            'VOLUME_SMALLER_THAN_IMAGE',
            `the volume is ${size} GiB but its image "${image.key}" needs min_disk ${minDisk} GiB`,
            `make the volume at least ${minDisk} GiB`,
          ),
        );
      } else if (virtual > size * GIB) {
        ctx.issues.push(
          error(
            at(volume.index, 'spec', 'size'),
            'VOLUME_SMALLER_THAN_IMAGE',
            `the volume is ${size} GiB but its image "${image.key}" has a virtual size of ${virtual} bytes`,
            `make the volume at least ${Math.ceil(virtual / GIB)} GiB`,
          ),
        );
      }
    }
    if (volume.refs.image !== undefined && volume.refs.snapshot !== undefined) {
      ctx.issues.push(
        error(
          at(volume.index, 'refs'),
          'VOLUME_TWO_SOURCES',
          'refs.image and refs.snapshot are both set',
          'a volume is created from one source',
        ),
      );
    }
  }

  // Server groups.
  for (const group of ctx.of('server_group')) {
    const rules = asRecord(group.spec.rules);
    if (rules.max_server_per_host !== undefined && group.spec.policy !== 'anti-affinity') {
      ctx.issues.push(
        error(
          at(group.index, 'spec', 'rules', 'max_server_per_host'),
          'SERVER_GROUP_RULES_POLICY',
          'max_server_per_host is only allowed with the anti-affinity policy',
        ),
      );
    }
  }

  // Servers: one boot source, flavor large enough for the image, volumes and ports used once.
  const attachedVolumes = new Map<string, number>();
  const usedPorts = new Map<string, number>();
  for (const server of ctx.of('server')) {
    const hasImage = server.refs.image !== undefined;
    const hasVolume = server.refs.boot_volume !== undefined;
    if (!hasImage && !hasVolume) {
      ctx.issues.push(
        error(
          at(server.index, 'refs'),
          'SERVER_NO_BOOT_SOURCE',
          'the server has neither refs.image nor refs.boot_volume',
          'give exactly one boot source',
        ),
      );
    } else if (hasImage && hasVolume) {
      ctx.issues.push(
        error(
          at(server.index, 'refs', 'boot_volume'),
          'SERVER_TWO_BOOT_SOURCES',
          'the server has both refs.image and refs.boot_volume',
          'give exactly one boot source; the image of a boot volume belongs on the volume (refs.image)',
        ),
      );
    }
    const bootVolumeKey = refAt(server.refs.boot_volume, 0);
    const bootVolume = ctx.target(server, 'boot_volume');
    if (bootVolume !== undefined && bootVolume.spec.bootable === false) {
      ctx.issues.push(
        warning(
          at(server.index, 'refs', 'boot_volume'),
          'SERVER_BOOT_VOLUME_NOT_BOOTABLE',
          `the boot volume "${bootVolume.key}" is not marked bootable`,
        ),
      );
    }
    const image = ctx.target(server, 'image');
    const flavor = ctx.target(server, 'flavor');
    if (image !== undefined && flavor !== undefined) {
      const disk = num(flavor.spec.disk);
      const ram = num(flavor.spec.ram);
      const minDisk = num(image.spec.min_disk) ?? 0;
      const minRam = num(image.spec.min_ram) ?? 0;
      if (disk !== undefined && disk > 0 && minDisk > disk) {
        ctx.issues.push(
          error(
            at(server.index, 'refs', 'flavor'),
            'SERVER_FLAVOR_TOO_SMALL',
            `the flavor "${flavor.key}" has a ${disk} GiB disk but the image "${image.key}" needs min_disk ${minDisk} GiB`,
          ),
        );
      }
      if (ram !== undefined && minRam > ram) {
        ctx.issues.push(
          error(
            at(server.index, 'refs', 'flavor'),
            'SERVER_FLAVOR_TOO_SMALL',
            `the flavor "${flavor.key}" has ${ram} MiB of RAM but the image "${image.key}" needs min_ram ${minRam} MiB`,
          ),
        );
      }
    }
    const volumes = refList(server.refs.volumes);
    const attachments =
      bootVolumeKey === undefined
        ? volumes.map((key, position) => [key, position] as const)
        : [[bootVolumeKey, -1] as const, ...volumes.map((key, position) => [key, position] as const)];
    for (const [key, position] of attachments) {
      const path = (): string =>
        position < 0 ? at(server.index, 'refs', 'boot_volume') : at(server.index, 'refs', 'volumes', position);
      if (position >= 0 && key === bootVolumeKey) {
        ctx.issues.push(
          error(path(), 'SERVER_BOOT_VOLUME_ATTACHED_TWICE', `"${key}" is both the boot volume and a data volume`),
        );
        continue;
      }
      const volume = ctx.byKey.get(key);
      const other = attachedVolumes.get(key);
      if (other !== undefined && other !== server.index && volume?.spec.multiattach !== true) {
        ctx.issues.push(
          error(path(), 'VOLUME_ATTACHED_TWICE', `"${key}" is also attached to ${at(other)} and is not multiattach`),
        );
      } else attachedVolumes.set(key, server.index);
    }
    refList(server.refs.ports).forEach((key, position) => {
      const other = usedPorts.get(key);
      if (other !== undefined && other !== server.index) {
        ctx.issues.push(
          error(
            at(server.index, 'refs', 'ports', position),
            'PORT_USED_TWICE',
            `the port "${key}" is also used by ${at(other)}`,
          ),
        );
      } else usedPorts.set(key, server.index);
    });
  }

  // Quota: one per plan.
  const quotas = ctx.of('quota');
  for (const extra of quotas.slice(1)) {
    ctx.issues.push(
      error(at(extra.index), 'QUOTA_DUPLICATE', `a plan has one quota entry; another is ${at(quotas[0]!.index)}`),
    );
  }

  // Names unique per kind (a warning: OpenStack allows duplicates, but matching by name becomes ambiguous).
  // One map of names per kind and side (external or not), rather than a composed string per entry.
  const namesOf = new Map<string, Map<string, number>>();
  for (const entry of valid) {
    if (entry.kind === 'security_group_rule' || entry.kind === 'quota' || entry.kind === 'floating_ip') continue;
    const name = str(entry.spec.name);
    if (name === undefined || name === '') continue;
    const group = entry.external ? `${entry.kind}|x` : entry.kind;
    let names = namesOf.get(group);
    if (names === undefined) namesOf.set(group, (names = new Map()));
    const id = name;
    const other = names.get(id);
    if (other !== undefined) {
      ctx.issues.push(
        warning(
          at(entry.index, 'spec', 'name'),
          'DUPLICATE_NAME',
          `another ${entry.kind} is also named "${name}" (${at(other)})`,
          'the target matches resources by name and marker; rename one to avoid ambiguity',
        ),
      );
    } else names.set(id, entry.index);
  }

  for (const issue of findCycles(ctx)) ctx.issues.push(issue);
  return ctx.issues;
}

/** Reports each cycle of the reference graph once, with its path, using Tarjan's algorithm without recursion. */
function findCycles(ctx: RuleContext): Issue[] {
  // The first entry of each key, numbered as the context met them (no second map of every key).
  const nodes = ctx.entries.filter((e) => e.node >= 0);
  const edges: number[][] = nodes.map((e) => {
    if (e.edges !== undefined) return e.edges;
    const out: number[] = [];
    for (const name in e.refs) {
      const value = e.refs[name];
      if (typeof value === 'string') {
        const target = ctx.byKey.get(value);
        if (target !== undefined) out.push(target.node);
        continue;
      }
      for (const key of refList(value)) {
        const target = ctx.byKey.get(key);
        if (target !== undefined) out.push(target.node);
      }
    }
    return out;
  });
  const index = new Int32Array(nodes.length).fill(-1);
  const low = new Int32Array(nodes.length);
  const onStack = new Uint8Array(nodes.length);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < nodes.length; root += 1) {
    if (index[root] !== -1) continue;
    // The depth-first path as two parallel stacks (node, next edge), and a component's array only when it is a cycle:
    // this runs once per entry, and an array per entry is work for the GC.
    const workNode: number[] = [root];
    const workNext: number[] = [0];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (workNode.length > 0) {
      const top = workNode.length - 1;
      const v = workNode[top]!;
      const next = workNext[top]!;
      const out = edges[v]!;
      if (next < out.length) {
        workNext[top] = next + 1;
        const w = out[next]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          workNode.push(w);
          workNext.push(0);
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
          if (out.includes(v)) components.push([v]);
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
    const first = component.reduce((a, b) => (nodes[a]!.index <= nodes[b]!.index ? a : b));
    // Breadth-first search inside the component for the shortest way back to `first`.
    const previous = new Map<number, number>();
    const queue = [first];
    let found = false;
    for (let head = 0; head < queue.length && !found; head += 1) {
      const v = queue[head]!;
      for (const w of edges[v]!) {
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
    const keys = [first, ...path, first].map((n) => nodes[n]!.key);
    const entry = nodes[first]!;
    issues.push(
      error(
        at(entry.index, 'refs'),
        'REF_CYCLE',
        `the references form a cycle: ${keys.join(' -> ')}`,
        'apply needs an order: break the cycle (security groups refer to each other through separate rule entries, not directly)',
      ),
    );
  }
  return issues;
}
