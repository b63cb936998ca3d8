/** Helpers shared by the writers: Neutron find-by-marker-then-name, marking, and error wrapping. */
import { isNotFound } from '../../openstack/errors.js';
import { addTag, replaceTags } from '../../openstack/network/common.js';
import type { StandardAttrs } from '../../openstack/network/common.js';
import { collect } from '../../openstack/pagination.js';
import type { Query } from '../../openstack/service-client.js';
import { BasculeError } from '../../shared/errors.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
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

/**
 * Creates a Neutron object carrying the entry's marker and user tags: in the create body when Neutron takes them
 * there (`tag-creation`), else one tag call each right after the create (a failure there is WRITE_INCOMPLETE: the
 * object exists, its create stays in doubt and the next run adopts it). `what` names it in messages.
 */
export async function createTagged<T extends { id: string; tags?: string[] }, B extends { tags?: string[] }>(
  ctx: WriteContext,
  r: ResolvedEntry,
  collection: string,
  what: string,
  body: B,
  create: (body: B) => Promise<T>,
): Promise<T> {
  const tags = (r.entry.spec as { tags?: string[] }).tags;
  const atCreate = tagsAtCreate(ctx);
  if (atCreate) body.tags = tagsWithMarker(tags, r.marker);
  const created = await create(body);
  if (!atCreate) {
    await tagAfterCreate(ctx, collection, created.id, r.marker, what);
    for (const tag of tags ?? []) await tagAfterCreate(ctx, collection, created.id, tag, what);
    created.tags = tagsWithMarker(tags, r.marker);
  }
  return created;
}

/**
 * The marking, reading and removing part of the writer of a Neutron object whose tags carry the marker: `mark`
 * tags it, `get` answers undefined for a 404, `remove` counts a 404 as done.
 */
export function neutronTagged<T extends { id: string; tags?: string[] }>(
  collection: string,
  what: string,
  api: { get(ctx: WriteContext, id: string): Promise<T>; remove(ctx: WriteContext, id: string): Promise<void> },
): Pick<KindWriter<T>, 'mark' | 'get' | 'hasMarker' | 'remove' | 'idOf'> {
  return {
    async mark(ctx, wire, marker) {
      await tagAfterCreate(ctx, collection, wire.id, marker, what);
      return { ...wire, tags: [...(wire.tags ?? []), marker] };
    },
    get: (ctx, id) => getOrUndefined(() => api.get(ctx, id)),
    hasMarker: (wire, marker) => (wire.tags ?? []).includes(marker),
    remove: (ctx, id) => removeIgnoringMissing(() => api.remove(ctx, id)),
    idOf: (wire) => wire.id,
  };
}

/**
 * The common update of a Neutron object: plain fields in one PUT, tags replaced (the user's plus the marker, kept
 * when the object carried it).
 */
export async function updateNeutron<T extends { id: string; tags?: string[] }>(
  ctx: WriteContext,
  current: T,
  r: ResolvedEntry,
  fields: readonly string[],
  collection: string,
  plain: readonly string[],
  put: (body: Record<string, unknown>) => Promise<T>,
): Promise<T> {
  const spec = r.entry.spec as unknown as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const field of fields) if (plain.includes(field)) body[field] = spec[field] ?? null;
  let result = current;
  if (Object.keys(body).length > 0) result = await put(body);
  if (fields.includes('tags')) {
    const keep = (current.tags ?? []).filter((t) => t === r.marker);
    const tags = [...new Set([...((spec.tags as string[] | undefined) ?? []), ...keep])];
    await replaceTags(ctx.cloud.network, collection, current.id, tags, ctx.signal);
    result = { ...result, tags };
  }
  return result;
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
