import type { StandardAttrs } from '../common.js';

export interface AllocationPool {
  start: string;
  end: string;
}
export interface HostRoute {
  destination: string;
  nexthop: string;
}

export interface Subnet extends StandardAttrs {
  network_id: string;
  ip_version: 4 | 6;
  cidr: string;
  gateway_ip?: string | null;
  enable_dhcp?: boolean;
  allocation_pools?: AllocationPool[];
  dns_nameservers?: string[];
  host_routes?: HostRoute[];
  ipv6_ra_mode?: string | null;
  ipv6_address_mode?: string | null;
  subnetpool_id?: string | null;
  service_types?: string[];
  segment_id?: string | null;
}

export interface SubnetCreateOpts {
  network_id: string;
  ip_version: 4 | 6;
  cidr?: string;
  name?: string;
  description?: string;
  gateway_ip?: string | null;
  enable_dhcp?: boolean;
  allocation_pools?: AllocationPool[];
  dns_nameservers?: string[];
  host_routes?: HostRoute[];
  ipv6_ra_mode?: string;
  ipv6_address_mode?: string;
  subnetpool_id?: string;
  prefixlen?: number;
  service_types?: string[];
}
export type SubnetUpdateOpts = Partial<
  Omit<SubnetCreateOpts, 'network_id' | 'ip_version' | 'cidr' | 'subnetpool_id' | 'prefixlen'>
>;
