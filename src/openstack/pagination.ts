import { BasculeError } from '../shared/errors.js';
import type { Query, RequestOptions, ServiceClient } from './service-client.js';

export interface PaginateOptions extends Omit<RequestOptions, 'query' | 'json' | 'raw'> {
  /** The envelope key of the collection: `networks`, `servers`, `images`...; `''`: the answer is the list (Swift). */
  key: string;
  query?: Query;
  /** Page size sent as `limit`; undefined lets the server choose. */
  pageSize?: number;
  /**
   * How the next page is found. `links`: `<key>_links[rel=next]` (Nova, Neutron, Cinder) or `next`
   * (Glance); `marker`: the id of the last item while a page is full; `none`: a single request.
   */
  strategy?: 'links' | 'marker' | 'none';
  /** The field used as marker with the `marker` strategy (default `id`). */
  markerField?: string;
}

interface Link {
  rel?: string;
  href?: string;
}

/** The query parameters of a next link, applied to our own endpoint (next links may name an internal host). */
function nextQuery(page: Record<string, unknown>, key: string): URLSearchParams | undefined {
  const links = page[`${key}_links`];
  let href: string | undefined;
  if (Array.isArray(links)) href = (links as Link[]).find((l) => l.rel === 'next')?.href;
  if (!href && typeof page.next === 'string') href = page.next;
  // Designate: {"zones": [...], "links": {"self": ..., "next": ...}}
  const designate = page.links as { next?: unknown } | undefined;
  if (!href && designate && typeof designate === 'object' && typeof designate.next === 'string') href = designate.next;
  if (!href) return undefined;
  const q = href.indexOf('?');
  return new URLSearchParams(q >= 0 ? href.slice(q + 1) : '');
}

/**
 * Reads a collection page by page as an async iterator (gophercloud's pager, smithy's paginator).
 * Stops with an error if the server hands back the same marker twice, rather than looping forever.
 */
export async function* paginate<T>(
  client: ServiceClient,
  path: string,
  options: PaginateOptions,
): AsyncGenerator<T, void, undefined> {
  const { key, strategy = 'links', markerField = 'id', pageSize } = options;
  const base: Query = { ...options.query };
  if (pageSize !== undefined && strategy !== 'none') base.limit = pageSize;
  let query: Query = base;
  const seenMarkers = new Set<string>();
  for (let page = 0; ; page++) {
    const { query: _q, key: _k, strategy: _s, pageSize: _p, markerField: _m, ...rest } = options;
    const response = await client.request<Record<string, unknown>>('GET', path, { ...rest, query });
    const body = response.data ?? {};
    // A bare list may come back as 204 with no body (an empty Swift listing).
    const items = key === '' ? ((response.data as unknown) ?? []) : body[key];
    if (!Array.isArray(items)) {
      throw new BasculeError(
        'OS_BAD_RESPONSE',
        `${client.service}: GET ${path}: the answer has no ${key === '' ? 'list' : `\`${key}\` list`}`,
      );
    }
    for (const item of items as T[]) yield item;
    if (strategy === 'none' || items.length === 0) return;
    let marker: string | undefined;
    let next: Query | undefined;
    if (strategy === 'links') {
      const params = nextQuery(body, key);
      if (!params) return;
      next = {};
      for (const [k, v] of params) {
        const existing = next[k];
        next[k] = existing === undefined ? v : [...(Array.isArray(existing) ? existing : [String(existing)]), v];
      }
      marker = params.get('marker') ?? params.toString();
    } else {
      if (pageSize !== undefined && items.length < pageSize) return;
      const last = items[items.length - 1] as Record<string, unknown>;
      marker = String(last[markerField]);
      next = { ...base, marker };
    }
    if (seenMarkers.has(marker)) {
      throw new BasculeError(
        'OS_PAGINATION_LOOP',
        `${client.service}: GET ${path}: the server returned the same page marker twice (${marker}); stopping instead of looping`,
      );
    }
    seenMarkers.add(marker);
    query = next;
  }
}

/** Collects a paginated collection into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
