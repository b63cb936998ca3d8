import { crud } from '../../resource.js';
import type { FloatingIp, FloatingIpCreateOpts, FloatingIpUpdateOpts } from './types.js';

/** Neutron `/v2.0/floatingips`. */
export const floatingIpsApi = crud<FloatingIp, FloatingIpCreateOpts, FloatingIpUpdateOpts>({
  path: '/floatingips',
  one: 'floatingip',
  many: 'floatingips',
  pagination: 'links',
});
export const { list, get, create, update, remove } = floatingIpsApi;
