import type { IdRef, OctaviaAttrs } from '../types.js';

export interface LoadBalancer extends OctaviaAttrs {
  vip_address?: string;
  vip_subnet_id?: string | null;
  vip_network_id?: string | null;
  vip_port_id?: string | null;
  /** @since load-balancer 2.0 (Queens) */
  vip_qos_policy_id?: string | null;
  provider?: string;
  /** @since load-balancer 2.6 */
  flavor_id?: string | null;
  /** @since load-balancer 2.14 */
  availability_zone?: string | null;
  listeners?: IdRef[];
  pools?: IdRef[];
}

export interface LoadBalancerCreateOpts {
  name?: string;
  description?: string;
  vip_subnet_id?: string;
  vip_network_id?: string;
  vip_address?: string;
  admin_state_up?: boolean;
  provider?: string;
  flavor_id?: string;
  availability_zone?: string;
  tags?: string[];
}

export interface LoadBalancerUpdateOpts {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  tags?: string[];
}
