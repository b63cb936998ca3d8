/** Floating IPs of the project (GET /v2.0/floatingips?project_id=): external network, address (lossy), association. */
import type { FloatingIp } from '../../openstack/network/floating-ips/types.js';
import { markerIn } from '../markers.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { compact, listProjectFloatingIps, tagsOf, text } from '../shared/read.js';
import { projectLoadBalancers } from '../load-balancer/octavia.js';

/** A floating IP, with the load balancer whose VIP port it is on (Octavia's port: it follows the load balancer). */
export type FloatingIpWire = FloatingIp & { load_balancer_id?: string };

export const floatingIpReader: KindReader<FloatingIpWire> = {
  kind: 'floating_ip',
  async list(ctx) {
    const all = await listProjectFloatingIps(ctx);
    if (!all.some((f) => f.port_id)) return all;
    const vips = new Map((await projectLoadBalancers(ctx)).map((lb) => [lb.vip_port_id, lb.id]));
    return all.map((f) => {
      const lb = f.port_id ? vips.get(f.port_id) : undefined;
      return lb ? { ...f, load_balancer_id: lb } : f;
    });
  },
  identify: (fip) => ({ id: fip.id, name: '' }),
  toEntry(fip): DraftEntry {
    const lb = fip.load_balancer_id;
    const port = lb ? undefined : text(fip.port_id ?? undefined);
    return {
      spec: compact({
        description: text(fip.description),
        floating_ip_address: text(fip.floating_ip_address),
        fixed_ip_address: port ? text(fip.fixed_ip_address ?? undefined) : undefined,
        tags: tagsOf(fip.tags),
      }),
      refs: compact({ floating_network: fip.floating_network_id, port, load_balancer: lb }),
      source: compact({
        id: fip.id,
        status: fip.status,
        created_at: fip.created_at,
        updated_at: fip.updated_at,
        project_id: fip.project_id ?? fip.tenant_id,
        marker: markerIn(fip.tags),
      }),
      ...(fip.floating_ip_address ? { lossy: ['floating_ip_address'] } : {}),
    };
  },
};
