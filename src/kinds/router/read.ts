/**
 * Routers the project owns (GET /v2.0/routers?project_id=): external gateway (network, SNAT, fixed IPs), static
 * routes and interfaces. Interfaces come from the project's port list (shared with the port reader, no request per
 * router): an interface port whose address is its subnet's gateway is an interface "by subnet" (refs.interfaces);
 * any other address means it was attached by port, so that port is exported and named in refs.interface_ports.
 */
import * as routers from '../../openstack/network/routers/requests.js';
import type { Port } from '../../openstack/network/ports/types.js';
import type { Router } from '../../openstack/network/routers/types.js';
import type { Subnet } from '../../openstack/network/subnets/types.js';
import { collect } from '../../openstack/pagination.js';
import { markerIn } from '../markers.js';
import type { DraftEntry, KindReader, ReadContext } from '../kind.js';
import {
  PAGE_SIZE,
  compact,
  compareAddresses,
  listOf,
  listProjectPorts,
  listProjectSubnets,
  ownedByProject,
  ownerQuery,
  tagsOf,
  text,
} from '../shared/read.js';

export const ROUTER_INTERFACE_OWNERS = new Set([
  'network:router_interface',
  'network:router_interface_distributed',
  'network:ha_router_replicated_interface',
]);

export interface RouterInterfaces {
  subnets: string[];
  ports: string[];
}

/** The interfaces of a router: by subnet (address = subnet gateway) or by port (any other address). */
export function routerInterfaces(
  routerId: string,
  ports: readonly Port[],
  subnets: ReadonlyMap<string, Subnet>,
): RouterInterfaces {
  const bySubnet = new Set<string>();
  const byPort = new Set<string>();
  for (const port of ports) {
    if (port.device_id !== routerId || !ROUTER_INTERFACE_OWNERS.has(port.device_owner ?? '')) continue;
    if (isPortInterface(port, subnets)) byPort.add(port.id);
    else for (const ip of port.fixed_ips ?? []) if (ip.subnet_id) bySubnet.add(ip.subnet_id);
  }
  return { subnets: [...bySubnet].sort(), ports: [...byPort].sort() };
}

/** A router interface attached by port: one of its addresses is not its subnet's gateway (or the subnet is unknown). */
export function isPortInterface(port: Port, subnets: ReadonlyMap<string, Subnet>): boolean {
  const ips = port.fixed_ips ?? [];
  return (
    ips.length === 0 ||
    ips.some((ip) => {
      const subnet = ip.subnet_id ? subnets.get(ip.subnet_id) : undefined;
      return subnet !== undefined && subnet.gateway_ip !== ip.ip_address;
    })
  );
}

export interface RouterWire {
  router: Router;
  interfaces: RouterInterfaces;
}

export async function subnetsById(ctx: ReadContext): Promise<Map<string, Subnet>> {
  return new Map((await listProjectSubnets(ctx)).map((s) => [s.id, s]));
}

export const routerReader: KindReader<RouterWire> = {
  kind: 'router',
  async list(ctx) {
    const [all, ports, subnets] = await Promise.all([
      collect(routers.list(ctx.cloud.network, ownerQuery(ctx), { pageSize: PAGE_SIZE, signal: ctx.signal })),
      listProjectPorts(ctx),
      subnetsById(ctx),
    ]);
    return all
      .filter((r) => ownedByProject(ctx, r))
      .map((router) => ({ router, interfaces: routerInterfaces(router.id, ports, subnets) }));
  },
  identify: ({ router }) => ({ id: router.id, name: router.name ?? '' }),
  toEntry({ router, interfaces }): DraftEntry {
    const gateway = router.external_gateway_info ?? undefined;
    const fixedIps = (gateway?.external_fixed_ips ?? [])
      .filter((ip) => typeof ip.ip_address === 'string')
      .map((ip) => ({ ip_address: ip.ip_address! }))
      .sort((a, b) => compareAddresses(a.ip_address, b.ip_address));
    const routes = (router.routes ?? [])
      .map((r) => ({ destination: r.destination, nexthop: r.nexthop }))
      .sort((a, b) => compareAddresses(a.destination, b.destination) || compareAddresses(a.nexthop, b.nexthop));
    const spec = compact({
      name: router.name ?? '',
      description: text(router.description),
      admin_state_up: router.admin_state_up,
      enable_snat: gateway ? gateway.enable_snat : undefined,
      external_fixed_ips: gateway ? listOf(fixedIps) : undefined,
      routes: listOf(routes),
      distributed: typeof router.distributed === 'boolean' ? router.distributed : undefined,
      ha: typeof router.ha === 'boolean' ? router.ha : undefined,
      availability_zone_hints: listOf(router.availability_zone_hints)?.sort(),
      tags: tagsOf(router.tags),
    });
    const lossy = (['external_fixed_ips', 'distributed', 'ha'] as const).filter((field) => spec[field] !== undefined);
    return {
      spec,
      refs: compact({
        external_network: gateway?.network_id,
        interfaces: listOf(interfaces.subnets),
        interface_ports: listOf(interfaces.ports),
      }),
      source: compact({
        id: router.id,
        status: router.status,
        created_at: router.created_at,
        updated_at: router.updated_at,
        project_id: router.project_id ?? router.tenant_id,
        marker: markerIn(router.tags),
      }),
      ...(lossy.length > 0 ? { lossy: [...lossy] } : {}),
    };
  },
};
