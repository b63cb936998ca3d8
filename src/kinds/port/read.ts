/**
 * Ports that matter: server ports (device_owner compute:*), standalone ports (no owner), ports with allowed address
 * pairs, and router interfaces attached by port. Not DHCP ports, router gateway or subnet-gateway interface ports,
 * floating IP ports, HA or SNAT ports, or other services' ports: the target recreates those itself.
 * One paginated list (GET /v2.0/ports?project_id=), shared with the server and router readers.
 */
import type { Port } from '../../openstack/network/ports/types.js';
import { parseIp } from '../../plan/ip.js';
import type { PortSpec } from '../../plan/types.js';
import { markerIn } from '../markers.js';
import { projectLoadBalancers } from '../load-balancer/octavia.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { ROUTER_INTERFACE_OWNERS, isPortInterface, subnetsById } from '../router/read.js';
import { compact, listOf, listProjectPorts, tagsOf, text } from '../shared/read.js';

const VNIC_TYPES = new Set([
  'normal',
  'direct',
  'macvtap',
  'baremetal',
  'direct-physical',
  'virtio-forwarder',
  'smart-nic',
  'remote-managed',
  'vdpa',
]);

/**
 * Whether `ip` is the EUI-64 address of `mac`: what Neutron assigns on an auto-address (SLAAC or DHCPv6 stateless)
 * IPv6 subnet. Such an address is derived from the port's MAC, cannot be requested (Neutron refuses it with a 400),
 * and differs on the target, so the plan keeps the subnet and leaves the address out.
 */
export function isEui64Of(ip: string | undefined, mac: string | undefined): boolean {
  if (ip === undefined || mac === undefined) return false;
  const parsed = parseIp(ip);
  const bytes = mac.split(':').map((b) => parseInt(b, 16));
  if (parsed?.version !== 6 || bytes.length !== 6 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255))
    return false;
  const iid = [bytes[0]! ^ 0x02, bytes[1]!, bytes[2]!, 0xff, 0xfe, bytes[3]!, bytes[4]!, bytes[5]!].reduce(
    (acc, b) => (acc << 8n) | BigInt(b),
    0n,
  );
  return (parsed.value & 0xffff_ffff_ffff_ffffn) === iid;
}

/** Why a port is left out, or undefined when it is exported. */
export function skipReason(port: Port, isByPortInterface: boolean): string | undefined {
  const owner = port.device_owner ?? '';
  // A trunk's sub-port moves with the trunk kind (which references it).
  if (owner === '' || owner.startsWith('compute:') || owner === 'trunk:subport') return undefined;
  if (ROUTER_INTERFACE_OWNERS.has(owner)) return isByPortInterface ? undefined : 'router interface on a subnet gateway';
  if (owner.startsWith('network:')) return owner;
  if ((port.allowed_address_pairs ?? []).length > 0) return undefined;
  return `owned by another service (${owner})`;
}

export const portReader: KindReader<Port> = {
  kind: 'port',
  async list(ctx) {
    const [ports, subnets, balancers] = await Promise.all([
      listProjectPorts(ctx),
      subnetsById(ctx),
      projectLoadBalancers(ctx),
    ]);
    // The VIPs of the project's load balancers: Octavia makes them with the load balancer (the load_balancer kind).
    const vips = new Set(balancers.map((lb) => lb.vip_port_id));
    const kept: Port[] = [];
    let skipped = 0;
    for (const port of ports) {
      if (vips.has(port.id)) {
        skipped += 1;
        continue;
      }
      const owner = port.device_owner ?? '';
      const reason = skipReason(port, ROUTER_INTERFACE_OWNERS.has(owner) && isPortInterface(port, subnets));
      if (reason === undefined) kept.push(port);
      else if (reason.startsWith('owned by another service')) {
        // A load balancer's VIP, a trunk's subport, a VPN or firewall port: a service Bascule does not move yet.
        ctx.warn({
          kind: 'port',
          resource: port.name || port.id,
          code: 'UNSUPPORTED_RESOURCE',
          message: `port ${port.name || port.id} (${port.id}) is ${reason}: Bascule does not move that service's resources yet; it is not in the plan`,
        });
      } else skipped += 1;
    }
    ctx.logger.debug('ports left out (the target recreates them)', { count: skipped });
    return kept;
  },
  identify: (port) => ({ id: port.id, name: port.name ?? '' }),
  toEntry(port): DraftEntry {
    const fixed = (port.fixed_ips ?? []).filter((ip) => ip.subnet_id);
    const mac = port.mac_address?.toLowerCase();
    const pairs = (port.allowed_address_pairs ?? []).map((pair) =>
      compact({
        ip_address: pair.ip_address,
        mac_address:
          pair.mac_address && pair.mac_address.toLowerCase() !== mac ? pair.mac_address.toLowerCase() : undefined,
      }),
    );
    const vnic = port['binding:vnic_type'];
    const spec: PortSpec = compact({
      name: port.name ?? '',
      description: text(port.description),
      admin_state_up: port.admin_state_up,
      mac_address: mac,
      // An automatic (EUI-64) IPv6 address is the target's to derive: only its subnet is kept.
      fixed_ips: listOf(
        fixed.map((ip) => compact({ ip_address: isEui64Of(ip.ip_address, mac) ? undefined : ip.ip_address })),
      ),
      allowed_address_pairs: listOf(pairs),
      port_security_enabled: port.port_security_enabled,
      binding_vnic_type: vnic && VNIC_TYPES.has(vnic) ? (vnic as PortSpec['binding_vnic_type']) : undefined,
      dns_name: text(port.dns_name),
      tags: tagsOf(port.tags),
    });
    return {
      spec: { ...spec },
      refs: compact({
        network: port.network_id,
        fixed_ips: listOf(fixed.map((ip) => ip.subnet_id!)),
        security_groups: listOf(port.security_groups)?.sort(),
        qos_policy: port.qos_policy_id ?? undefined,
      }),
      source: compact({
        id: port.id,
        status: port.status,
        created_at: port.created_at,
        updated_at: port.updated_at,
        project_id: port.project_id ?? port.tenant_id,
        device_owner: text(port.device_owner),
        device_id: text(port.device_id),
        marker: markerIn(port.tags),
      }),
      ...(mac ? { lossy: ['mac_address'] } : {}),
    };
  },
};
