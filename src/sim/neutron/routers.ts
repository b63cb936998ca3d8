import { bool, clone, isObj, str, type Obj } from '../core/json.js';
import { cidrContains, parseCidr } from '../core/net.js';
import type { AuthContext } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { canSee, nError, standardAttrs, touch } from './common.js';
import type { FixedIp } from './ipam.js';
import { createPort, getPort, removePort } from './ports.js';
import { checkQuota } from './quota.js';

export function getRouter(state: RegionState, auth: AuthContext, id: string): Obj {
  const r = state.routers.get(id);
  if (!r || !canSee(auth, r.project_id)) throw nError(404, 'RouterNotFound', `Router ${id} could not be found`);
  return r;
}

export function renderRouter(state: RegionState, auth: AuthContext, r: Obj): Obj {
  const out = clone(r);
  if (!auth.isAdmin) {
    delete out.distributed;
    delete out.ha;
  }
  const gw = r.external_gateway_info as Obj | null;
  if (gw) {
    const port = state.ports.get(String(gw.port_id));
    out.external_gateway_info = {
      network_id: gw.network_id,
      enable_snat: gw.enable_snat,
      external_fixed_ips: port ? clone(port.fixed_ips) : [],
    };
  }
  return out;
}

function setGateway(state: RegionState, auth: AuthContext | undefined, router: Obj, info: unknown): void {
  const current = router.external_gateway_info as Obj | null;
  if (info === null || (isObj(info) && Object.keys(info).length === 0)) {
    if (current) {
      const inUse = state.floatingips.find((f) => f.router_id === router.id);
      if (inUse) {
        throw nError(
          409,
          'RouterExternalGatewayInUseByFloatingIp',
          `Gateway cannot be updated for router ${String(router.id)}, since a gateway to external network ${String(current.network_id)} is required by one or more floating IPs.`,
        );
      }
      const port = state.ports.get(String(current.port_id));
      if (port) removePort(state, port, true);
    }
    router.external_gateway_info = null;
    return;
  }
  if (!isObj(info)) throw nError(400, 'HTTPBadRequest', 'Invalid input for external_gateway_info.');
  const networkId = str(info, 'network_id');
  const network = networkId ? state.networks.get(networkId) : undefined;
  if (!network) throw nError(404, 'NetworkNotFound', `Network ${networkId ?? ''} could not be found.`);
  if (network['router:external'] !== true) {
    throw nError(400, 'BadRequest', `Bad router request: Network ${String(networkId)} is not an external network.`);
  }
  if (auth && !auth.isAdmin && info.external_fixed_ips !== undefined && state.profile.name !== 'pike') {
    throw nError(
      403,
      'PolicyNotAuthorized',
      '(rule:update_router and rule:update_router:external_gateway_info:external_fixed_ips) is disallowed by policy',
    );
  }
  if (current) {
    const port = state.ports.get(String(current.port_id));
    if (current.network_id === networkId && port) {
      router.external_gateway_info = { ...current, enable_snat: bool(info, 'enable_snat') ?? current.enable_snat };
      return;
    }
    if (port) removePort(state, port, true);
  }
  const port = createPort(state, undefined, '', {
    network_id: networkId!,
    device_owner: 'network:router_gateway',
    device_id: String(router.id),
    ...(Array.isArray(info.external_fixed_ips) ? { fixed_ips: info.external_fixed_ips } : {}),
  });
  router.external_gateway_info = {
    network_id: networkId,
    enable_snat: bool(info, 'enable_snat') ?? true,
    port_id: port.id,
  };
}

