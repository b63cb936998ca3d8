/**
 * Lookups from one listing per collection (issue #18). A writer's `find` asks the target, per entry, for the objects
 * carrying the entry's marker or name: a dry run of a 10k-entry plan sent 10k list requests or more. With
 * `listedLookups`, the writers' list requests that a listing of the target project can answer are answered from
 * that listing, read once per collection (all its pages) and filtered here as the service filters: Neutron's
 * collections, Nova's servers (by exact name), Cinder's volumes (by marker metadata or name) and the images the
 * project owns. Any other GET list is answered once per identical query. Nothing else changes: the writers do not
 * know.
 *
 * Only for reads whose answer cannot have changed since the listing: the dry run (no writes), and the first lookup of
 * an entry in an apply (an entry's own object is made only by that entry; see applyPlan for the exceptions).
 */
import type { WriteContext } from '../kinds/kind.js';
import { isMarkerTag } from '../kinds/markers.js';
import type { Cloud } from '../openstack/cloud.js';
import { SERVICE, type ServiceName } from '../openstack/auth/catalog.js';
import { paginate } from '../openstack/pagination.js';
import type { ApiResponse, Query, RequestOptions, ServiceClient } from '../openstack/service-client.js';

/** Items per page of a listing, as export reads them: a 10k-object collection is 10 requests. */
export const LISTING_PAGE_SIZE = 1000;

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
  'description',
]);

/**
 * The filters that keep an answer inside the target project, so that a listing of the project holds every match:
 * the project itself, or a marker (Bascule marks only what it makes in the target project; as a tag, or as the
 * description of a port not tagged yet), or the security group
 * (a group's rules are its project's), or the device (a router's interface ports: Neutron makes them in the router's
 * project; its gateway and HA ports belong to no project and are not in the listing, and no lookup reads them). A
 * query with none of them (an external network by name, a shared network's ports) goes to the cloud as before.
 */
const SCOPING = ['project_id', 'tenant_id', 'tags', 'security_group_id', 'device_id'] as const;

type Scalar = string | number | boolean;
type Item = Record<string, unknown>;

/** What a lookup's filters select in a listing: the index bucket to read (if any), and the test of each item. */
interface Selection {
  index?: { field: string; value: string; fold?: boolean };
  test(item: Item): boolean;
}

/** A collection listed whole: its envelope key, the query of its listing, and how a lookup's query reads it. */
interface Collection {
  key: string;
  /** The listing's own query (besides the page size): what makes it the target project's. */
  scope(projectId: string): Record<string, Scalar>;
  /** The lookup's filters (without limit and marker) as a selection; undefined: not answerable here. */
  select(filters: Record<string, Scalar>, projectId: string): Selection | undefined;
}

const neutron = (key: string): Collection => ({
  key,
  scope: (projectId) => ({ project_id: projectId }),
  select(filters, projectId) {
    let scoped = false;
    for (const [field, value] of Object.entries(filters)) {
      if (field !== 'tags' && !EQUALITY_FILTERS.has(field)) return undefined;
      if ((field === 'project_id' || field === 'tenant_id') && value !== projectId) return undefined;
      if ((SCOPING as readonly string[]).includes(field)) scoped = true;
      // A port made where tags cannot go in its create holds its marker in its description until it is tagged.
      if (field === 'description' && isMarkerTag(String(value))) scoped = true;
    }
    if (!scoped) return undefined;
    const field = INDEXED.find((f) => f in filters);
    const wanted = field === undefined ? undefined : String(filters[field]);
    return {
      ...(field !== undefined ? { index: { field, value: field === 'tags' ? wanted!.split(',')[0]! : wanted! } } : {}),
      test: (item) => matches(item, filters),
    };
  },
});

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Nova's `name` filter is a regular expression; the server writer asks for one name exactly (`^<escaped>$`). Only
 * that form is answered here, as the literal name, compared without case as Nova's MySQL does (the writer keeps the
 * exact name itself, or the server carrying its marker): a superset of what a case-sensitive database answers.
 */
function anchoredLiteral(pattern: string): string | undefined {
  const inner = /^\^(.*)\$$/s.exec(pattern)?.[1];
  if (inner === undefined) return undefined;
  const literal = inner.replace(/\\(.)/gs, '$1');
  return escapeRegex(literal) === inner ? literal : undefined;
}

/** Cinder's name filter is equality (without case, as its MySQL and the simulator compare); metadata: every pair. */
function cinderSelection(filters: Record<string, Scalar>): Selection | undefined {
  let name: string | undefined;
  let metadata: Record<string, string> | undefined;
  for (const [field, value] of Object.entries(filters)) {
    if (field === 'name') name = String(value);
    else if (field === 'metadata') {
      try {
        const parsed: unknown = JSON.parse(String(value));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
        if (!Object.values(parsed).every((v) => typeof v === 'string')) return undefined;
        metadata = parsed as Record<string, string>;
      } catch {
        return undefined;
      }
    } else return undefined;
  }
  return {
    ...(name !== undefined ? { index: { field: 'name', value: name.toLowerCase(), fold: true } } : {}),
    test(item) {
      if (name !== undefined && String(item.name ?? '').toLowerCase() !== name.toLowerCase()) return false;
      if (metadata !== undefined) {
        const have = (item.metadata ?? {}) as Record<string, unknown>;
        for (const [k, v] of Object.entries(metadata)) if (have[k] !== v) return false;
      }
      return true;
    },
  };
}

/**
 * The collections listed whole, per service (the client's service type, SERVICE's names) and path. Neutron's are listed with the
 * project as a filter; Nova's and Cinder's lists hold only the token's project (the target's) unless all_tenants is
 * asked; Glance's are the images the project owns, as the image writer asks for them.
 */
