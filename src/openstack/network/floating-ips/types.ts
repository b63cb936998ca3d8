import type { StandardAttrs } from '../common.js';

export interface FloatingIp extends StandardAttrs {
  floating_network_id: string;
  floating_ip_address?: string;
  fixed_ip_address?: string | null;
  port_id?: string | null;
  router_id?: string | null;
  status?: string;
  dns_name?: string;
  dns_domain?: string;
}

export interface FloatingIpCreateOpts {
  floating_network_id: string;
  floating_ip_address?: string;
  subnet_id?: string;
  port_id?: string;
  fixed_ip_address?: string;
  description?: string;
}
export interface FloatingIpUpdateOpts {
  port_id?: string | null;
  fixed_ip_address?: string;
  description?: string;
}