export function createRouter(state: RegionState, auth: AuthContext | undefined, owner: string, body: Obj): Obj {
  if (auth && !auth.isAdmin) {
    for (const k of ['distributed', 'ha']) {
      if (body[k] !== undefined)
        throw nError(
          403,
          'PolicyNotAuthorized',
          `(rule:create_router and rule:create_router:${k}) is disallowed by policy`,
        );
    }
    checkQuota(state, owner, 'router', state.routers);
  }
  const id = str(body, 'id') ?? state.uuid();
  const router: Obj = {
    id,
    name: str(body, 'name') ?? '',
    admin_state_up: bool(body, 'admin_state_up') ?? true,
    status: 'ACTIVE',
    external_gateway_info: null,
    routes: [],
    distributed: bool(body, 'distributed') ?? false,
    ha: bool(body, 'ha') ?? false,
    availability_zone_hints: (body.availability_zone_hints as string[] | undefined) ?? [],
    availability_zones: ['nova'],
    flavor_id: null,
    ...standardAttrs(owner, str(body, 'description') ?? ''),
  };
  if (Array.isArray(body.tags)) router.tags = body.tags.map(String);
  state.routers.put(id, router);
  try {
    if (body.external_gateway_info !== undefined) setGateway(state, auth, router, body.external_gateway_info);
  } catch (error) {
    state.routers.delete(id);
    throw error;
  }
  return router;
}

function interfacePorts(state: RegionState, routerId: string): Obj[] {
  return state.ports.filter((p) => p.device_id === routerId && p.device_owner === 'network:router_interface');
}

/** Subnet ids the router has an interface on. */
export function routerSubnets(state: RegionState, routerId: string): string[] {
  return interfacePorts(state, routerId).flatMap((p) => (p.fixed_ips as FixedIp[]).map((f) => f.subnet_id));
}

function checkRoutes(state: RegionState, router: Obj, routes: unknown): Obj[] {
  if (!Array.isArray(routes)) throw nError(400, 'HTTPBadRequest', 'Invalid input for routes.');
  const cidrs = routerSubnets(state, String(router.id)).map((sid) => parseCidr(String(state.subnets.get(sid)?.cidr)));
  return routes.map((r) => {
    if (!isObj(r) || !str(r, 'destination') || !str(r, 'nexthop') || !parseCidr(str(r, 'destination')!)) {
      throw nError(
        400,
        'InvalidRoutes',
        `Invalid format for routes: ${JSON.stringify(routes)}, the destination or nexthop is malformed`,
      );
    }
    const hop = str(r, 'nexthop')!;
    if (!cidrs.some((c) => c && cidrContains(c, hop))) {
      throw nError(
        400,
        'InvalidRoutes',
        `Invalid format for routes: ${JSON.stringify([r])}, the nexthop is not connected with router`,
      );
    }
    return { destination: r.destination, nexthop: hop };
  });
}

export function updateRouter(state: RegionState, auth: AuthContext, router: Obj, body: Obj): void {
  for (const k of Object.keys(body)) {
    if (
      !['name', 'admin_state_up', 'external_gateway_info', 'routes', 'description', 'distributed', 'ha'].includes(k)
    ) {
      throw nError(400, 'HTTPBadRequest', `Cannot update read-only attribute ${k}`);
    }
  }
  if (body.routes !== undefined) router.routes = checkRoutes(state, router, body.routes);
  if (body.external_gateway_info !== undefined) setGateway(state, auth, router, body.external_gateway_info);
  for (const k of ['name', 'admin_state_up', 'description', 'distributed', 'ha'])
    if (body[k] !== undefined) router[k] = body[k];
  touch(router);
}

/** extraroute-atomic: add or remove routes without replacing the list. */
export function changeRoutes(state: RegionState, router: Obj, body: Obj, isAdd: boolean): void {
  const routes = checkRoutes(state, router, isObj(body.router) ? body.router.routes : undefined);
  const key = (r: Obj): string => `${String(r.destination)} ${String(r.nexthop)}`;
  const current = router.routes as Obj[];
  if (isAdd) {
    const have = new Set(current.map(key));
    router.routes = [...current, ...routes.filter((r) => !have.has(key(r)))];
  } else {
    const drop = new Set(routes.map(key));
    router.routes = current.filter((r) => !drop.has(key(r)));
  }
  touch(router);
}

