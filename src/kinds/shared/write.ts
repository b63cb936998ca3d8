/** Helpers shared by the writers: Neutron find-by-marker-then-name, marking, and error wrapping. */
import { isNotFound } from '../../openstack/errors.js';
import { addTag } from '../../openstack/network/common.js';
import type { StandardAttrs } from '../../openstack/network/common.js';
import { collect } from '../../openstack/pagination.js';
import type { Query } from '../../openstack/service-client.js';
import { BasculeError } from '../../shared/errors.js';
import type { ResolvedEntry, WriteContext } from '../kind.js';
import { userTags } from '../markers.js';

/** Neutron accepts `tags` in a create body (else: create, then tag). */
export function tagsAtCreate(ctx: WriteContext): boolean {
  return ctx.extensions.has('tag-creation');
}

export function sig(ctx: WriteContext): { signal: AbortSignal } | Record<string, never> {
  return ctx.signal ? { signal: ctx.signal } : {};
}

/** The user's tags of an entry plus its marker. */
export function tagsWithMarker(tags: readonly string[] | undefined, marker: string): string[] {
  return [...userTags(tags), marker];
}

type Lister<T> = (query: Query) => AsyncIterable<T>;

/**
 * Candidates for an entry among Neutron objects: those carrying its marker (tags filter), else those with its
 * exact name in the target project (optionally narrowed by `filter`). The list filters are repeated client-side,
 * so a server that ignores one cannot widen the result.
 */
export async function neutronFind<T extends StandardAttrs>(
  ctx: WriteContext,
  r: ResolvedEntry,
  list: Lister<T>,
  extra: Query = {},
  filter: (item: T) => boolean = () => true,
): Promise<T[]> {
  const marked = (await collect(list({ ...extra, tags: r.marker }))).filter(
    (i) => (i.tags ?? []).includes(r.marker) && filter(i),
  );
  if (marked.length > 0) return marked;
  const name = (r.entry.spec as { name?: string }).name;
  if (name === undefined || name === '') return [];
  const project = ctx.projectId;
  return (await collect(list({ ...extra, name, project_id: project }))).filter(
    (i) => i.name === name && (i.project_id ?? i.tenant_id ?? project) === project && filter(i),
  );
}

/** Tags a Neutron object just created (when tags could not go in the create body). */
export async function tagAfterCreate(
  ctx: WriteContext,
  collection: string,
  id: string,
  marker: string,
  what: string,
): Promise<void> {
  try {
    await addTag(ctx.cloud.network, collection, id, marker, ctx.signal);
  } catch (error) {
    throw incomplete(`${what} ${id} was created but could not be marked`, error);
  }
}

/** A step after a successful create failed: the object exists (the journal keeps the create in doubt). */
export function incomplete(message: string, cause: unknown): BasculeError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new BasculeError('WRITE_INCOMPLETE', `${message}${detail}`, { cause });
}

/** A GET that answers undefined for 404. */
export async function getOrUndefined<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** A DELETE that treats 404 as done. */
export async function removeIgnoringMissing(remove: () => Promise<void>): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Copies the defined fields of `spec` named in `fields` (undefined and null-for-optional left out). */
export function pick(spec: object, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = (spec as Record<string, unknown>)[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

export function refId(r: ResolvedEntry, name: string): string | undefined {
  const value = r.refs[name];
  return typeof value === 'string' ? value : undefined;
}

export function refIds(r: ResolvedEntry, name: string): string[] {
  const value = r.refs[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}
