import type { PaginateOptions } from './pagination.js';
import { paginate } from './pagination.js';
import type { Query, RequestOptions, ServiceClient } from './service-client.js';

/**
 * A REST collection described by data (openstacksdk's declarative Resource, without the magic):
 * its path, its envelope keys and how it pages. `crud()` turns it into the usual verbs; resource
 * modules add their own actions beside them.
 */
export interface ResourceDef {
  /** Path of the collection below the versioned base: `/networks`. */
  path: string;
  /** Path used to list with details when it differs: `/servers/detail`. */
  listPath?: string;
  /** Envelope keys: `{ network: {...} }` and `{ networks: [...] }`. */
  one: string;
  many: string;
  pagination: PaginateOptions['strategy'];
  /** Microversion range the module understands (Nova, Cinder). */
  microversion?: { max: string; min?: string };
  /** Statuses accepted on create; default 200/201/202. */
  createStatus?: readonly number[];
  /** HTTP method for updates: PUT (Neutron, Nova, Cinder) or PATCH (Glance). */
  updateMethod?: 'PUT' | 'PATCH';
}

export type CallOptions = Pick<RequestOptions, 'signal' | 'microversion' | 'headers'>;

export interface Crud<T, C, U> {
  def: ResourceDef;
  list(
    sc: ServiceClient,
    query?: Query,
    options?: CallOptions & { pageSize?: number },
  ): AsyncGenerator<T, void, undefined>;
  get(sc: ServiceClient, id: string, options?: CallOptions): Promise<T>;
  create(sc: ServiceClient, body: C, options?: CallOptions): Promise<T>;
  update(sc: ServiceClient, id: string, body: U, options?: CallOptions): Promise<T>;
  remove(sc: ServiceClient, id: string, options?: CallOptions): Promise<void>;
}

function withDefaults(def: ResourceDef, options: CallOptions | undefined): RequestOptions {
  const out: RequestOptions = { ...options };
  if (!out.microversion && def.microversion) out.microversion = def.microversion;
  return out;
}

export function crud<T, C = Partial<T>, U = Partial<T>>(def: ResourceDef): Crud<T, C, U> {
  return {
    def,
    list(sc, query, options = {}) {
      const { pageSize, ...rest } = options;
      return paginate<T>(sc, def.listPath ?? def.path, {
        ...withDefaults(def, rest),
        key: def.many,
        strategy: def.pagination,
        ...(query ? { query } : {}),
        ...(pageSize !== undefined ? { pageSize } : {}),
      });
    },
    async get(sc, id, options) {
      const data = await sc.get<Record<string, T>>(`${def.path}/${encodeURIComponent(id)}`, withDefaults(def, options));
      return unwrap<T>(data, def.one);
    },
    async create(sc, body, options) {
      const response = await sc.request<Record<string, T>>('POST', def.path, {
        ...withDefaults(def, options),
        json: { [def.one]: body },
        okStatus: def.createStatus ?? [200, 201, 202],
      });
      return unwrap<T>(response.data, def.one);
    },
    async update(sc, id, body, options) {
      const response = await sc.request<Record<string, T>>(
        def.updateMethod ?? 'PUT',
        `${def.path}/${encodeURIComponent(id)}`,
        {
          ...withDefaults(def, options),
          json: { [def.one]: body },
        },
      );
      return unwrap<T>(response.data, def.one);
    },
    async remove(sc, id, options) {
      await sc.request('DELETE', `${def.path}/${encodeURIComponent(id)}`, {
        ...withDefaults(def, options),
        okStatus: [200, 202, 204],
      });
    },
  };
}

export function unwrap<T>(data: Record<string, T> | undefined, key: string): T {
  const value = data?.[key];
  if (value === undefined) return data as unknown as T;
  return value;
}
