import { crud } from '../../resource.js';
import type { SecurityGroupRule, SecurityGroupRuleCreateOpts, SecurityGroupRuleUpdateOpts } from './types.js';

/** Neutron `/v2.0/security-group-rules`. */
export const securityGroupRulesApi = crud<SecurityGroupRule, SecurityGroupRuleCreateOpts, SecurityGroupRuleUpdateOpts>({
  path: '/security-group-rules',
  one: 'security_group_rule',
  many: 'security_group_rules',
  pagination: 'links',
});
export const { list, get, create, update, remove } = securityGroupRulesApi;
