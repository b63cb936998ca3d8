import type { IdRef, OctaviaAttrs } from '../types.js';

export interface Listener extends OctaviaAttrs {
  protocol: string;
  protocol_port: number;
  connection_limit?: number;
  default_pool_id?: string | null;
  default_tls_container_ref?: string | null;
  sni_container_refs?: string[];
  insert_headers?: Record<string, string>;
  loadbalancers?: IdRef[];
  l7policies?: IdRef[];
  /** @since load-balancer 2.1 */
  timeout_client_data?: number;
  timeout_member_connect?: number;
  timeout_member_data?: number;
  timeout_tcp_inspect?: number;
  /** @since load-balancer 2.8 */
  client_ca_tls_container_ref?: string | null;
  client_authentication?: string;
  /** @since load-balancer 2.12 */
  allowed_cidrs?: string[] | null;
  /** @since load-balancer 2.15 */
  tls_ciphers?: string | null;
  /** @since load-balancer 2.17 */
  tls_versions?: string[] | null;
}

export interface ListenerCreateOpts {
  loadbalancer_id: string;
  protocol: string;
  protocol_port: number;
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  connection_limit?: number;
  default_pool_id?: string;
  default_tls_container_ref?: string;
  sni_container_refs?: string[];
  insert_headers?: Record<string, string>;
  timeout_client_data?: number;
  timeout_member_connect?: number;
  timeout_member_data?: number;
  timeout_tcp_inspect?: number;
  allowed_cidrs?: string[];
  tags?: string[];
}

export type ListenerUpdateOpts = Partial<Omit<ListenerCreateOpts, 'loadbalancer_id' | 'protocol' | 'protocol_port'>> & {
  default_pool_id?: string | null;
};
