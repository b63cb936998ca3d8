import { clone, str, type Obj } from '../core/json.js';
import type { AuthContext } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { canSee, dropUnsupported, nError, standardAttrs, touch } from './common.js';
import { subnetFor, type FixedIp } from './ipam.js';
import { fipForwardings, forwardingsOf } from './port-forwardings.js';
import { createPort, getPort, removePort } from './ports.js';
import { checkQuota } from './quota.js';
import { routerSubnets } from './routers.js';

export function getFloatingIp(state: RegionState, auth: AuthContext, id: string): Obj {
  const f = state.floatingips.get(id);
  if (!f || !canSee(auth, f.project_id))
    throw nError(404, 'FloatingIPNotFound', `Floating IP ${id} could not be found`);
  return f;
}

export function renderFloatingIp(state: RegionState, f: Obj): Obj {
  const out = clone(f);
  delete out.floating_port_id;
  if (state.profile.name !== 'pike') {
    const port = f.port_id ? state.ports.get(String(f.port_id)) : undefined;
    out.port_details = port
      ? {
          name: port.name,
          network_id: port.network_id,
          mac_address: port.mac_address,
          admin_state_up: port.admin_state_up,
          status: port['binding:host_id'] || String(port.device_owner).startsWith('network:') ? 'ACTIVE' : 'DOWN',
          device_id: port.device_id,
          device_owner: port.device_owner,
        }
      : null;
    out.port_forwardings = fipForwardings(state, String(f.id));
  }
  return dropUnsupported(state, out);
}

/** Points the floating IP at a port, finding the router that connects them, or Neutron's 404. */
function associate(
  state: RegionState,
  auth: AuthContext | undefined,
  fip: Obj,
  portId: string | null,
  fixedIp: string | undefined,
): void {
  if (portId === null) {
    fip.port_id = null;
    fip.fixed_ip_address = null;
    fip.router_id = null;
    fip.status = 'DOWN';
    return;
  }
  const port = auth ? getPort(state, auth, portId) : state.ports.get(portId);
  if (forwardingsOf(state, String(fip.id)).length > 0)
    throw nError(
      409,
      'FipInUseByPortForwarding',
      `Floating IP ${String(fip.id)} has port forwardings: it cannot be associated with port ${portId}.`,
    );
  if (!port) throw nError(404, 'PortNotFound', `Port ${portId} could not be found.`);
  const fixed = port.fixed_ips as FixedIp[];
  const chosen = fixedIp ? fixed.find((f) => f.ip_address === fixedIp) : fixed.find((f) => !f.ip_address.includes(':'));
  if (!chosen) {
    throw nError(400, 'BadRequest', `Bad floatingip request: Port ${portId} does not have fixed ip ${fixedIp ?? ''}.`);
  }
  const taken = state.floatingips.find(
    (f) => f.id !== fip.id && f.port_id === portId && f.fixed_ip_address === chosen.ip_address,
  );
  if (taken) {
    throw nError(
      409,
      'FloatingIPPortAlreadyAssociated',
      `Cannot associate floating IP ${String(fip.floating_ip_address)} (${String(fip.id)}) with port ${portId} using fixed IP ${chosen.ip_address}, as that fixed IP already has a floating IP on external network ${String(taken.floating_network_id)}.`,
    );
  }
  const router = state.routers.find(
    (r) =>
      (r.external_gateway_info as Obj | null)?.network_id === fip.floating_network_id &&
      routerSubnets(state, String(r.id)).includes(chosen.subnet_id),
  );
  if (!router) {
    throw nError(
      404,
      'ExternalGatewayForFloatingIPNotFound',
      `External network ${String(fip.floating_network_id)} is not reachable from subnet ${chosen.subnet_id}.  Therefore, cannot associate Port ${portId} with a Floating IP.`,
    );
  }
  fip.port_id = portId;
  fip.fixed_ip_address = chosen.ip_address;
  fip.router_id = router.id;
  fip.status = 'ACTIVE';
}

export function createFloatingIp(state: RegionState, auth: AuthContext | undefined, owner: string, body: Obj): Obj {
  const networkId = str(body, 'floating_network_id');
  if (!networkId)
    throw nError(
      400,
      'HTTPBadRequest',
      "Failed to parse request. Required attribute 'floating_network_id' not specified",
    );
  const network = state.networks.get(networkId);
  if (!network) throw nError(404, 'NetworkNotFound', `Network ${networkId} could not be found.`);
  if (network['router:external'] !== true) {
    throw nError(400, 'BadRequest', `Bad floatingip request: Network ${networkId} is not a valid external network.`);
  }
  if (auth && !auth.isAdmin) {
    if (body.floating_ip_address !== undefined && state.profile.name !== 'pike') {
      throw nError(
        403,
        'PolicyNotAuthorized',
        '(rule:create_floatingip and rule:create_floatingip:floating_ip_address) is disallowed by policy',
      );
    }
    checkQuota(state, owner, 'floatingip', state.floatingips);
  }
  const wanted = str(body, 'floating_ip_address');
  const subnetId = str(body, 'subnet_id');
  const id = str(body, 'id') ?? state.uuid();
  const port = createPort(state, undefined, '', {
    network_id: networkId,
    device_owner: 'network:floatingip',
    device_id: id,
    ...(wanted || subnetId
      ? { fixed_ips: [{ ...(subnetId ? { subnet_id: subnetId } : {}), ...(wanted ? { ip_address: wanted } : {}) }] }
      : {}),
  });
  const address = (port.fixed_ips as FixedIp[])[0];
  if (!address) {
    removePort(state, port, true);
    throw nError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${networkId}.`);
  }
  const fip: Obj = {
    id,
    floating_ip_address: address.ip_address,
    floating_network_id: networkId,
    floating_port_id: port.id,
    router_id: null,
    port_id: null,
    fixed_ip_address: null,
    status: 'DOWN',
    qos_policy_id: null,
    dns_domain: '',
    dns_name: '',
    ...standardAttrs(owner, str(body, 'description') ?? ''),
  };
  if (Array.isArray(body.tags)) fip.tags = body.tags.map(String);
  try {
    const portId = str(body, 'port_id');
    if (portId) associate(state, auth, fip, portId, str(body, 'fixed_ip_address'));
  } catch (error) {
    removePort(state, port, true);
    throw error;
  }
  void subnetFor;
  return state.floatingips.put(id, fip);
}

export function updateFloatingIp(state: RegionState, auth: AuthContext, fip: Obj, body: Obj): void {
  for (const k of Object.keys(body)) {
    if (!['port_id', 'fixed_ip_address', 'description', 'qos_policy_id'].includes(k)) {
      throw nError(400, 'HTTPBadRequest', `Cannot update read-only attribute ${k}`);
    }
  }
  if (body.port_id !== undefined)
    associate(state, auth, fip, (body.port_id as string | null) ?? null, str(body, 'fixed_ip_address'));
  if (body.description !== undefined) fip.description = body.description;
  touch(fip);
}

export function deleteFloatingIp(state: RegionState, auth: AuthContext, id: string): void {
  const fip = getFloatingIp(state, auth, id);
  // Its port forwardings hold it (the real Zed: 409, they are deleted first).
  if (forwardingsOf(state, id).length > 0)
    throw nError(409, 'FipInUseByPortForwarding', `Floating IP ${id} in use by Port Forwarding resources.`);
  const port = state.ports.get(String(fip.floating_port_id));
  if (port) removePort(state, port, true);
  state.floatingips.delete(id);
}
