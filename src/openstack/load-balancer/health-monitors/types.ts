import type { IdRef, OctaviaAttrs } from '../types.js';

export interface HealthMonitor extends OctaviaAttrs {
  type: string;
  delay: number;
  timeout: number;
  max_retries: number;
  max_retries_down?: number;
  http_method?: string | null;
  url_path?: string | null;
  expected_codes?: string | null;
  /** @since load-balancer 2.10 */
  http_version?: number | null;
  domain_name?: string | null;
  pools?: IdRef[];
}

export interface HealthMonitorCreateOpts {
  pool_id: string;
  type: string;
  delay: number;
  timeout: number;
  max_retries: number;
  max_retries_down?: number;
  http_method?: string;
  url_path?: string;
  expected_codes?: string;
  http_version?: number;
  domain_name?: string;
  name?: string;
  admin_state_up?: boolean;
  tags?: string[];
}

export type HealthMonitorUpdateOpts = Partial<Omit<HealthMonitorCreateOpts, 'pool_id' | 'type'>>;
