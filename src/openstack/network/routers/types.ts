import type { StandardAttrs } from '../common.js';
import type { HostRoute } from '../subnets/types.js';

export interface ExternalGatewayInfo {
  network_id: string;
  enable_snat?: boolean;
  external_fixed_ips?: { subnet_id?: string; ip_address?: string }[];
}

export interface Router extends StandardAttrs {
  status?: string;
  admin_state_up?: boolean;
  external_gateway_info?: ExternalGatewayInfo | null;
  routes?: HostRoute[];
  distributed?: boolean;
  ha?: boolean;
  availability_zone_hints?: string[];
  availability_zones?: string[];
  flavor_id?: string | null;
}

export interface RouterCreateOpts {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  external_gateway_info?: ExternalGatewayInfo;
  availability_zone_hints?: string[];
}
export interface RouterUpdateOpts extends Partial<RouterCreateOpts> {
  routes?: HostRoute[];
  external_gateway_info?: ExternalGatewayInfo;
}

export interface RouterInterfaceInfo {
  id: string;
  subnet_id: string;
  subnet_ids?: string[];
  port_id: string;
  network_id?: string;
}
