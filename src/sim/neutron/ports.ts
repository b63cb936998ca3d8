import { bool, clone, isObj, str, type Obj } from '../core/json.js';
import type { AuthContext } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { canSee, dropUnsupported, nError, standardAttrs, touch } from './common.js';
import { allocate, eui64, isAutoAddressSubnet, release, reserve, subnetFor, type FixedIp } from './ipam.js';
import { visibleNetwork } from './networks.js';
import { checkQuota } from './quota.js';
import { ensureDefaultGroup } from './security-groups.js';
import { trunkDetails } from './trunks.js';

const PORT_KEYS = [
  'name',
  'network_id',
  'admin_state_up',
  'mac_address',
  'fixed_ips',
  'device_id',
  'device_owner',
  'security_groups',
  'allowed_address_pairs',
  'port_security_enabled',
  'binding:host_id',
  'binding:vnic_type',
  'binding:profile',
  'description',
  'tenant_id',
  'project_id',
  'extra_dhcp_opts',
  'qos_policy_id',
  'dns_name',
  'tags',
  'propagate_uplink_status',
  'numa_affinity_policy',
  'data_plane_status',
];

export function getPort(state: RegionState, auth: AuthContext, id: string): Obj {
  const p = state.ports.get(id);
  if (!p || !(canSee(auth, p.project_id) || (p.project_id === '' && auth.isAdmin))) {
    throw nError(404, 'PortNotFound', `Port ${id} could not be found.`);
  }
  return p;
}

export function renderPort(state: RegionState, auth: AuthContext, p: Obj): Obj {
  const out = clone(p);
  const bound = str(p, 'binding:host_id');
  out.status =
    p.admin_state_up === false ? 'DOWN' : bound || String(p.device_owner).startsWith('network:') ? 'ACTIVE' : 'DOWN';
  if (auth.isAdmin) {
    out['binding:vif_type'] = bound ? 'ovs' : 'unbound';
    out['binding:vif_details'] = bound
      ? {
          port_filter: true,
          ovs_hybrid_plug: false,
          connectivity: 'l2',
          bridge_name: 'br-int',
          datapath_type: 'system',
        }
      : {};
  } else {
    delete out['binding:host_id'];
    delete out['binding:profile'];
  }
  // The policy the port has through its network (`qos-port-network-policy`).
  if (state.profile.neutron.extensions.includes('qos-port-network-policy'))
    out.qos_network_policy_id = state.networks.get(String(p.network_id))?.qos_policy_id ?? null;
  // A trunk's parent shows its trunk (`trunk-details`).
  const details = state.profile.neutron.extensions.includes('trunk-details')
    ? trunkDetails(state, String(p.id))
    : undefined;
  if (details) out.trunk_details = details;
  return dropUnsupported(state, out);
}

/**
 * The fixed IPs of a port, as Neutron assigns them. On an auto-address IPv6 subnet (SLAAC, DHCPv6 stateless) the
 * address is the EUI-64 of the port's MAC, on every such subnet of the network, requested or not (router interfaces
 * excepted); asking for a specific address there is refused with a 400, as Neutron does.
 */