const COLLECTIONS: ReadonlyMap<ServiceName, ReadonlyMap<string, Collection>> = new Map<
  ServiceName,
  ReadonlyMap<string, Collection>
>([
  [
    SERVICE.network,
    new Map([
      ['/networks', neutron('networks')],
      ['/subnets', neutron('subnets')],
      ['/ports', neutron('ports')],
      ['/security-groups', neutron('security_groups')],
      ['/security-group-rules', neutron('security_group_rules')],
      ['/routers', neutron('routers')],
      ['/floatingips', neutron('floatingips')],
    ]),
  ],
  [
    SERVICE.compute,
    new Map([
      [
        '/servers/detail',
        {
          key: 'servers',
          scope: () => ({}),
          select(filters) {
            const keys = Object.keys(filters);
            if (keys.length !== 1 || typeof filters.name !== 'string') return undefined;
            const literal = anchoredLiteral(filters.name);
            if (literal === undefined) return undefined;
            const folded = literal.toLowerCase();
            return {
              index: { field: 'name', value: folded, fold: true },
              test: (item) => String(item.name ?? '').toLowerCase() === folded,
            };
          },
        } satisfies Collection,
      ],
    ]),
  ],
  [
    SERVICE.blockStorage,
    new Map([['/volumes/detail', { key: 'volumes', scope: () => ({}), select: cinderSelection } satisfies Collection]]),
  ],
  [
    SERVICE.image,
    new Map([
      [
        '/images',
        {
          key: 'images',
          scope: (projectId) => ({ owner: projectId }),
          select: (filters, projectId) =>
            Object.keys(filters).length === 1 && filters.owner === projectId ? { test: () => true } : undefined,
        } satisfies Collection,
      ],
    ]),
  ],
]);

/** Counts of what the lookups did, for the benchmark and the tests. */
export interface LookupStats {
  /** Collections read whole (one listing each, all its pages). */
  listed: number;
  /** Lookups answered from a listing or from an identical earlier query. */
  answered: number;
  /** Lookups sent to the cloud as they were. */
  passed: number;
}

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
  readonly #indexes = new Map<string, Map<string, Item[]>>();
  readonly items: readonly Item[];
  constructor(items: readonly Item[]) {
    this.items = items;
  }

  #index(field: string, fold: boolean): Map<string, Item[]> {
    const id = `${field}\u0000${fold}`;
    let index = this.#indexes.get(id);
    if (index !== undefined) return index;
    index = new Map();
    const add = (value: string, item: Item) => {
      const bucket = index!.get(value);
      if (bucket === undefined) index!.set(value, [item]);
      else bucket.push(item);
    };
    for (const item of this.items) {
      const value = item[field];
      if (field === 'tags') {
        if (Array.isArray(value)) for (const tag of new Set(value)) add(String(tag), item);
      } else if (value !== undefined && value !== null) add(fold ? String(value).toLowerCase() : String(value), item);
    }
    this.#indexes.set(id, index);
    return index;
  }

  /** The items selected, in listing order. */
  select(selection: Selection): Item[] {
    const { index } = selection;
    const candidates =
      index === undefined ? this.items : (this.#index(index.field, index.fold === true).get(index.value) ?? []);
    return candidates.filter((item) => selection.test(item));
  }
}

function matches(item: Item, query: Record<string, Scalar>): boolean {
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
function listedClient(
  client: ServiceClient,
  projectId: string,
  stats: LookupStats,
  collections: ReadonlyMap<string, Collection>,
): ServiceClient {
  const listings = new Map<string, Promise<Listing>>();
  const memo = new Map<string, Promise<ApiResponse<unknown>>>();
  const listing = (path: string, collection: Collection, options: RequestOptions): Promise<Listing> => {
    const id = `${path}\u0000${variant(options)}`;
    let found = listings.get(id);
    if (found === undefined) {
      stats.listed += 1;
      const { query: _query, ...rest } = options;
      found = (async () => {
        const out: Item[] = [];
        for await (const item of paginate<Item>(client, path, {
          ...rest,
          key: collection.key,
          strategy: 'links',
          query: collection.scope(projectId),
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
    const collection = collections.get(path);
    const query = scalarQuery(options.query);
    if (collection !== undefined && query !== undefined) {
      const { limit: _limit, marker, ...filters } = query;
      const selection = collection.select(filters, projectId);
      if (selection !== undefined) {
        // Paginate asks for the next page with a marker once a page came back: the listing had them all.
        if (marker !== undefined) return answer<T>(collection.key, []);
        stats.answered += 1;
        const items = (await listing(path, collection, options)).select(selection);
        return answer<T>(collection.key, items);
      }
    }
    // The same list asked again (the flavors, the server groups): asked once.
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
  const clients = new Map<PropertyKey, ServiceClient>();
  const listed = new Proxy(cloud, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      // A service client (it names its service), answered from listings when its service has collections here.
      const service =
        typeof value === 'object' && value !== null ? (value as Partial<ServiceClient>).service : undefined;
      const collections = service !== undefined ? COLLECTIONS.get(service) : undefined;
      // A client made on first use (a test's fake cloud may have only some of them).
      if (collections !== undefined && typeof value === 'object' && value !== null) {
        let client = clients.get(property);
        if (client === undefined) {
          client = listedClient(value as ServiceClient, target.projectId, stats, collections);
          clients.set(property, client);
        }
        return client;
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  }) as Cloud;
  return { target: { ...target, cloud: listed }, stats };
}
