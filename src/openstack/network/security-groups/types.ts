import type { StandardAttrs } from '../common.js';
import type { SecurityGroupRule } from '../security-group-rules/types.js';

export interface SecurityGroup extends StandardAttrs {
  security_group_rules?: SecurityGroupRule[];
  /** @since neutron extension stateful-security-group */
  stateful?: boolean;
}

export interface SecurityGroupCreateOpts {
  name: string;
  description?: string;
  stateful?: boolean;
}
export type SecurityGroupUpdateOpts = Partial<SecurityGroupCreateOpts>;
