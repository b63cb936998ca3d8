import type { OctaviaAttrs } from '../types.js';

export interface Member extends OctaviaAttrs {
  address: string;
  protocol_port: number;
  weight?: number;
  subnet_id?: string | null;
  monitor_address?: string | null;
  monitor_port?: number | null;
  /** @since load-balancer 2.1 */
  backup?: boolean;
  /** Set by Octavia on reads of a member (not in every release's body). */
  pool_id?: string;
}

export interface MemberCreateOpts {
  address: string;
  protocol_port: number;
  name?: string;
  weight?: number;
  subnet_id?: string;
  monitor_address?: string;
  monitor_port?: number;
  backup?: boolean;
  admin_state_up?: boolean;
  tags?: string[];
}

export type MemberUpdateOpts = Partial<Omit<MemberCreateOpts, 'address' | 'protocol_port' | 'subnet_id'>>;