export function addInterface(state: RegionState, auth: AuthContext, router: Obj, body: Obj): Obj {
  const subnetId = str(body, 'subnet_id');
  const portId = str(body, 'port_id');
  if ((subnetId && portId) || (!subnetId && !portId)) {
    throw nError(400, 'BadRequest', 'Bad router request: Either subnet_id or port_id must be specified.');
  }
  const rid = String(router.id);
  let port: Obj;
  if (subnetId) {
    const subnet = state.subnets.get(subnetId);
    if (
      !subnet ||
      !(canSee(auth, subnet.project_id) || state.networks.get(String(subnet.network_id))?.shared === true)
    ) {
      throw nError(404, 'SubnetNotFound', `Subnet ${subnetId} could not be found.`);
    }
    if (routerSubnets(state, rid).includes(subnetId)) {
      throw nError(400, 'BadRequest', `Bad router request: Router already has a port on subnet ${subnetId}.`);
    }
    if (!subnet.gateway_ip)
      throw nError(400, 'BadRequest', `Bad router request: Subnet for router interface must have a gateway IP.`);
    port = createPort(state, undefined, String(router.project_id), {
      network_id: String(subnet.network_id),
      fixed_ips: [{ subnet_id: subnetId, ip_address: subnet.gateway_ip }],
      device_owner: 'network:router_interface',
      device_id: rid,
    });
  } else {
    port = getPort(state, auth, portId!);
    if (port.device_id)
      throw nError(
        409,
        'PortInUse',
        `Unable to complete operation on port ${portId!} for network ${String(port.network_id)}. Port already has an attached device ${String(port.device_id)}.`,
      );
    port.device_owner = 'network:router_interface';
    port.device_id = rid;
    port.security_groups = [];
  }
  touch(router);
  const fixed = port.fixed_ips as FixedIp[];
  return {
    id: rid,
    subnet_id: fixed[0]?.subnet_id,
    subnet_ids: fixed.map((f) => f.subnet_id),
    port_id: port.id,
    tenant_id: router.project_id,
    project_id: router.project_id,
    network_id: port.network_id,
    tags: [],
  };
}

export function removeInterface(state: RegionState, auth: AuthContext, router: Obj, body: Obj): Obj {
  const subnetId = str(body, 'subnet_id');
  const portId = str(body, 'port_id');
  const rid = String(router.id);
  const port = interfacePorts(state, rid).find(
    (p) =>
      p.id === portId || (subnetId !== undefined && (p.fixed_ips as FixedIp[]).some((f) => f.subnet_id === subnetId)),
  );
  if (!port) {
    if (portId)
      throw nError(404, 'RouterInterfaceNotFound', `Router ${rid} does not have an interface with id ${portId}`);
    throw nError(404, 'RouterInterfaceNotFoundForSubnet', `Router ${rid} has no interface on subnet ${subnetId ?? ''}`);
  }
  const subnets = (port.fixed_ips as FixedIp[]).map((f) => f.subnet_id);
  for (const route of router.routes as Obj[]) {
    for (const sid of subnets) {
      const c = parseCidr(String(state.subnets.get(sid)?.cidr));
      if (c && cidrContains(c, String(route.nexthop))) {
        throw nError(
          409,
          'RouterInterfaceInUseByRoute',
          `Router interface for subnet ${sid} on router ${rid} cannot be deleted, as it is required by one or more routes.`,
        );
      }
    }
  }
  for (const fip of state.floatingips.filter((f) => f.router_id === rid)) {
    // Its port, or the internal ports of its port forwardings.
    const fports = [
      fip.port_id,
      ...state.portForwardings.filter((p) => p.floatingip_id === fip.id).map((p) => p.internal_port_id),
    ].map((id) => state.ports.get(String(id)));
    if (fports.some((fport) => fport && (fport.fixed_ips as FixedIp[]).some((f) => subnets.includes(f.subnet_id)))) {
      throw nError(
        409,
        'RouterInterfaceInUseByFloatingIP',
        `Router interface for subnet ${subnets[0] ?? ''} on router ${rid} cannot be deleted, as it is required by one or more floating IPs.`,
      );
    }
  }
  removePort(state, port, true);
  void auth;
  touch(router);
  return {
    id: rid,
    subnet_id: subnets[0],
    subnet_ids: subnets,
    port_id: port.id,
    tenant_id: router.project_id,
    project_id: router.project_id,
    network_id: port.network_id,
    tags: [],
  };
}

export function deleteRouter(state: RegionState, auth: AuthContext, id: string): void {
  const router = getRouter(state, auth, id);
  if (interfacePorts(state, id).length > 0) throw nError(409, 'RouterInUse', `Router ${id} still has ports`);
  setGateway(state, auth, router, null);
  state.routers.delete(id);
}
