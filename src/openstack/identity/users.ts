import { collect, paginate } from '../pagination.js';
import type { ServiceClient } from '../service-client.js';

/** A Keystone user as listed (never with a password: Keystone does not return it). */
export interface User {
  id: string;
  name: string;
  domain_id: string;
  enabled?: boolean;
}

/** GET /v3/users?name=&domain_id= (admin: identity:list_users). */
export function list(
  sc: ServiceClient,
  filter: { name?: string; domain_id?: string } = {},
  signal?: AbortSignal,
): Promise<User[]> {
  return collect(
    paginate<User>(sc, '/users', { key: 'users', strategy: 'none', query: filter, ...(signal ? { signal } : {}) }),
  );
}
