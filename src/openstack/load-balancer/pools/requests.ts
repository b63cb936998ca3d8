import { crud } from '../../resource.js';
import type { Pool, PoolCreateOpts, PoolUpdateOpts } from './types.js';

/** Octavia `/v2/lbaas/pools`. */
export const poolsApi = crud<Pool, PoolCreateOpts, PoolUpdateOpts>({
  path: '/v2/lbaas/pools',
  one: 'pool',
  many: 'pools',
  pagination: 'links',
});
export const { list, get, create, update, remove } = poolsApi;
