import { crud } from '../../resource.js';
import type { Subnet, SubnetCreateOpts, SubnetUpdateOpts } from './types.js';

/** Neutron `/v2.0/subnets`. */
export const subnetsApi = crud<Subnet, SubnetCreateOpts, SubnetUpdateOpts>({
  path: '/subnets',
  one: 'subnet',
  many: 'subnets',
  pagination: 'links',
});
export const { list, get, create, update, remove } = subnetsApi;
