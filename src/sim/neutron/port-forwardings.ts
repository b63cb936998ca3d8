/**
 * Floating IP port forwardings (`floating-ip-port-forwarding`, Rocky and later, a service plugin a cloud may leave
 * off): `/v2.0/floatingips/{floatingip_id}/port_forwardings[/{id}]`. A forwarding sends one protocol port of the
 * floating IP's address to a port of one fixed IP of a Neutron port. Shapes from the Networking API reference
 * ("Floating IPs port forwarding"); `description` needs `floating-ip-port-forwarding-description`.
 */
import { clone, str, type Obj } from '../core/json.js';
import type { AuthContext } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { nError } from './common.js';
import type { FixedIp } from './ipam.js';
import { routerSubnets } from './routers.js';

export const PORT_FORWARDING_EXTENSION = 'floating-ip-port-forwarding';
const PROTOCOLS = ['tcp', 'udp', 'sctp', 'dccp', 'icmp', 'ipv6-icmp'];
const FIELDS = ['protocol', 'internal_ip_address', 'internal_port', 'external_port', 'internal_port_id', 'description'];

export function hasPortForwarding(state: RegionState): boolean {
  return state.profile.neutron.extensions.includes(PORT_FORWARDING_EXTENSION);
}

/** Neutron's 404 for the routes of an extension it has not loaded. */
export function ensurePortForwarding(state: RegionState): void {
  if (!hasPortForwarding(state)) throw nError(404, 'HTTPNotFound', 'The resource could not be found.');
}

export function forwardingsOf(state: RegionState, fipId: string): Obj[] {
  return state.portForwardings.filter((p) => p.floatingip_id === fipId);
}

export function renderPortForwarding(state: RegionState, pf: Obj): Obj {
  const out = clone(pf);
  delete out.floatingip_id;
  if (!state.profile.neutron.extensions.includes('floating-ip-port-forwarding-description')) delete out.description;
  return out;
}

export function getPortForwarding(state: RegionState, fipId: string, id: string): Obj {
  const pf = state.portForwardings.get(id);
  if (!pf || pf.floatingip_id !== fipId)
    throw nError(404, 'PortForwardingNotFound', `Port Forwarding ${id} could not be found.`);
  return pf;
}

function portNumber(body: Obj, key: string): number {
  const value = body[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535)
    throw nError(
      400,
      'HTTPBadRequest',
      `Invalid input for ${key}. Reason: '${String(value)}' is not a valid port number, expected 1 to 65535.`,
    );
  return value;
}

/** Checks and stores a forwarding (`auth` undefined: the seed, which may point at any port). */
export function createPortForwarding(
  state: RegionState,
  auth: AuthContext | undefined,
  fip: Obj,
  body: Obj,
  id = state.uuid(),
): Obj {
  for (const k of Object.keys(body))
    if (!FIELDS.includes(k)) throw nError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${k}'`);
  for (const k of ['protocol', 'internal_ip_address', 'internal_port', 'external_port', 'internal_port_id'])
    if (body[k] === undefined)
      throw nError(400, 'HTTPBadRequest', `Failed to parse request. Required attribute '${k}' not specified`);
  const protocol = str(body, 'protocol') ?? '';
  if (!PROTOCOLS.includes(protocol))
    throw nError(
      400,
      'HTTPBadRequest',
      `Invalid input for protocol. Reason: ${protocol} is not in valid_values [${PROTOCOLS.join(', ')}].`,
    );
  const internalPort = portNumber(body, 'internal_port');
  const externalPort = portNumber(body, 'external_port');
  const portId = str(body, 'internal_port_id') ?? '';
  const port = state.ports.get(portId);
  if (!port || (auth && !auth.isAdmin && port.project_id !== auth.projectId))
    throw nError(404, 'PortNotFound', `Port ${portId} could not be found.`);
  const address = str(body, 'internal_ip_address') ?? '';
  const fixed = port.fixed_ips as FixedIp[];
  const chosen = fixed.find((f) => f.ip_address === address);
  if (!chosen)
    throw nError(
      400,
      'BadRequest',
      `Bad port_forwarding request: Requested internal IP address ${address} is not suitable for internal neutron port ${portId}, as its fixed_ips are [${fixed.map((f) => `{'subnet_id': '${f.subnet_id}', 'ip_address': '${f.ip_address}'}`).join(', ')}].`,
    );
  if (fip.port_id)
    throw nError(
      409,
      'Conflict',
      `The floating IP ${String(fip.id)} is associated with port ${String(fip.port_id)}: it cannot have port forwardings.`,
    );
  const clash = forwardingsOf(state, String(fip.id)).find(
    (p) => p.external_port === externalPort && p.protocol === protocol,
  );
  if (clash)
    throw nError(
      400,
      'BadRequest',
      `Bad port_forwarding request: A duplicate port forwarding entry with same attributes already exists, conflicting values are {'floatingip_id': '${String(fip.id)}', 'external_port': ${externalPort}, 'protocol': '${protocol}'}.`,
    );
  // A router with a gateway on the floating IP's network and an interface on the internal subnet carries it.
  const router = state.routers.find(
    (r) =>
      (r.external_gateway_info as Obj | null)?.network_id === fip.floating_network_id &&
      routerSubnets(state, String(r.id)).includes(chosen.subnet_id),
  );
  if (!router)
    throw nError(
      400,
      'BadRequest',
      `Bad port_forwarding request: External network ${String(fip.floating_network_id)} is not reachable from subnet ${chosen.subnet_id}. Cannot set Port forwarding for port ${portId} with Floating IP ${String(fip.id)}.`,
    );
  fip.router_id = router.id;
  const pf: Obj = {
    id,
    floatingip_id: fip.id,
    protocol,
    internal_ip_address: address,
    internal_port: internalPort,
    external_port: externalPort,
    internal_port_id: portId,
    description: str(body, 'description') ?? '',
  };
  return state.portForwardings.put(id, pf);
}

/** PUT: the internal side, the protocol, the external port and the description may change (checked like a create). */
export function updatePortForwarding(state: RegionState, auth: AuthContext, fip: Obj, pf: Obj, body: Obj): Obj {
  for (const k of Object.keys(body))
    if (!FIELDS.includes(k)) throw nError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${k}'`);
  const merged: Obj = { ...clone(pf), ...body };
  delete merged.id;
  delete merged.floatingip_id;
  state.portForwardings.delete(String(pf.id));
  try {
    return createPortForwarding(state, auth, fip, merged, String(pf.id));
  } catch (error) {
    state.portForwardings.put(String(pf.id), pf);
    throw error;
  }
}

/** Deletes a forwarding; the floating IP's router goes with its last one. */
export function deletePortForwarding(state: RegionState, fip: Obj, id: string): void {
  getPortForwarding(state, String(fip.id), id);
  state.portForwardings.delete(id);
  if (forwardingsOf(state, String(fip.id)).length === 0 && !fip.port_id) fip.router_id = null;
}

/** The `port_forwardings` a floating IP shows (`expose-port-forwarding-in-fip`; id and port with `-detail`). */
export function fipForwardings(state: RegionState, fipId: string): Obj[] {
  const detail = state.profile.neutron.extensions.includes('floating-ip-port-forwarding-detail');
  return forwardingsOf(state, fipId).map((p) => ({
    ...(detail ? { id: p.id, internal_port_id: p.internal_port_id } : {}),
    protocol: p.protocol,
    internal_ip_address: p.internal_ip_address,
    internal_port: p.internal_port,
    external_port: p.external_port,
  }));
}
