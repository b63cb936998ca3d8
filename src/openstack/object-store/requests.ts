/**
 * Swift (object-store) `/v1/AUTH_<project>`: the account, its containers and their objects. The catalog URL already
 * names the account, so paths here are `/<container>` and `/<container>/<object>`. Listings are bare JSON arrays
 * paged by marker (the name of the last row); bytes go both ways as streams through the service client, never whole
 * in memory. Static large objects (SLO) are written with `?multipart-manifest=put` and read back as their manifest
 * with `?multipart-manifest=get`; dynamic ones (DLO) are a zero-byte object with `X-Object-Manifest`.
 */
import type { Readable } from 'node:stream';
import { paginate } from '../pagination.js';
import type { CallOptions } from '../resource.js';
import type { ServiceClient, StreamResponse } from '../service-client.js';
import type {
  AccountInfo,
  ContainerInfo,
  ContainerOpts,
  ContainerSummary,
  Metadata,
  ObjectInfo,
  ObjectPutOpts,
  ObjectSummary,
  SloSegment,
  SloSegmentPut,
} from './types.js';

type Headers = Record<string, string | string[] | undefined>;

/** `/<container>` with the name escaped. */
export function containerPath(container: string): string {
  return `/${encodeURIComponent(container)}`;
}

/** `/<container>/<object>`: each part of the object name escaped, its slashes kept. */
export function objectPath(container: string, name: string): string {
  return `${containerPath(container)}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

function one(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function num(headers: Headers, name: string): number | undefined {
  const value = one(headers, name);
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** The `<prefix>*` headers as metadata (keys lower-cased, prefix removed), minus `skip`. */
function metadataOf(headers: Headers, prefix: string, skip: readonly string[] = []): Metadata {
  const out: Metadata = {};
  for (const [key, value] of Object.entries(headers)) {
    const k = key.toLowerCase();
    if (!k.startsWith(prefix) || value === undefined) continue;
    const name = k.slice(prefix.length);
    if (skip.includes(name)) continue;
    out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"(.*)"$/, '$1');

// ------------------------------------------------------------------------------------------------------ account

export async function headAccount(sc: ServiceClient, options: CallOptions = {}): Promise<AccountInfo> {
  const response = await sc.request('HEAD', '', { ...options, okStatus: [200, 204] });
  const h = response.headers;
  const info: AccountInfo = {
    containerCount: num(h, 'x-account-container-count') ?? 0,
    objectCount: num(h, 'x-account-object-count') ?? 0,
    bytesUsed: num(h, 'x-account-bytes-used') ?? 0,
    metadata: metadataOf(h, 'x-account-meta-', ['quota-bytes']),
  };
  const quota = num(h, 'x-account-meta-quota-bytes');
  if (quota !== undefined) info.quotaBytes = quota;
  return info;
}

/** The account's containers, page by page (`limit`, `marker`). */
export function listContainers(
  sc: ServiceClient,
  query: { prefix?: string } = {},
  options: CallOptions & { pageSize?: number } = {},
): AsyncGenerator<ContainerSummary, void, undefined> {
  const { pageSize, ...rest } = options;
  return paginate<ContainerSummary>(sc, '', {
    ...rest,
    key: '',
    strategy: 'marker',
    markerField: 'name',
    query: { format: 'json', ...query },
    ...(pageSize !== undefined ? { pageSize } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------- containers

const CONTAINER_QUOTAS = ['quota-bytes', 'quota-count'];

export async function headContainer(
  sc: ServiceClient,
  name: string,
  options: CallOptions = {},
): Promise<ContainerInfo> {
  const response = await sc.request('HEAD', containerPath(name), { ...options, okStatus: [200, 204] });
  const h = response.headers;
  const info: ContainerInfo = {
    name,
    objectCount: num(h, 'x-container-object-count') ?? 0,
    bytesUsed: num(h, 'x-container-bytes-used') ?? 0,
    metadata: metadataOf(h, 'x-container-meta-', CONTAINER_QUOTAS),
  };
  const set = <K extends keyof ContainerInfo>(key: K, value: ContainerInfo[K] | undefined) => {
    if (value !== undefined && value !== '') info[key] = value;
  };
  set('read', one(h, 'x-container-read'));
  set('write', one(h, 'x-container-write'));
  set('versionsLocation', one(h, 'x-versions-location'));
  set('historyLocation', one(h, 'x-history-location'));
  set('quotaBytes', num(h, 'x-container-meta-quota-bytes'));
  set('quotaCount', num(h, 'x-container-meta-quota-count'));
  set('storagePolicy', one(h, 'x-storage-policy'));
  return info;
}

/** The headers that set (or, with `null`, remove) what `opts` names. */
export function containerHeaders(opts: ContainerOpts): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: string, value: string | number | null | undefined) => {
    if (value === undefined) return;
    if (value === null) out[`x-remove-${name.replace(/^x-/, '')}`] = 'x';
    else out[name] = String(value);
  };
  for (const [key, value] of Object.entries(opts.metadata ?? {})) put(`x-container-meta-${key.toLowerCase()}`, value);
  put('x-container-read', opts.read);
  put('x-container-write', opts.write);
  put('x-versions-location', opts.versionsLocation);
  put('x-history-location', opts.historyLocation);
  put('x-container-meta-quota-bytes', opts.quotaBytes);
  put('x-container-meta-quota-count', opts.quotaCount);
  if (opts.storagePolicy) out['x-storage-policy'] = opts.storagePolicy;
  return out;
}

/** Creates the container (201), or updates the headers of an existing one (202): PUT is idempotent in Swift. */
export async function createContainer(
  sc: ServiceClient,
  name: string,
  opts: ContainerOpts = {},
  options: CallOptions = {},
): Promise<number> {
  const response = await sc.request('PUT', containerPath(name), {
    ...options,
    headers: { ...options.headers, ...containerHeaders(opts) },
    okStatus: [201, 202],
  });
  return response.status;
}

/** Sets or removes metadata, ACLs, versioning and quotas (POST; a storage policy cannot change). */
export async function updateContainer(
  sc: ServiceClient,
  name: string,
  opts: Omit<ContainerOpts, 'storagePolicy'>,
  options: CallOptions = {},
): Promise<void> {
  await sc.request('POST', containerPath(name), {
    ...options,
    headers: { ...options.headers, ...containerHeaders(opts) },
    okStatus: [204],
  });
}

/** Deletes an empty container (409 while it holds objects). */
export async function removeContainer(sc: ServiceClient, name: string, options: CallOptions = {}): Promise<void> {
  await sc.request('DELETE', containerPath(name), { ...options, okStatus: [204] });
}

/** The container's objects, page by page (`prefix`, `delimiter`: `subdir` rows). */
export function listObjects(
  sc: ServiceClient,
  container: string,
  query: { prefix?: string; delimiter?: string } = {},
  options: CallOptions & { pageSize?: number } = {},
): AsyncGenerator<ObjectSummary, void, undefined> {
  const { pageSize, ...rest } = options;
  return paginate<ObjectSummary>(sc, containerPath(container), {
    ...rest,
    key: '',
    strategy: 'marker',
    markerField: 'name',
    query: { format: 'json', ...query },
    ...(pageSize !== undefined ? { pageSize } : {}),
  });
}

// ------------------------------------------------------------------------------------------------------- objects

/** What the headers of a HEAD or GET say about an object. */
export function objectInfo(name: string, h: Headers): ObjectInfo {
  const info: ObjectInfo = {
    name,
    etag: unquote(one(h, 'etag')),
    contentLength: num(h, 'content-length') ?? 0,
    contentType: one(h, 'content-type') ?? 'application/octet-stream',
    metadata: metadataOf(h, 'x-object-meta-'),
    isSlo: (one(h, 'x-static-large-object') ?? '').toLowerCase() === 'true',
  };
  const manifest = one(h, 'x-object-manifest');
  if (manifest) info.dloManifest = manifest;
  const modified = one(h, 'last-modified');
  if (modified) info.lastModified = modified;
  const deleteAt = num(h, 'x-delete-at');
  if (deleteAt !== undefined) info.deleteAt = deleteAt;
  const disposition = one(h, 'content-disposition');
  if (disposition) info.contentDisposition = disposition;
  const encoding = one(h, 'content-encoding');
  if (encoding) info.contentEncoding = encoding;
  return info;
}

/**
 * HEAD of an object. With `manifest: true` a large object answers for its manifest (its own ETag and size), not for
 * the bytes it stands for.
 */
export async function headObject(
  sc: ServiceClient,
  container: string,
  name: string,
  options: CallOptions & { manifest?: boolean } = {},
): Promise<ObjectInfo> {
  const { manifest, ...rest } = options;
  const response = await sc.request('HEAD', objectPath(container, name), {
    ...rest,
    ...(manifest ? { query: { 'multipart-manifest': 'get' } } : {}),
    okStatus: [200, 204],
  });
  return objectInfo(name, response.headers);
}

/** The object's bytes as a stream (a large object's whole content); the caller consumes or discards the body. */
export async function downloadObject(
  sc: ServiceClient,
  container: string,
  name: string,
  options: CallOptions = {},
): Promise<{ info: ObjectInfo; response: StreamResponse }> {
  const response = await sc.stream('GET', objectPath(container, name), { ...options, unqueued: true });
  return { info: objectInfo(name, response.headers), response };
}

/** The headers an object is written with. */
export function objectHeaders(opts: ObjectPutOpts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(opts.metadata ?? {})) out[`x-object-meta-${key.toLowerCase()}`] = value;
  if (opts.etag) out.etag = opts.etag;
  if (opts.contentLength !== undefined) out['content-length'] = String(opts.contentLength);
  if (opts.dloManifest) out['x-object-manifest'] = opts.dloManifest;
  if (opts.contentDisposition) out['content-disposition'] = opts.contentDisposition;
  if (opts.contentEncoding) out['content-encoding'] = opts.contentEncoding;
  if (opts.deleteAt !== undefined) out['x-delete-at'] = String(opts.deleteAt);
  return out;
}

/**
 * Writes an object from bytes or a stream (PUT; it replaces any object of that name). With `etag`, Swift checks the
 * bytes it received against it and refuses the write (422) when they differ. Returns the ETag Swift computed.
 */
export async function uploadObject(
  sc: ServiceClient,
  container: string,
  name: string,
  body: string | Uint8Array | Readable,
  opts: ObjectPutOpts = {},
  options: CallOptions = {},
): Promise<string> {
  const response = await sc.request('PUT', objectPath(container, name), {
    ...options,
    raw: body,
    contentType: opts.contentType ?? 'application/octet-stream',
    headers: { ...options.headers, ...objectHeaders(opts) },
    okStatus: [201],
    unqueued: typeof body === 'object' && !(body instanceof Uint8Array),
  });
  return unquote(one(response.headers, 'etag'));
}

/** Writes a static large object's manifest; Swift checks each segment's ETag and size (400 when one differs). */
export async function uploadSloManifest(
  sc: ServiceClient,
  container: string,
  name: string,
  segments: readonly SloSegmentPut[],
  opts: Omit<ObjectPutOpts, 'etag' | 'dloManifest' | 'contentLength'> = {},
  options: CallOptions = {},
): Promise<string> {
  const response = await sc.request('PUT', objectPath(container, name), {
    ...options,
    query: { 'multipart-manifest': 'put' },
    raw: JSON.stringify(segments),
    contentType: opts.contentType ?? 'application/octet-stream',
    headers: { ...options.headers, ...objectHeaders(opts) },
    okStatus: [201],
  });
  return unquote(one(response.headers, 'etag'));
}

/** A static large object's manifest: its segments, in order. */
export async function getSloManifest(
  sc: ServiceClient,
  container: string,
  name: string,
  options: CallOptions = {},
): Promise<SloSegment[]> {
  const response = await sc.request<SloSegment[]>('GET', objectPath(container, name), {
    ...options,
    query: { 'multipart-manifest': 'get', format: 'json' },
  });
  return Array.isArray(response.data) ? response.data : [];
}

/** Sets the object's metadata (POST replaces every `X-Object-Meta-*` it had). */
export async function updateObjectMetadata(
  sc: ServiceClient,
  container: string,
  name: string,
  metadata: Metadata,
  options: CallOptions = {},
): Promise<void> {
  await sc.request('POST', objectPath(container, name), {
    ...options,
    headers: { ...options.headers, ...objectHeaders({ metadata }) },
    okStatus: [202],
  });
}

/**
 * Deletes an object. A static large object's manifest goes alone unless `segments: true` (`multipart-manifest=delete`
 * removes its segments too); a DLO's segments are never touched by deleting its manifest.
 */
export async function removeObject(
  sc: ServiceClient,
  container: string,
  name: string,
  options: CallOptions & { segments?: boolean } = {},
): Promise<void> {
  const { segments, ...rest } = options;
  await sc.request('DELETE', objectPath(container, name), {
    ...rest,
    ...(segments ? { query: { 'multipart-manifest': 'delete' } } : {}),
    okStatus: [200, 204],
  });
}