function resolveFixedIps(
  state: RegionState,
  network: Obj,
  requested: unknown,
  port: { mac: string; deviceOwner: string; current?: FixedIp[] },
): FixedIp[] {
  const out: FixedIp[] = [];
  const routerPort = port.deviceOwner.startsWith('network:router_interface');
  const autoSubnets = routerPort
    ? []
    : (network.subnets as string[])
        .map((sid) => state.subnets.get(sid))
        .filter((s): s is Obj => s !== undefined && isAutoAddressSubnet(s));
  const addAuto = () => {
    for (const subnet of autoSubnets) out.push(eui64(state, subnet, port.mac));
  };
  try {
    if (Array.isArray(requested)) {
      for (const item of requested) {
        if (!isObj(item)) throw nError(400, 'HTTPBadRequest', 'Invalid input for fixed_ips.');
        const subnetId = str(item, 'subnet_id');
        const ip = str(item, 'ip_address');
        let subnet: Obj | undefined;
        if (subnetId) {
          subnet = state.subnets.get(subnetId);
          if (!subnet || subnet.network_id !== network.id) {
            throw nError(
              400,
              'InvalidInput',
              `Invalid input for operation: Failed to create port on network ${String(network.id)}, because fixed_ips included invalid subnet ${subnetId}.`,
            );
          }
        } else if (ip) {
          subnet = subnetFor(state, network, ip);
          if (!subnet) {
            throw nError(
              400,
              'InvalidIpForNetwork',
              `IP address ${ip} is not a valid IP for any of the subnets on the specified network.`,
            );
          }
        }
        if (!subnet)
          throw nError(400, 'HTTPBadRequest', 'Invalid input for fixed_ips: a subnet_id or an ip_address is required.');
        if (!routerPort && isAutoAddressSubnet(subnet)) {
          const kept = port.current?.some((f) => f.subnet_id === subnet.id && f.ip_address === ip) ?? false;
          if (ip && !kept)
            throw nError(
              400,
              'InvalidInput',
              `Invalid input for operation: IPv6 address ${ip} can not be directly assigned to a port on subnet ${String(subnet.id)} since the subnet is configured for automatic addresses.`,
            );
          continue; // its address is added below, with every other auto-address subnet's
        }
        if (ip) {
          out.push(reserve(state, subnet, ip));
        } else {
          const got = allocate(state, subnet);
          if (!got)
            throw nError(
              409,
              'IpAddressGenerationFailure',
              `No more IP addresses available on network ${String(network.id)}.`,
            );
          out.push(got);
        }
      }
      addAuto();
      return out;
    }
    // Neutron's default: one address from an IPv4 subnet, plus one from every IPv6 subnet.
    let v4Done = false;
    for (const sid of network.subnets as string[]) {
      const subnet = state.subnets.get(sid);
      if (!subnet) continue;
      if (isAutoAddressSubnet(subnet)) {
        if (!routerPort) out.push(eui64(state, subnet, port.mac));
        continue;
      }
      if (subnet.ip_version === 4 && v4Done) continue;
      const got = allocate(state, subnet);
      if (got) {
        out.push(got);
        if (subnet.ip_version === 4) v4Done = true;
      } else if (subnet.ip_version === 4 && (network.subnets as string[]).length === 1) {
        throw nError(
          409,
          'IpAddressGenerationFailure',
          `No more IP addresses available on network ${String(network.id)}.`,
        );
      }
    }
    return out;
  } catch (error) {
    release(state, out);
    throw error;
  }
}

