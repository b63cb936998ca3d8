import type { Obj } from '../core/json.js';
import { cidrContains, formatIp, parseCidr, parseIp } from '../core/net.js';
import type { RegionState } from '../state/region.js';
import { nError } from './common.js';

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

function used(state: RegionState, subnetId: string): Set<string> {
  let set = state.allocated.get(subnetId);
  if (!set) {
    set = new Set();
    state.allocated.set(subnetId, set);
  }
  return set;
}

export function isAllocated(state: RegionState, subnetId: string, ip: string): boolean {
  return used(state, subnetId).has(ip);
}

export function release(state: RegionState, fixed: FixedIp[]): void {
  for (const f of fixed) state.allocated.get(f.subnet_id)?.delete(f.ip_address);
}

/** Reserves a specific address, with Neutron's errors when it is taken or outside the subnet. */
export function reserve(state: RegionState, subnet: Obj, ip: string): FixedIp {
  const cidr = parseCidr(String(subnet.cidr))!;
  if (!cidrContains(cidr, ip)) {
    throw nError(400, 'InvalidIpForSubnet', `IP address ${ip} is not a valid IP for the specified subnet.`);
  }
  const set = used(state, String(subnet.id));
  if (set.has(ip)) {
    throw nError(409, 'IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${String(subnet.id)}`);
  }
  set.add(ip);
  return { subnet_id: String(subnet.id), ip_address: ip };
}

/** Allocates the next free address from the subnet's pools, or undefined when the pools are exhausted. */
export function allocate(state: RegionState, subnet: Obj): FixedIp | undefined {
  const id = String(subnet.id);
  const set = used(state, id);
  const version = Number(subnet.ip_version) as 4 | 6;
  const pools = (subnet.allocation_pools as { start: string; end: string }[]).map((p) => ({
    start: parseIp(p.start)!.value,
    end: parseIp(p.end)!.value,
  }));
  const hint = state.allocationHint.get(id);
  // Two passes: from the hint to the end, then from the start (so freed addresses are reused).
  for (const from of hint === undefined ? [undefined] : [hint, undefined]) {
    for (const pool of pools) {
      let v = from !== undefined && from > pool.start ? from : pool.start;
      for (let tries = 0; v <= pool.end && tries < 100_000; v++, tries++) {
        const ip = formatIp(version, v);
        if (!set.has(ip)) {
          set.add(ip);
          state.allocationHint.set(id, v + 1n);
          return { subnet_id: id, ip_address: ip };
        }
      }
    }
  }
  return undefined;
}

/** The subnet of `network` that contains `ip`, or undefined. */
export function subnetFor(state: RegionState, network: Obj, ip: string): Obj | undefined {
  for (const sid of network.subnets as string[]) {
    const subnet = state.subnets.get(sid);
    if (subnet && cidrContains(parseCidr(String(subnet.cidr))!, ip)) return subnet;
  }
  return undefined;
}

/** IPv6 subnets whose addresses the port derives itself (SLAAC, DHCPv6 stateless): Neutron's "auto-address" subnets. */
export function isAutoAddressSubnet(subnet: Obj): boolean {
  return (
    Number(subnet.ip_version) === 6 &&
    (subnet.ipv6_address_mode === 'slaac' || subnet.ipv6_address_mode === 'dhcpv6-stateless')
  );
}

/** The EUI-64 address of `mac` on an auto-address subnet (what Neutron assigns there), reserved. */
export function eui64(state: RegionState, subnet: Obj, mac: string): FixedIp {
  const cidr = parseCidr(String(subnet.cidr))!;
  const bytes = mac.split(':').map((b) => parseInt(b, 16));
  const iid = [bytes[0]! ^ 0x02, bytes[1]!, bytes[2]!, 0xff, 0xfe, bytes[3]!, bytes[4]!, bytes[5]!].reduce(
    (acc, b) => (acc << 8n) | BigInt(b),
    0n,
  );
  const prefix = (cidr.network >> 64n) << 64n;
  const ip = formatIp(6, prefix | iid);
  used(state, String(subnet.id)).add(ip);
  return { subnet_id: String(subnet.id), ip_address: ip };
}
