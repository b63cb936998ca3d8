/**
 * Members of the project's pools (GET /v2/lbaas/pools/{id}/members): address and port, weight, backup flag. A
 * member whose address is a fixed IP of one of the project's ports (a server's NIC) refers to that port, so that on
 * the target it takes the address the port got there (through the journal: port key -> target port -> its IP).
 */
import type { Port } from '../../openstack/network/ports/types.js';
import type { MemberSpec } from '../../plan/types.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { markerIn, userTags } from '../markers.js';
import { compact, listProjectPorts } from '../shared/read.js';
import { projectMembers, type MemberWire } from '../load-balancer/octavia.js';

/** The port holding `address` (on `subnet` when given), if exactly one does. */
export function portOf(ports: readonly Port[], address: string, subnet: string | null | undefined): Port | undefined {
  const holders = ports.filter((p) =>
    (p.fixed_ips ?? []).some((ip) => ip.ip_address === address && (!subnet || ip.subnet_id === subnet)),
  );
  return holders.length === 1 ? holders[0] : undefined;
}

export const memberReader: KindReader<MemberWire> = {
  kind: 'member',
  async list(ctx) {
    const members = await projectMembers(ctx);
    if (members.length === 0) return [];
    const ports = await listProjectPorts(ctx);
    return members.map((m) => {
      const port = portOf(ports, m.address, m.subnet_id);
      return port ? { ...m, port_id: port.id } : m;
    });
  },
  identify: (m) => ({ id: m.id, name: m.name ?? '' }),
  toEntry(m): DraftEntry {
    const tags = userTags(m.tags);
    const spec: MemberSpec = compact({
      name: m.name ?? '',
      admin_state_up: m.admin_state_up === false ? false : undefined,
      address: m.address,
      protocol_port: m.protocol_port,
      weight: m.weight,
      backup: m.backup === true ? true : undefined,
      monitor_address: m.monitor_address ?? undefined,
      monitor_port: m.monitor_port ?? undefined,
      tags: tags.length > 0 ? tags.sort() : undefined,
    });
    return {
      spec: { ...spec },
      refs: compact({ pool: m.pool_id, subnet: m.subnet_id ?? undefined, port: m.port_id }),
      source: compact({
        id: m.id,
        project_id: m.project_id ?? m.tenant_id,
        provisioning_status: m.provisioning_status,
        operating_status: m.operating_status,
        marker: markerIn(m.tags),
      }),
      ...(m.port_id ? { lossy: ['address'] } : {}),
    };
  },
};
