import type { IdRef, OctaviaAttrs } from '../types.js';

export interface L7Policy extends OctaviaAttrs {
  listener_id: string;
  action: string;
  position?: number;
  redirect_pool_id?: string | null;
  redirect_url?: string | null;
  /** @since load-balancer 2.2 */
  redirect_prefix?: string | null;
  /** @since load-balancer 2.2 */
  redirect_http_code?: number | null;
  rules?: IdRef[];
}

export interface L7PolicyCreateOpts {
  listener_id: string;
  action: string;
  position?: number;
  redirect_pool_id?: string;
  redirect_url?: string;
  redirect_prefix?: string;
  redirect_http_code?: number;
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  tags?: string[];
}

/** A create body with its rules (Octavia makes them in the same call). */
export type L7PolicyCreateBody = L7PolicyCreateOpts & { rules?: L7RuleCreateOpts[] };

export type L7PolicyUpdateOpts = Partial<Omit<L7PolicyCreateOpts, 'listener_id'>>;

export interface L7Rule {
  id: string;
  type: string;
  compare_type: string;
  value: string;
  key?: string | null;
  invert?: boolean;
  admin_state_up?: boolean;
  provisioning_status?: string;
  operating_status?: string;
  project_id?: string;
  tags?: string[];
}

export interface L7RuleCreateOpts {
  type: string;
  compare_type: string;
  value: string;
  key?: string;
  invert?: boolean;
  admin_state_up?: boolean;
  tags?: string[];
}
