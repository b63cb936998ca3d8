import type { StandardAttrs } from '../common.js';

export interface Network extends StandardAttrs {
  admin_state_up?: boolean;
  /** With `qos`. */
  qos_policy_id?: string | null;
  status?: string;
  shared?: boolean;
  'router:external'?: boolean;
  mtu?: number;
  port_security_enabled?: boolean;
  subnets?: string[];
  availability_zone_hints?: string[];
  availability_zones?: string[];
  dns_domain?: string;
  /** Admin-only provider attributes; absent for members. */
  'provider:network_type'?: string;
  'provider:physical_network'?: string | null;
  'provider:segmentation_id'?: number | null;
  is_default?: boolean;
}

export interface NetworkCreateOpts {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  shared?: boolean;
  mtu?: number;
  port_security_enabled?: boolean;
  availability_zone_hints?: string[];
  dns_domain?: string;
}
export type NetworkUpdateOpts = Partial<NetworkCreateOpts>;
