/**
 * Lookups from one listing per collection (issue #18). A writer's `find` asks the target, per entry, for the objects
 * carrying the entry's marker or name: a dry run of a 10k-entry plan sent 10k list requests or more. With
 * `listedLookups`, the writers' list requests on Neutron's collections that a listing of the target project can
 * answer are answered from that listing, read once per collection (all its pages) and filtered here as Neutron
 * filters; any other GET list is answered once per identical query. Nothing else changes: the writers do not know.
 *
 * Only for reads whose answer cannot have changed since the listing: the dry run (no writes), and the first lookup of
 * an entry in an apply (an entry's own object is made only by that entry; see applyPlan for the exceptions).
 */
import type { WriteContext } from '../kinds/kind.js';
import type { Cloud } from '../openstack/cloud.js';
import { paginate } from '../openstack/pagination.js';
import type { ApiResponse, Query, RequestOptions, ServiceClient } from '../openstack/service-client.js';

/** Items per page of a listing, as export reads them: a 10k-object collection is 10 requests. */
export const LISTING_PAGE_SIZE = 1000;

/** Neutron collections listed whole, by path: their envelope key. */
const NEUTRON_COLLECTIONS: ReadonlyMap<string, string> = new Map([
  ['/networks', 'networks'],
  ['/subnets', 'subnets'],
  ['/ports', 'ports'],
  ['/security-groups', 'security_groups'],
  ['/security-group-rules', 'security_group_rules'],
  ['/routers', 'routers'],
  ['/floatingips', 'floatingips'],
]);

/** Filters evaluated here as Neutron does: equality on the field, and `tags` (every tag listed). */
const EQUALITY_FILTERS = new Set([
  'name',
  'project_id',
  'tenant_id',
  'network_id',
  'security_group_id',
  'device_id',
  'device_owner',
  'status',
]);

/**
 * The filters that keep an answer inside the target project, so that a listing of the project holds every match:
 * the project itself, or a marker (Bascule marks only what it makes in the target project), or the security group
 * (a group's rules are its project's), or the device (a router's interface ports: Neutron makes them in the router's
 * project; its gateway and HA ports belong to no project and are not in the listing, and no lookup reads them). A
 * query with none of them (an external network by name, a shared network's ports) goes to the cloud as before.
 */
const SCOPING = ['project_id', 'tenant_id', 'tags', 'security_group_id', 'device_id'] as const;

/** Counts of what the lookups did, for the benchmark and the tests. */
export interface LookupStats {
  /** Collections read whole (one listing each, all its pages). */
  listed: number;
  /** Lookups answered from a listing or from an identical earlier query. */
  answered: number;
  /** Lookups sent to the cloud as they were. */
  passed: number;
}

type Scalar = string | number | boolean;

function scalarQuery(query: Query | undefined): Record<string, Scalar> | undefined {
  const out: Record<string, Scalar> = {};
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
    out[key] = value;
  }
  return out;
}

/** The filters a listing is indexed by, most selective first: a lookup reads one bucket, not the whole listing. */
const INDEXED = ['tags', 'name', 'device_id', 'security_group_id', 'network_id'] as const;

/** A collection's listing, with an index per filter built on first use. */
class Listing {
  readonly #indexes = new Map<string, Map<string, Record<string, unknown>[]>>();
  readonly items: readonly Record<string, unknown>[];
  constructor(items: readonly Record<string, unknown>[]) {
    this.items = items;
  }

  #index(field: string): Map<string, Record<string, unknown>[]> {
    let index = this.#indexes.get(field);
    if (index !== undefined) return index;
    index = new Map();
    const add = (value: string, item: Record<string, unknown>) => {
      const bucket = index!.get(value);
      if (bucket === undefined) index!.set(value, [item]);
      else bucket.push(item);
    };
    for (const item of this.items) {
      const value = item[field];
      if (field === 'tags') {
        if (Array.isArray(value)) for (const tag of new Set(value)) add(String(tag), item);
      } else if (value !== undefined && value !== null) add(String(value), item);
    }
    this.#indexes.set(field, index);
    return index;
  }

  /** The items that pass every filter, in listing order. */
  select(filters: Record<string, Scalar>): Record<string, unknown>[] {
    const field = INDEXED.find((f) => f in filters);
    let candidates: readonly Record<string, unknown>[] = this.items;
    if (field !== undefined) {
      const wanted = String(filters[field]);
      candidates = this.#index(field).get(field === 'tags' ? wanted.split(',')[0]! : wanted) ?? [];
    }
    return candidates.filter((item) => matches(item, filters));
  }
}

