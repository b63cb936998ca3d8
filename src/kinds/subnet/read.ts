/** Subnets the project owns (GET /v2.0/subnets?project_id=, paginated; shared with the port and router readers). */
import type { Subnet } from '../../openstack/network/subnets/types.js';
import type { SubnetSpec } from '../../plan/types.js';
import { markerIn } from '../markers.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { compact, compareAddresses, listOf, listProjectSubnets, tagsOf, text } from '../shared/read.js';

const IPV6_MODES = new Set(['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless']);
const mode = (value: string | null | undefined) =>
  value && IPV6_MODES.has(value) ? (value as SubnetSpec['ipv6_ra_mode']) : undefined;

export const subnetReader: KindReader<Subnet> = {
  kind: 'subnet',
  list: (ctx) => listProjectSubnets(ctx),
  identify: (subnet) => ({ id: subnet.id, name: subnet.name ?? '' }),
  toEntry(subnet): DraftEntry {
    const pools = (subnet.allocation_pools ?? [])
      .map((p) => ({ start: p.start, end: p.end }))
      .sort((a, b) => compareAddresses(a.start, b.start));
    const routes = (subnet.host_routes ?? [])
      .map((r) => ({ destination: r.destination, nexthop: r.nexthop }))
      .sort((a, b) => compareAddresses(a.destination, b.destination) || compareAddresses(a.nexthop, b.nexthop));
    const spec: SubnetSpec = compact({
      name: subnet.name ?? '',
      description: text(subnet.description),
      cidr: subnet.cidr,
      ip_version: subnet.ip_version,
      gateway_ip: subnet.gateway_ip ?? null,
      enable_dhcp: subnet.enable_dhcp,
      dns_nameservers: listOf(subnet.dns_nameservers),
      host_routes: listOf(routes),
      allocation_pools: listOf(pools),
      ipv6_ra_mode: subnet.ip_version === 6 ? mode(subnet.ipv6_ra_mode) : undefined,
      ipv6_address_mode: subnet.ip_version === 6 ? mode(subnet.ipv6_address_mode) : undefined,
      tags: tagsOf(subnet.tags),
    });
    return {
      spec: { ...spec },
      refs: compact({ network: subnet.network_id, subnet_pool: subnet.subnetpool_id ?? undefined }),
      source: compact({
        id: subnet.id,
        created_at: subnet.created_at,
        updated_at: subnet.updated_at,
        project_id: subnet.project_id ?? subnet.tenant_id,
        marker: markerIn(subnet.tags),
      }),
    };
  },
};
