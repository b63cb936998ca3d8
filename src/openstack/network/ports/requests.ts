import { crud } from '../../resource.js';
import type { Port, PortCreateOpts, PortUpdateOpts } from './types.js';

/** Neutron `/v2.0/ports`. */
export const portsApi = crud<Port, PortCreateOpts, PortUpdateOpts>({
  path: '/ports',
  one: 'port',
  many: 'ports',
  pagination: 'links',
});
export const { list, get, create, update, remove } = portsApi;
