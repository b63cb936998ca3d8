import type { StandardAttrs } from '../common.js';

export interface FixedIp {
  subnet_id?: string;
  ip_address?: string;
}
export interface AllowedAddressPair {
  ip_address: string;
  mac_address?: string;
}

export interface Port extends StandardAttrs {
  network_id: string;
  /** With `qos`: the port's own policy (not the one it has through its network). */
  qos_policy_id?: string | null;
  mac_address?: string;
  fixed_ips?: FixedIp[];
  device_id?: string;
  device_owner?: string;
  status?: string;
  admin_state_up?: boolean;
  security_groups?: string[];
  port_security_enabled?: boolean;
  allowed_address_pairs?: AllowedAddressPair[];
  'binding:vnic_type'?: string;
  dns_name?: string;
}

export interface PortCreateOpts {
  network_id: string;
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  mac_address?: string;
  fixed_ips?: FixedIp[];
  security_groups?: string[];
  port_security_enabled?: boolean;
  allowed_address_pairs?: AllowedAddressPair[];
  device_id?: string;
  device_owner?: string;
  'binding:vnic_type'?: string;
  dns_name?: string;
}
export type PortUpdateOpts = Partial<Omit<PortCreateOpts, 'network_id'>>;
