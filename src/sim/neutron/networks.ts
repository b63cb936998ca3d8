import { bool, clone, num, str, type Obj } from '../core/json.js';
import { cidrSize, formatIp, parseCidr, parseIp } from '../core/net.js';
import type { AuthContext } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { canSee, dropUnsupported, nError, standardAttrs } from './common.js';
import { checkQuota } from './quota.js';

const NETWORK_KEYS = [
  'name',
  'admin_state_up',
  'shared',
  'router:external',
  'mtu',
  'port_security_enabled',
  'description',
  'provider:network_type',
  'provider:physical_network',
  'provider:segmentation_id',
  'availability_zone_hints',
  'tenant_id',
  'project_id',
  'is_default',
  'dns_domain',
  'qos_policy_id',
  'tags',
];

export function visibleNetwork(auth: AuthContext, n: Obj): boolean {
  return canSee(auth, n.project_id) || n.shared === true || n['router:external'] === true;
}

export function getNetwork(state: RegionState, auth: AuthContext, id: string): Obj {
  const n = state.networks.get(id);
  if (!n || !visibleNetwork(auth, n)) throw nError(404, 'NetworkNotFound', `Network ${id} could not be found.`);
  return n;
}

export function renderNetwork(state: RegionState, auth: AuthContext, n: Obj): Obj {
  const out = clone(n);
  if (!auth.isAdmin) {
    delete out['provider:network_type'];
    delete out['provider:physical_network'];
    delete out['provider:segmentation_id'];
  }
  return dropUnsupported(state, out);
}

/** Creates a network record (also used by the seed, with `force` skipping policy and quota). */
export function createNetwork(state: RegionState, auth: AuthContext | undefined, owner: string, body: Obj): Obj {
  for (const k of Object.keys(body)) {
    if (!NETWORK_KEYS.includes(k) && !(k === 'id' && auth === undefined))
      throw nError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${k}'`);
  }
  if (auth && !auth.isAdmin) {
    for (const k of [
      'shared',
      'router:external',
      'provider:network_type',
      'provider:physical_network',
      'provider:segmentation_id',
    ]) {
      if (body[k] !== undefined && body[k] !== false) {
        throw nError(
          403,
          'PolicyNotAuthorized',
          `(rule:create_network and rule:create_network:${k}) is disallowed by policy`,
        );
      }
    }
    checkQuota(state, owner, 'network', state.networks);
  }
  const id = str(body, 'id') ?? state.uuid();
  const isExternal = bool(body, 'router:external') ?? false;
  const type = str(body, 'provider:network_type') ?? (isExternal ? 'flat' : 'vxlan');
  const record: Obj = {
    id,
    name: str(body, 'name') ?? '',
    admin_state_up: bool(body, 'admin_state_up') ?? true,
    status: 'ACTIVE',
    subnets: [],
    shared: bool(body, 'shared') ?? false,
    'router:external': isExternal,
    mtu: num(body, 'mtu') ?? (type === 'vxlan' ? 1450 : 1500),
    port_security_enabled: bool(body, 'port_security_enabled') ?? true,
    availability_zone_hints: (body.availability_zone_hints as string[] | undefined) ?? [],
    availability_zones: ['nova'],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    l2_adjacency: true,
    'provider:network_type': type,
    'provider:physical_network':
      str(body, 'provider:physical_network') ?? (type === 'flat' || type === 'vlan' ? 'physnet1' : null),
    'provider:segmentation_id':
      num(body, 'provider:segmentation_id') ?? (type === 'vxlan' ? 1000 + state.networks.size : null),
    dns_domain: str(body, 'dns_domain') ?? '',
    qos_policy_id: str(body, 'qos_policy_id') ?? null,
    ...standardAttrs(owner, str(body, 'description') ?? ''),
  };
  if (isExternal) record.is_default = bool(body, 'is_default') ?? false;
  if (Array.isArray(body.tags)) record.tags = body.tags.map(String);
  return state.networks.put(id, record);
}

export function deleteNetwork(state: RegionState, auth: AuthContext, id: string): void {
  const n = getNetwork(state, auth, id);
  if (!canSee(auth, n.project_id)) throw nError(403, 'PolicyNotAuthorized', 'disallowed by policy');
  const inUse = state.ports.find((p) => p.network_id === id && !String(p.device_owner).startsWith('network:dhcp'));
  if (inUse) {
    throw nError(
      409,
      'NetworkInUse',
      `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`,
    );
  }
  for (const sid of n.subnets as string[]) {
    state.subnets.delete(sid);
    state.allocated.delete(sid);
  }
  state.networks.delete(id);
}

const SUBNET_KEYS = [
  'name',
  'network_id',
  'cidr',
  'ip_version',
  'gateway_ip',
  'allocation_pools',
  'enable_dhcp',
  'dns_nameservers',
  'host_routes',
  'ipv6_ra_mode',
  'ipv6_address_mode',
  'description',
  'service_types',
  'subnetpool_id',
  'tenant_id',
  'project_id',
  'tags',
  'segment_id',
  'dns_publish_fixed_ip',
  'use_default_subnetpool',
  'prefixlen',
];