/** Creates a port: the API's POST /v2.0/ports, Nova's server create, routers and floating IPs all use it. */
export function createPort(state: RegionState, auth: AuthContext | undefined, owner: string, body: Obj): Obj {
  for (const k of Object.keys(body)) {
    if (!PORT_KEYS.includes(k) && !(k === 'id' && auth === undefined))
      throw nError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${k}'`);
  }
  const networkId = str(body, 'network_id');
  if (!networkId)
    throw nError(400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'network_id' not specified");
  const network = state.networks.get(networkId);
  if (!network || (auth && !visibleNetwork(auth, network)))
    throw nError(404, 'NetworkNotFound', `Network ${networkId} could not be found.`);
  if (auth && !auth.isAdmin) {
    if (network['router:external'] === true && body.device_owner === undefined) {
      throw nError(
        403,
        'PolicyNotAuthorized',
        '(rule:create_port and rule:create_port:fixed_ips) is disallowed by policy',
      );
    }
    checkQuota(state, owner, 'port', state.ports);
  }
  let mac = str(body, 'mac_address');
  if (mac && state.macs.has(mac)) {
    throw nError(
      409,
      'MacAddressInUse',
      `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`,
    );
  }
  mac ??= state.mac();
  const deviceOwner = str(body, 'device_owner') ?? '';
  const portSecurity = bool(body, 'port_security_enabled') ?? (network.port_security_enabled as boolean);
  let groups: string[];
  if (Array.isArray(body.security_groups)) {
    groups = body.security_groups.map(String);
    for (const g of groups) {
      const sg = state.securityGroups.get(g);
      if (!sg || (auth && !canSee(auth, sg.project_id)))
        throw nError(404, 'SecurityGroupNotFound', `Security group ${g} does not exist`);
    }
  } else {
    groups =
      portSecurity && !deviceOwner.startsWith('network:') && owner ? [String(ensureDefaultGroup(state, owner).id)] : [];
  }
  if (!portSecurity && groups.length > 0) {
    throw nError(
      400,
      'PortSecurityAndIPRequiredForSecurityGroups',
      'Port security must be enabled and port must have an IP address in order to use security groups.',
    );
  }
  const fixed = resolveFixedIps(state, network, body.fixed_ips, { mac, deviceOwner });
  state.macs.add(mac);
  const id = str(body, 'id') ?? state.uuid();
  const record: Obj = {
    id,
    name: str(body, 'name') ?? '',
    network_id: networkId,
    admin_state_up: bool(body, 'admin_state_up') ?? true,
    mac_address: mac,
    fixed_ips: fixed,
    device_id: str(body, 'device_id') ?? '',
    device_owner: deviceOwner,
    security_groups: groups,
    allowed_address_pairs: ((body.allowed_address_pairs as Obj[] | undefined) ?? []).map((p) => ({
      ip_address: p.ip_address,
      mac_address: p.mac_address ?? mac,
    })),
    extra_dhcp_opts: (body.extra_dhcp_opts as Obj[] | undefined) ?? [],
    port_security_enabled: portSecurity,
    'binding:host_id': str(body, 'binding:host_id') ?? '',
    'binding:vnic_type': str(body, 'binding:vnic_type') ?? 'normal',
    'binding:profile': (body['binding:profile'] as Obj | undefined) ?? {},
    dns_name: str(body, 'dns_name') ?? '',
    dns_assignment: fixed.map((f) => ({
      ip_address: f.ip_address,
      hostname: `host-${f.ip_address.replace(/[.:]/g, '-')}`,
      fqdn: `host-${f.ip_address.replace(/[.:]/g, '-')}.openstacklocal.`,
    })),
    qos_policy_id: str(body, 'qos_policy_id') ?? null,
    propagate_uplink_status: false,
    ...standardAttrs(owner, str(body, 'description') ?? ''),
  };
  if (Array.isArray(body.tags)) record.tags = body.tags.map(String);
  return state.ports.put(id, record);
}

const UPDATABLE = [
  'name',
  'admin_state_up',
  'fixed_ips',
  'device_id',
  'device_owner',
  'security_groups',
  'allowed_address_pairs',
  'port_security_enabled',
  'binding:host_id',
  'binding:profile',
  'binding:vnic_type',
  'description',
  'dns_name',
  'extra_dhcp_opts',
  'mac_address',
  'qos_policy_id',
];

export function updatePort(state: RegionState, auth: AuthContext, port: Obj, body: Obj): Obj {
  for (const k of Object.keys(body)) {
    if (!UPDATABLE.includes(k)) throw nError(400, 'HTTPBadRequest', `Cannot update read-only attribute ${k}`);
  }
  if (body.fixed_ips !== undefined) {
    const network = state.networks.get(String(port.network_id))!;
    const old = port.fixed_ips as FixedIp[];
    release(state, old);
    try {
      port.fixed_ips = resolveFixedIps(state, network, body.fixed_ips, {
        mac: String(port.mac_address),
        deviceOwner: String(port.device_owner ?? ''),
        current: old,
      });
    } catch (error) {
      for (const f of old) state.allocated.get(f.subnet_id)?.add(f.ip_address);
      throw error;
    }
  }
  if (body.security_groups !== undefined) {
    const groups = (body.security_groups as unknown[]).map(String);
    for (const g of groups) {
      const sg = state.securityGroups.get(g);
      if (!sg || !canSee(auth, sg.project_id))
        throw nError(404, 'SecurityGroupNotFound', `Security group ${g} does not exist`);
    }
    port.security_groups = groups;
  }
  if (body.allowed_address_pairs !== undefined) {
    port.allowed_address_pairs = (body.allowed_address_pairs as Obj[]).map((p) => ({
      ip_address: p.ip_address,
      mac_address: p.mac_address ?? port.mac_address,
    }));
  }
  for (const k of UPDATABLE) {
    if (['fixed_ips', 'security_groups', 'allowed_address_pairs'].includes(k) || body[k] === undefined) continue;
    port[k] = clone(body[k]);
  }
  if (port.port_security_enabled === false && (port.security_groups as string[]).length > 0) {
    if (body.security_groups === undefined && body.port_security_enabled === false) {
      throw nError(
        409,
        'PortSecurityPortHasSecurityGroup',
        'Port has security group associated. Cannot disable port security or ip address until security group is removed',
      );
    }
  }
  touch(port);
  return port;
}

/** Removes a port and frees its addresses and MAC. `internal` skips the router-interface guard. */
export function removePort(state: RegionState, port: Obj, internal = false): void {
  if (!internal && String(port.device_owner) === 'network:router_interface') {
    throw nError(
      409,
      'L3PortInUse',
      `Port ${String(port.id)} cannot be deleted directly via the port API: has device owner network:router_interface.`,
    );
  }
  release(state, port.fixed_ips as FixedIp[]);
  state.macs.delete(String(port.mac_address));
  state.ports.delete(String(port.id));
  // Floating IPs on the port are disassociated, as Neutron does.
  for (const fip of state.floatingips.filter((f) => f.port_id === port.id)) {
    fip.port_id = null;
    fip.fixed_ip_address = null;
    fip.router_id = null;
    fip.status = 'DOWN';
  }
  // Port forwardings to the port go with it; a floating IP left with none loses its router, as Neutron does.
  for (const pf of state.portForwardings.filter((p) => p.internal_port_id === port.id)) {
    state.portForwardings.delete(String(pf.id));
    const fip = state.floatingips.get(String(pf.floatingip_id));
    if (fip && !fip.port_id && !state.portForwardings.find((p) => p.floatingip_id === fip.id)) fip.router_id = null;
  }
}
