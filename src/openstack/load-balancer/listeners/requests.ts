import { crud } from '../../resource.js';
import type { Listener, ListenerCreateOpts, ListenerUpdateOpts } from './types.js';

/** Octavia `/v2/lbaas/listeners`. */
export const listenersApi = crud<Listener, ListenerCreateOpts, ListenerUpdateOpts>({
  path: '/v2/lbaas/listeners',
  one: 'listener',
  many: 'listeners',
  pagination: 'links',
});
export const { list, get, create, update, remove } = listenersApi;
