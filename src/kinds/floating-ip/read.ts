/** Floating IPs of the project (GET /v2.0/floatingips?project_id=): external network, address (lossy), association. */
import type { FloatingIp } from '../../openstack/network/floating-ips/types.js';
import { markerIn } from '../markers.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { compact, listProjectFloatingIps, tagsOf, text } from '../shared/read.js';

export const floatingIpReader: KindReader<FloatingIp> = {
  kind: 'floating_ip',
  list: (ctx) => listProjectFloatingIps(ctx),
  identify: (fip) => ({ id: fip.id, name: '' }),
  toEntry(fip): DraftEntry {
    const port = text(fip.port_id ?? undefined);
    return {
      spec: compact({
        description: text(fip.description),
        floating_ip_address: text(fip.floating_ip_address),
        fixed_ip_address: port ? text(fip.fixed_ip_address ?? undefined) : undefined,
        tags: tagsOf(fip.tags),
      }),
      refs: compact({ floating_network: fip.floating_network_id, port }),
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
