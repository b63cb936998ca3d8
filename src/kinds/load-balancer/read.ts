/**
 * Load balancers of the project (Octavia GET /v2/lbaas/loadbalancers?project_id=): VIP subnet (reference), VIP
 * address (kept when the target can give it), provider and flavor (by name). The VIP's Neutron port is Octavia's:
 * it is not exported as a port (the target's Octavia makes its own).
 */
import type { LoadBalancer } from '../../openstack/load-balancer/load-balancers/types.js';
import type { LoadBalancerSpec } from '../../plan/types.js';
import type { DraftEntry, KindReader, ReadContext } from '../kind.js';
import { markerIn, userTags } from '../markers.js';
import { compact, memo, text } from '../shared/read.js';
import { projectLoadBalancers } from './octavia.js';

/** Octavia flavors by ID (names are what a plan keeps); empty when the API has none (before 2.6) or refuses. */
async function flavorNames(ctx: ReadContext): Promise<Map<string, string>> {
  return memo(ctx, 'octavia:flavors', async () => {
    try {
      const body = await ctx.cloud.loadBalancer.get<{ flavors?: { id: string; name: string }[] }>('/v2/lbaas/flavors', {
        signal: ctx.signal,
      });
      return new Map((body?.flavors ?? []).map((f) => [f.id, f.name]));
    } catch {
      return new Map<string, string>();
    }
  });
}

export type LoadBalancerWire = LoadBalancer & { flavor_name?: string };

export const loadBalancerReader: KindReader<LoadBalancerWire> = {
  kind: 'load_balancer',
  async list(ctx) {
    const all = await projectLoadBalancers(ctx);
    if (!all.some((lb) => lb.flavor_id)) return all;
    const names = await flavorNames(ctx);
    return all.map((lb) => (lb.flavor_id ? { ...lb, flavor_name: names.get(lb.flavor_id) ?? lb.flavor_id } : lb));
  },
  identify: (lb) => ({ id: lb.id, name: lb.name ?? '' }),
  toEntry(lb): DraftEntry {
    const tags = userTags(lb.tags);
    const spec: LoadBalancerSpec = compact({
      name: lb.name ?? '',
      description: text(lb.description),
      admin_state_up: lb.admin_state_up === false ? false : undefined,
      vip_address: text(lb.vip_address),
      provider: text(lb.provider),
      flavor: lb.flavor_id ? (lb.flavor_name ?? lb.flavor_id) : undefined,
      availability_zone: text(lb.availability_zone ?? undefined),
      tags: tags.length > 0 ? tags.sort() : undefined,
    });
    return {
      spec: { ...spec },
      refs: compact({ vip_subnet: lb.vip_subnet_id ?? undefined }),
      source: compact({
        id: lb.id,
        project_id: lb.project_id ?? lb.tenant_id,
        provisioning_status: lb.provisioning_status,
        operating_status: lb.operating_status,
        vip_port_id: lb.vip_port_id ?? undefined,
        vip_network_id: lb.vip_network_id ?? undefined,
        created_at: lb.created_at,
        marker: markerIn(lb.tags),
      }),
      ...(lb.vip_address ? { lossy: ['vip_address'] } : {}),
    };
  },
};
