import { crud } from '../../resource.js';
import type { SecurityGroup, SecurityGroupCreateOpts, SecurityGroupUpdateOpts } from './types.js';

/** Neutron `/v2.0/security-groups`. */
export const securityGroupsApi = crud<SecurityGroup, SecurityGroupCreateOpts, SecurityGroupUpdateOpts>({
  path: '/security-groups',
  one: 'security_group',
  many: 'security_groups',
  pagination: 'links',
});
export const { list, get, create, update, remove } = securityGroupsApi;
