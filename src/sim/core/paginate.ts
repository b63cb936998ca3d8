import type { Obj } from './json.js';

export interface Page<T> {
  items: T[];
  /** True when the page is full: Nova, Cinder and Glance then always offer a next link. */
  isFull: boolean;
  /** True when more items follow the page (Neutron only links to a next page that exists). */
  hasMore: boolean;
}

/**
 * Cuts a page after `marker` (an id). `limit` is capped by `maxLimit`. Returns undefined when the
 * marker is not among the items (each service answers that with its own error).
 */
export function pageAfter<T extends Obj>(
  items: T[],
  marker: string | undefined,
  limit: number | undefined,
  maxLimit: number | undefined,
): Page<T> | undefined {
  let start = 0;
  if (marker !== undefined) {
    const idx = items.findIndex((i) => i.id === marker);
    if (idx < 0) return undefined;
    start = idx + 1;
  }
  const cap = limit === undefined ? maxLimit : maxLimit === undefined ? limit : Math.min(limit, maxLimit);
  const end = cap === undefined ? items.length : start + cap;
  const page = items.slice(start, end);
  return { items: page, isFull: cap !== undefined && page.length === cap && cap > 0, hasMore: end < items.length };
}

/** Parses a `limit` query value: a non-negative integer, or undefined; NaN when malformed. */
export function parseLimit(value: string | null): number | undefined {
  if (value === null) return undefined;
  return /^\d+$/.test(value) ? Number(value) : Number.NaN;
}

/** The query string of `query` with `marker` replaced (for next links). */
export function withMarker(query: URLSearchParams, marker: string, limit?: number): string {
  const q = new URLSearchParams(query);
  q.set('marker', marker);
  if (limit !== undefined && !q.has('limit')) q.set('limit', String(limit));
  return q.toString();
}