function matches(item: Record<string, unknown>, query: Record<string, Scalar>): boolean {
  for (const [key, wanted] of Object.entries(query)) {
    if (key === 'tags') {
      const tags = Array.isArray(item.tags) ? (item.tags as unknown[]) : [];
      for (const tag of String(wanted).split(',')) if (!tags.includes(tag)) return false;
      continue;
    }
    const value = item[key];
    if (value === undefined || value === null || String(value) !== String(wanted)) return false;
  }
  return true;
}

/** Options that change what a list answers (not the signal or the timeout): part of the cache key. */
function variant(options: RequestOptions): string {
  return JSON.stringify([options.microversion ?? null, options.headers ?? null]);
}

function answer<T>(key: string, items: unknown[]): ApiResponse<T> {
  return { status: 200, data: { [key]: items } as T, headers: {} };
}

/** A service client whose GET lists are answered as described above; every other call goes to `client`. */
function listedClient(client: ServiceClient, projectId: string, stats: LookupStats, neutron: boolean): ServiceClient {
  const listings = new Map<string, Promise<Listing>>();
  const memo = new Map<string, Promise<ApiResponse<unknown>>>();
  const listing = (path: string, key: string, options: RequestOptions): Promise<Listing> => {
    const id = `${path}\u0000${variant(options)}`;
    let found = listings.get(id);
    if (found === undefined) {
      stats.listed += 1;
      const { query: _query, ...rest } = options;
      found = (async () => {
        const out: Record<string, unknown>[] = [];
        for await (const item of paginate<Record<string, unknown>>(client, path, {
          ...rest,
          key,
          strategy: 'links',
          query: { project_id: projectId },
          pageSize: LISTING_PAGE_SIZE,
        }))
          out.push(item);
        return new Listing(out);
      })();
      // A failed listing is not kept: the next lookup tries again (and fails as the lookup would have).
      found.catch(() => listings.delete(id));
      listings.set(id, found);
    }
    return found;
  };
  const request = async <T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> => {
    if (method !== 'GET' || options.raw !== undefined || options.json !== undefined)
      return client.request<T>(method, path, options);
    const key = neutron ? NEUTRON_COLLECTIONS.get(path) : undefined;
    const query = scalarQuery(options.query);
    if (key !== undefined && query !== undefined) {
      // Paginate asks for the next page with a marker once a page came back: the listing had them all.
      if ('marker' in query) {
        const { marker: _marker, ...first } = query;
        if (answerable(first)) return answer<T>(key, []);
      } else if (answerable(query)) {
        stats.answered += 1;
        const { limit: _limit, ...filters } = query;
        const items = (await listing(path, key, options)).select(filters);
        return answer<T>(key, items);
      }
    }
    // The same list asked again (an image lookup lists the project's images for every image entry): asked once.
    const id = `${path}\u0000${JSON.stringify(options.query ?? {})}\u0000${variant(options)}`;
    let same = memo.get(id);
    if (same === undefined) {
      stats.passed += 1;
      same = client.request<unknown>(method, path, options);
      same.catch(() => memo.delete(id));
      memo.set(id, same);
    } else stats.answered += 1;
    return (await same) as ApiResponse<T>;
  };
  const answerable = (query: Record<string, Scalar>): boolean => {
    let scoped = false;
    for (const [key, value] of Object.entries(query)) {
      if (key === 'limit') continue;
      if (key !== 'tags' && !EQUALITY_FILTERS.has(key)) return false;
      if ((key === 'project_id' || key === 'tenant_id') && value !== projectId) return false;
      if ((SCOPING as readonly string[]).includes(key)) scoped = true;
    }
    return scoped;
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'request') return request;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * A copy of `target` whose cloud answers the writers' lookups from listings (see above), with the counts of what it
 * did. Use one per phase: a dry run, or an apply's first lookups.
 */
export function listedLookups(target: WriteContext): { target: WriteContext; stats: LookupStats } {
  const stats: LookupStats = { listed: 0, answered: 0, passed: 0 };
  const cloud = target.cloud;
  // The Cloud's service clients (its property names), and whether each is Neutron's.
  const neutronOf: Partial<Record<keyof Cloud, boolean>> = {
    network: true,
    compute: false,
    image: false,
    blockStorage: false,
  };
  const services: ReadonlyMap<PropertyKey, boolean> = new Map(Object.entries(neutronOf));
  const clients = new Map<PropertyKey, ServiceClient>();
  const listed = new Proxy(cloud, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      const neutron = services.get(property);
      // A client made on first use (a test's fake cloud may have only some of them).
      if (neutron !== undefined && typeof value === 'object' && value !== null) {
        let client = clients.get(property);
        if (client === undefined) {
          client = listedClient(value as ServiceClient, target.projectId, stats, neutron);
          clients.set(property, client);
        }
        return client;
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  }) as Cloud;
  return { target: { ...target, cloud: listed }, stats };
}
