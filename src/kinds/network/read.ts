/**
 * Networks the project owns (GET /v2.0/networks?project_id=, paginated). External and shared networks of other
 * projects that routers, floating IPs and ports use come in as external references, by name.
 */
import * as networks from '../../openstack/network/networks/requests.js';
import type { Network } from '../../openstack/network/networks/types.js';
import { collect } from '../../openstack/pagination.js';
import { markerIn } from '../markers.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { PAGE_SIZE, compact, errorText, listOf, ownedByProject, ownerQuery, tagsOf, text } from '../shared/read.js';

export const networkReader: KindReader<Network> = {
  kind: 'network',
  async list(ctx) {
    const all = await collect(
      networks.list(ctx.cloud.network, ownerQuery(ctx), { pageSize: PAGE_SIZE, signal: ctx.signal }),
    );
    return all.filter((n) => ownedByProject(ctx, n));
  },
  identify: (network) => ({ id: network.id, name: network.name ?? '' }),
  toEntry(network): DraftEntry {
    const shared = network.shared === true ? true : undefined;
    const spec = compact({
      name: network.name ?? '',
      description: text(network.description),
      admin_state_up: network.admin_state_up,
      shared,
      mtu: typeof network.mtu === 'number' && network.mtu >= 68 ? network.mtu : undefined,
      port_security_enabled: network.port_security_enabled,
      router_external: network['router:external'] === true ? true : undefined,
      availability_zone_hints: listOf(network.availability_zone_hints)?.sort(),
      dns_domain: text(network.dns_domain),
      tags: tagsOf(network.tags),
    });
    return {
      spec,
      refs: compact({ qos_policy: network.qos_policy_id ?? undefined }),
      source: compact({
        id: network.id,
        status: network.status,
        created_at: network.created_at,
        updated_at: network.updated_at,
        project_id: network.project_id ?? network.tenant_id,
        marker: markerIn(network.tags),
      }),
      ...(shared ? { lossy: ['shared'] } : {}),
    };
  },
  async describeExternal(id, ctx) {
    try {
      const network = await networks.get(ctx.cloud.network, id, { signal: ctx.signal });
      return {
        spec: compact({
          name: network.name ?? '',
          router_external: network['router:external'] === true ? true : undefined,
          shared: network.shared === true ? true : undefined,
        }),
        source: compact({ id: network.id, project_id: network.project_id ?? network.tenant_id }),
      };
    } catch (error) {
      ctx.warn({
        kind: 'network',
        resource: id,
        code: 'NETWORK_UNREADABLE',
        message: `network ${id} cannot be read (${errorText(error)})`,
      });
      return undefined;
    }
  },
};
