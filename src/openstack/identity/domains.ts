import { collect, paginate } from '../pagination.js';
import type { ServiceClient } from '../service-client.js';

export interface Domain {
  id: string;
  name: string;
  enabled?: boolean;
}

/** GET /v3/domains?name= (admin: identity:list_domains). */
export function list(sc: ServiceClient, filter: { name?: string } = {}, signal?: AbortSignal): Promise<Domain[]> {
  return collect(
    paginate<Domain>(sc, '/domains', {
      key: 'domains',
      strategy: 'none',
      query: filter,
      ...(signal ? { signal } : {}),
    }),
  );
}
