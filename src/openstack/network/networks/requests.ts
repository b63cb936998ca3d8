import { crud } from '../../resource.js';
import type { Network, NetworkCreateOpts, NetworkUpdateOpts } from './types.js';

/** Neutron `/v2.0/networks`. */
export const networksApi = crud<Network, NetworkCreateOpts, NetworkUpdateOpts>({
  path: '/networks',
  one: 'network',
  many: 'networks',
  pagination: 'links',
});
export const { list, get, create, update, remove } = networksApi;
