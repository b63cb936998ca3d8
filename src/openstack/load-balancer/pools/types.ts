import type { IdRef, OctaviaAttrs } from '../types.js';

export interface SessionPersistence {
  type: string;
  cookie_name?: string | null;
  /** UDP pools only. */
  persistence_timeout?: number | null;
  persistence_granularity?: string | null;
}

export interface Pool extends OctaviaAttrs {
  protocol: string;
  lb_algorithm: string;
  session_persistence?: SessionPersistence | null;
  healthmonitor_id?: string | null;
  listeners?: IdRef[];
  loadbalancers?: IdRef[];
  members?: IdRef[];
  /** @since load-balancer 2.8 */
  tls_enabled?: boolean;
  tls_container_ref?: string | null;
  ca_tls_container_ref?: string | null;
}

export interface PoolCreateOpts {
  protocol: string;
  lb_algorithm: string;
  loadbalancer_id?: string;
  listener_id?: string;
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  session_persistence?: SessionPersistence | null;
  tags?: string[];
}

export type PoolUpdateOpts = Partial<Omit<PoolCreateOpts, 'protocol' | 'loadbalancer_id' | 'listener_id'>>;