export function createSubnet(state: RegionState, auth: AuthContext | undefined, owner: string, body: Obj): Obj {
  for (const k of Object.keys(body)) {
    if (!SUBNET_KEYS.includes(k) && !(k === 'id' && auth === undefined))
      throw nError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${k}'`);
  }
  const networkId = str(body, 'network_id');
  if (!networkId)
    throw nError(400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'network_id' not specified");
  const network = state.networks.get(networkId);
  if (!network || (auth && !visibleNetwork(auth, network)))
    throw nError(404, 'NetworkNotFound', `Network ${networkId} could not be found.`);
  if (auth && !auth.isAdmin && network.project_id !== owner) {
    throw nError(
      403,
      'PolicyNotAuthorized',
      '(rule:create_subnet and rule:create_subnet:network_id) is disallowed by policy',
    );
  }
  const cidrText = str(body, 'cidr');
  if (!cidrText)
    throw nError(400, 'BadRequest', 'Bad subnets request: a subnetpool must be specified in the absence of a cidr.');
  const cidr = parseCidr(cidrText);
  if (!cidr)
    throw nError(400, 'HTTPBadRequest', `Invalid input for cidr. Reason: '${cidrText}' is not a valid IP subnet.`);
  const ipVersion = num(body, 'ip_version') ?? 4;
  if (ipVersion !== cidr.version) {
    throw nError(400, 'HTTPBadRequest', 'Invalid input for operation: Cidr and IP version are not compatible.');
  }
  for (const sid of network.subnets as string[]) {
    const other = parseCidr(String(state.subnets.get(sid)?.cidr ?? ''));
    if (other && other.version === cidr.version) {
      const overlap = cidr.network < other.network + cidrSize(other) && other.network < cidr.network + cidrSize(cidr);
      if (overlap) {
        throw nError(
          400,
          'InvalidInput',
          `Invalid input for operation: Requested subnet with cidr: ${cidrText} for network: ${networkId} overlaps with another subnet.`,
        );
      }
    }
  }
  if (auth && !auth.isAdmin) checkQuota(state, owner, 'subnet', state.subnets);
  const size = cidrSize(cidr);
  const first = cidr.network + 1n;
  const last = cidr.version === 4 ? cidr.network + size - 2n : cidr.network + size - 1n;
  const gateway = body.gateway_ip === null ? null : (str(body, 'gateway_ip') ?? formatIp(cidr.version, first));
  let pools = body.allocation_pools as { start: string; end: string }[] | undefined;
  if (!pools) {
    const gw = gateway ? parseIp(gateway)!.value : undefined;
    const start = gw === first ? first + 1n : first;
    const end = gw === last ? last - 1n : last;
    pools = start <= end ? [{ start: formatIp(cidr.version, start), end: formatIp(cidr.version, end) }] : [];
  }
  const id = str(body, 'id') ?? state.uuid();
  const record: Obj = {
    id,
    name: str(body, 'name') ?? '',
    network_id: networkId,
    ip_version: ipVersion,
    cidr: `${formatIp(cidr.version, cidr.network)}/${cidr.prefix}`,
    gateway_ip: gateway,
    allocation_pools: pools,
    enable_dhcp: bool(body, 'enable_dhcp') ?? true,
    dns_nameservers: (body.dns_nameservers as string[] | undefined) ?? [],
    host_routes: (body.host_routes as Obj[] | undefined) ?? [],
    ipv6_ra_mode: body.ipv6_ra_mode ?? null,
    ipv6_address_mode: body.ipv6_address_mode ?? null,
    subnetpool_id: body.subnetpool_id ?? null,
    service_types: (body.service_types as string[] | undefined) ?? [],
    segment_id: null,
    ...standardAttrs(owner, str(body, 'description') ?? ''),
  };
  if (state.profile.name !== 'pike') record.dns_publish_fixed_ip = bool(body, 'dns_publish_fixed_ip') ?? false;
  if (Array.isArray(body.tags)) record.tags = body.tags.map(String);
  state.subnets.put(id, record);
  (network.subnets as string[]).push(id);
  if (gateway) state.allocated.set(id, new Set());
  return record;
}

export function deleteSubnet(state: RegionState, auth: AuthContext, id: string): void {
  const s = state.subnets.get(id);
  if (!s || !canSee(auth, s.project_id)) throw nError(404, 'SubnetNotFound', `Subnet ${id} could not be found.`);
  const inUse = state.ports.find((p) => (p.fixed_ips as Obj[]).some((f) => f.subnet_id === id));
  if (inUse) {
    throw nError(
      409,
      'SubnetInUse',
      `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`,
    );
  }
  const network = state.networks.get(String(s.network_id));
  if (network) network.subnets = (network.subnets as string[]).filter((x) => x !== id);
  state.subnets.delete(id);
  state.allocated.delete(id);
}
