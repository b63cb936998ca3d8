/**
 * Swift's proxy API (`/v1/AUTH_<project>[/<container>[/<object>]]` and `/info`), as the real Zed of test/e2e/openstack
 * answers it (../shared/real-openstack-extra; the contract's object-store section runs against both):
 * - accounts are made on first use; a member works in its own project's account only (403 elsewhere);
 * - listings are JSON arrays sorted by name, paged by `marker`/`limit` (at most 10,000), with `prefix`,
 *   `delimiter` (`subdir` rows) and `end_marker`; an empty container answers `[]`;
 * - an object's ETag is the MD5 of its bytes, checked against the request's ETag (422 when they differ);
 * - a static large object (`?multipart-manifest=put`) is a manifest of segments checked for existence, ETag and
 *   size (400); its ETag is the quoted MD5 of the segments' ETags, its listing row gives the manifest's MD5 as
 *   `hash`, the total as `bytes` and `slo_etag`; `?multipart-manifest=get` gives the manifest; a delete with
 *   `?multipart-manifest=delete` removes the segments too (200 and a bulk-delete report);
 * - a dynamic large object (`X-Object-Manifest: <container>/<prefix>`) serves its segments' bytes in name order,
 *   with the quoted MD5 of their ETags;
 * - container metadata, ACLs (`X-Container-Read`/`-Write`), legacy versioning (`X-Versions-Location`: an
 *   overwritten object's old copy goes to `<3-hex length><name>/<timestamp>`; `X-History-Location` also on
 *   delete) and quotas (`X-Container-Meta-Quota-Bytes`/`-Count`: 413 past them);
 * - a container with objects cannot be deleted (409).
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { ApiError } from '../http/api-error.js';
import { authOf, type Reply, type SimRequest } from '../http/context.js';
import { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import {
  swiftOf,
  swiftTimestamp,
  type SwiftAccount,
  type SwiftContainer,
  type SwiftObject,
  type SwiftState,
} from './state.js';

const LISTING_LIMIT = 10_000;
const md5 = (data: string | Uint8Array) => createHash('md5').update(data).digest('hex');

const notFound = () => new ApiError(404, 'The resource could not be found.', 'HTTPNotFound');

function header(req: SimRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The caller's account: its own project's (or any, for an admin); made on first use. */
function accountOf(req: SimRequest, swift: SwiftState): SwiftAccount {
  const auth = authOf(req);
  const name = req.params.account!;
  if (name !== `AUTH_${auth.projectId ?? ''}` && !auth.isAdmin) {
    throw new ApiError(403, 'Access was denied to this resource.', 'HTTPForbidden');
  }
  let account = swift.accounts.get(name);
  if (!account) {
    account = { name, metadata: {}, containers: new Map(), timestamp: swiftTimestamp() };
    swift.accounts.set(name, account);
  }
  return account;
}

function containerOf(account: SwiftAccount, name: string): SwiftContainer {
  const container = account.containers.get(name);
  if (!container) throw notFound();
  return container;
}

function writable(req: SimRequest): void {
  if (authOf(req).isReaderOnly) throw new ApiError(403, 'Access was denied to this resource.', 'HTTPForbidden');
}

/** Applies `X-Container-Meta-*`, `X-Remove-Container-Meta-*`, ACLs and versioning headers. */
function applyContainerHeaders(req: SimRequest, container: SwiftContainer): void {
  for (const [key, value] of Object.entries(req.headers)) {
    const v = Array.isArray(value) ? value.join(',') : (value ?? '');
    if (key.startsWith('x-container-meta-')) {
      const name = key.slice('x-container-meta-'.length);
      if (v === '') delete container.metadata[name];
      else container.metadata[name] = v;
    } else if (key.startsWith('x-remove-container-meta-')) {
      delete container.metadata[key.slice('x-remove-container-meta-'.length)];
    }
  }
  const fields = [
    ['x-container-read', 'read'],
    ['x-container-write', 'write'],
    ['x-versions-location', 'versionsLocation'],
    ['x-history-location', 'historyLocation'],
  ] as const;
  for (const [name, field] of fields) {
    const value = header(req, name);
    if (value !== undefined) {
      if (value === '') delete container[field];
      else container[field] = value;
    }
    if (header(req, `x-remove-${name.slice(2)}`) !== undefined) delete container[field];
  }
  if (container.versionsLocation && container.historyLocation) {
    throw new ApiError(400, 'Only one of X-Versions-Location or X-History-Location may be specified', 'HTTPBadRequest');
  }
}

function usage(container: SwiftContainer): { count: number; bytes: number } {
  let bytes = 0;
  for (const o of container.objects.values()) bytes += o.size;
  return { count: container.objects.size, bytes };
}

function lastModified(o: SwiftObject): string {
  return o.lastModified.toISOString().replace('Z', '').padEnd(26, '0');
}

/** A page of a sorted listing: marker, end_marker, prefix, delimiter, limit. */
function listing<T>(req: SimRequest, names: string[], row: (name: string) => T): (T | { subdir: string })[] {
  const q = req.query;
  const limitText = q.get('limit');
  const limit = limitText === null ? LISTING_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0 || limit > LISTING_LIMIT) {
    throw new ApiError(412, `Maximum limit is ${LISTING_LIMIT}`, 'HTTPPreconditionFailed');
  }
  const marker = q.get('marker') ?? '';
  const end = q.get('end_marker');
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter');
  const out: (T | { subdir: string })[] = [];
  const seen = new Set<string>();
  for (const name of [...names].sort()) {
    if (out.length >= limit) break;
    if (marker && name <= marker) continue;
    if (end && name >= end) break;
    if (!name.startsWith(prefix)) continue;
    if (delimiter) {
      const cut = name.indexOf(delimiter, prefix.length);
      if (cut >= 0) {
        const subdir = name.slice(0, cut + delimiter.length);
        if (!seen.has(subdir) && !(marker && subdir <= marker)) {
          seen.add(subdir);
          out.push({ subdir });
        }
        continue;
      }
    }
    out.push(row(name));
  }
  return out;
}

function listReply(req: SimRequest, rows: unknown[], headers: Record<string, string>): Reply {
  const format = req.query.get('format') ?? (String(req.headers.accept ?? '').includes('json') ? 'json' : 'plain');
  if (format === 'json') return { status: 200, body: rows, headers };
  const text = rows.map(
    (r) => `${(r as { name?: string; subdir?: string }).name ?? (r as { subdir: string }).subdir}\n`,
  );
  return text.length === 0
    ? { status: 204, headers }
    : { status: 200, text: text.join(''), contentType: 'text/plain; charset=utf-8', headers };
}

function accountHeaders(account: SwiftAccount): Record<string, string> {
  let objects = 0;
  let bytes = 0;
  for (const c of account.containers.values()) {
    const u = usage(c);
    objects += u.count;
    bytes += u.bytes;
  }
  const out: Record<string, string> = {
    'x-account-container-count': String(account.containers.size),
    'x-account-object-count': String(objects),
    'x-account-bytes-used': String(bytes),
    'x-timestamp': account.timestamp.toFixed(5),
  };
  for (const [k, v] of Object.entries(account.metadata)) out[`x-account-meta-${k}`] = v;
  return out;
}

function containerHeaders(container: SwiftContainer): Record<string, string> {
  const u = usage(container);
  const out: Record<string, string> = {
    'x-container-object-count': String(u.count),
    'x-container-bytes-used': String(u.bytes),
    'x-storage-policy': 'Policy-0',
    'x-timestamp': container.timestamp.toFixed(5),
  };
  for (const [k, v] of Object.entries(container.metadata)) out[`x-container-meta-${k}`] = v;
  if (container.read) out['x-container-read'] = container.read;
  if (container.write) out['x-container-write'] = container.write;
  if (container.versionsLocation) out['x-versions-location'] = container.versionsLocation;
  if (container.historyLocation) out['x-history-location'] = container.historyLocation;
  return out;
}

/** The segments a DLO stands for: every object under its prefix, in name order (the manifest itself excluded). */
function dloSegments(account: SwiftAccount, manifest: string, self: SwiftObject): SwiftObject[] {
  const slash = manifest.indexOf('/');
  const container = account.containers.get(slash < 0 ? manifest : manifest.slice(0, slash));
  if (!container) return [];
  const prefix = slash < 0 ? '' : manifest.slice(slash + 1);
  return [...container.objects.values()]
    .filter((o) => o.name.startsWith(prefix) && o !== self)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What a GET of the object serves: its size, quoted-or-not ETag and the blobs in order. */
function content(
  account: SwiftAccount,
  o: SwiftObject,
): { size: number; etag: string; blobs: string[]; extra: Record<string, string> } {
  if (o.slo) {
    const blobs: string[] = [];
    for (const seg of o.slo) {
      const [, c, ...rest] = seg.name.split('/');
      const part = account.containers.get(c ?? '')?.objects.get(rest.join('/'));
      if (!part) throw new ApiError(409, `Object segment no longer valid: ${seg.name}`, 'HTTPConflict');
      if (part.blob) blobs.push(part.blob);
    }
    return {
      size: o.size,
      etag: `"${o.etag}"`,
      blobs,
      extra: { 'x-static-large-object': 'True', 'x-manifest-etag': o.headers['x-manifest-etag'] ?? '' },
    };
  }
  if (o.dlo !== undefined) {
    const segments = dloSegments(account, o.dlo, o);
    return {
      size: segments.reduce((n, s) => n + s.size, 0),
      etag: `"${md5(segments.map((s) => s.etag).join(''))}"`,
      blobs: segments.flatMap((s) => (s.blob ? [s.blob] : [])),
      extra: { 'x-object-manifest': o.dlo },
    };
  }
  return { size: o.size, etag: o.etag, blobs: o.blob ? [o.blob] : [], extra: {} };
}

function concat(state: RegionState, blobs: string[]): Readable {
  const out = new PassThrough();
  void (async () => {
    try {
      for (const blob of blobs) {
        for await (const chunk of state.blobs.read('objects', blob)) out.write(chunk);
      }
      out.end();
    } catch (error) {
      out.destroy(error as Error);
    }
  })();
  return out;
}

function objectHeaders(o: SwiftObject, served: { size: number; etag: string; extra: Record<string, string> }) {
  const out: Record<string, string> = {
    etag: served.etag,
    'content-length': String(served.size),
    'last-modified': o.lastModified.toUTCString(),
    'x-timestamp': o.timestamp.toFixed(5),
    'accept-ranges': 'bytes',
    ...o.headers,
    ...served.extra,
  };
  delete out['x-manifest-etag'];
  if (served.extra['x-manifest-etag']) out['x-manifest-etag'] = served.extra['x-manifest-etag'];
  for (const [k, v] of Object.entries(o.metadata)) out[`x-object-meta-${k}`] = v;
  return out;
}

async function readAll(req: SimRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req.raw) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function objectMetadata(req: SimRequest): { metadata: Record<string, string>; headers: Record<string, string> } {
  const metadata: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    const v = Array.isArray(value) ? value.join(',') : (value ?? '');
    if (key.startsWith('x-object-meta-') && v !== '') metadata[key.slice('x-object-meta-'.length)] = v;
    if (['content-disposition', 'content-encoding', 'x-delete-at'].includes(key)) headers[key] = v;
  }
  return { metadata, headers };
}

/** Legacy versioning: the object about to be replaced (or, in history mode, deleted) is copied aside first. */
function keepOldVersion(account: SwiftAccount, container: SwiftContainer, old: SwiftObject, deleting: boolean): void {
  const location = container.versionsLocation ?? (deleting ? undefined : container.historyLocation);
  const history = container.historyLocation;
  const where = location ?? (deleting ? history : undefined);
  if (!where) return;
  const target = account.containers.get(where);
  if (!target) return;
  const name = `${old.name.length.toString(16).padStart(3, '0')}${old.name}/${old.timestamp.toFixed(5)}`;
  target.objects.set(name, { ...old, name });
}

function checkQuota(container: SwiftContainer, adding: number, replacing: SwiftObject | undefined): void {
  const u = usage(container);
  const quotaBytes = container.metadata['quota-bytes'];
  const quotaCount = container.metadata['quota-count'];
  if (quotaBytes !== undefined && u.bytes - (replacing?.size ?? 0) + adding > Number(quotaBytes))
    throw new ApiError(413, 'Upload exceeds quota.', 'HTTPRequestEntityTooLarge');
  if (quotaCount !== undefined && !replacing && u.count + 1 > Number(quotaCount))
    throw new ApiError(413, 'Upload exceeds quota.', 'HTTPRequestEntityTooLarge');
}

export function swiftRouter(state: RegionState): Router {
  const r = new Router();
  const swift = swiftOf(state);
  const profile = state.profile.swift;

  r.get(
    '/info',
    () => ({
      status: 200,
      body: {
        swift: {
          version: profile?.version ?? '2.30.1',
          account_autocreate: true,
          container_listing_limit: LISTING_LIMIT,
          account_listing_limit: LISTING_LIMIT,
          max_file_size: 5368709122,
          max_object_name_length: 1024,
          max_container_name_length: 256,
          policies: [{ name: 'Policy-0', aliases: 'Policy-0', default: true }],
        },
        slo: { max_manifest_segments: 1000, max_manifest_size: 8388608, min_segment_size: 1 },
        dlo: { max_segments: 10000 },
        container_quotas: {},
        account_quotas: {},
        versioned_writes: { allowed_flags: ['x-versions-location', 'x-history-location'] },
        ...(profile?.symlink ? { symlink: { symloop_max: 2, static_links: true } } : {}),
        ...(profile?.objectVersioning ? { object_versioning: {} } : {}),
        tempurl: { methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'] },
        bulk_delete: { max_deletes_per_request: 10000, max_failed_deletes: 1000 },
      },
    }),
    { isPublic: true },
  );

  // ---------------------------------------------------------------------------------------------------- account
  r.get('/v1/{account}', (req) => {
    const account = accountOf(req, swift);
    const rows = listing(req, [...account.containers.keys()], (name) => {
      const c = account.containers.get(name)!;
      const u = usage(c);
      return { name, count: u.count, bytes: u.bytes, last_modified: new Date(c.timestamp * 1000).toISOString() };
    });
    const reply = listReply(req, rows, accountHeaders(account));
    return req.method === 'HEAD' ? { status: 204, headers: reply.headers ?? {} } : reply;
  });
  r.post('/v1/{account}', (req) => {
    writable(req);
    const account = accountOf(req, swift);
    for (const [key, value] of Object.entries(req.headers)) {
      if (key.startsWith('x-account-meta-')) account.metadata[key.slice(15)] = String(value);
      if (key.startsWith('x-remove-account-meta-')) delete account.metadata[key.slice(22)];
    }
    return { status: 204 };
  });

  // ------------------------------------------------------------------------------------------------- containers
  r.put('/v1/{account}/{container}', (req) => {
    writable(req);
    const account = accountOf(req, swift);
    const name = req.params.container!;
    if (name.length > 256) throw new ApiError(400, 'Container name length of 257 longer than 256', 'HTTPBadRequest');
    const existing = account.containers.get(name);
    const container: SwiftContainer = existing ?? {
      name,
      metadata: {},
      objects: new Map(),
      timestamp: swiftTimestamp(),
    };
    applyContainerHeaders(req, container);
    account.containers.set(name, container);
    return { status: existing ? 202 : 201, text: '', contentType: 'text/html; charset=UTF-8' };
  });
  r.post('/v1/{account}/{container}', (req) => {
    writable(req);
    const container = containerOf(accountOf(req, swift), req.params.container!);
    applyContainerHeaders(req, container);
    return { status: 204 };
  });
  r.delete('/v1/{account}/{container}', (req) => {
    writable(req);
    const account = accountOf(req, swift);
    const container = containerOf(account, req.params.container!);
    if (container.objects.size > 0)
      throw new ApiError(409, 'There was a conflict when trying to complete your request.', 'HTTPConflict');
    account.containers.delete(container.name);
    return { status: 204 };
  });
  r.get('/v1/{account}/{container}', (req) => {
    const container = containerOf(accountOf(req, swift), req.params.container!);
    let names = [...container.objects.keys()];
    let gone: Map<string, SwiftObject> | undefined;
    if (container.lag && container.lag.listings > 0 && req.method !== 'HEAD') {
      const { hidden } = container.lag;
      gone = container.lag.gone;
      names = names.filter((n) => !hidden?.has(n)).concat([...(gone?.keys() ?? [])]);
      if (--container.lag.listings === 0) delete container.lag;
    }
    const rows = listing(req, names, (name) => {
      const o = container.objects.get(name) ?? gone!.get(name)!;
      const row: Record<string, unknown> = {
        bytes: o.size,
        hash: o.slo ? (o.headers['x-manifest-etag'] ?? '') : o.etag,
        name,
        content_type: o.contentType,
        last_modified: lastModified(o),
      };
      if (o.slo) row.slo_etag = `"${o.etag}"`;
      return row;
    });
    const reply = listReply(req, rows, containerHeaders(container));
    return req.method === 'HEAD' ? { status: 204, headers: reply.headers ?? {} } : reply;
  });

  // ---------------------------------------------------------------------------------------------------- objects
  r.put(
    '/v1/{account}/{container}/{object+}',
    async (req) => {
      writable(req);
      const account = accountOf(req, swift);
      const container = account.containers.get(req.params.container!);
      if (!container) {
        req.raw.resume();
        throw notFound();
      }
      const name = req.params.object!;
      const old = container.objects.get(name);
      const { metadata, headers } = objectMetadata(req);
      const contentType = header(req, 'content-type') ?? 'application/octet-stream';
      const now = new Date();
      const base = { name, contentType, metadata, headers, lastModified: now, timestamp: swiftTimestamp() };

      if (req.query.get('multipart-manifest') === 'put') {
        const text = (await readAll(req)).toString('utf8');
        let segments: { path?: unknown; etag?: unknown; size_bytes?: unknown }[];
        try {
          segments = JSON.parse(text) as typeof segments;
          if (!Array.isArray(segments) || segments.length === 0) throw new Error('empty');
        } catch {
          throw new ApiError(400, 'Manifest must be valid JSON.', 'HTTPBadRequest');
        }
        const errors: string[] = [];
        const slo: NonNullable<SwiftObject['slo']> = [];
        for (const seg of segments) {
          const path = String(seg.path ?? '').replace(/^\/+/, '');
          const [c, ...rest] = path.split('/');
          const part = account.containers.get(c ?? '')?.objects.get(rest.join('/'));
          if (!part) {
            errors.push(`/${path}, 404 Not Found`);
            continue;
          }
          if (seg.etag !== undefined && seg.etag !== null && String(seg.etag) !== part.etag)
            errors.push(`/${path}, Etag Mismatch`);
          if (seg.size_bytes !== undefined && seg.size_bytes !== null && Number(seg.size_bytes) !== part.size)
            errors.push(`/${path}, Size Mismatch`);
          slo.push({
            name: `/${path}`,
            hash: part.etag,
            bytes: part.size,
            content_type: part.contentType,
            last_modified: lastModified(part),
          });
        }
        if (errors.length > 0) throw new ApiError(400, `Errors:\n${errors.join('\n')}`, 'HTTPBadRequest');
        const size = slo.reduce((n, s) => n + s.bytes, 0);
        checkQuota(container, size, old);
        const etag = md5(slo.map((s) => s.hash).join(''));
        const stored = JSON.stringify(slo);
        if (old) keepOldVersion(account, container, old, false);
        container.objects.set(name, {
          ...base,
          size,
          etag,
          slo,
          headers: { ...headers, 'x-manifest-etag': md5(stored) },
        });
        return { status: 201, headers: { etag: `"${etag}"` }, text: '', contentType: 'text/html; charset=UTF-8' };
      }

      const blob = `b${swift.nextBlob++}`;
      const info = await state.blobs.write('objects', blob, req.raw);
      const expected = header(req, 'etag')?.replace(/^"(.*)"$/, '$1');
      if (expected && expected.toLowerCase() !== info.md5) {
        await state.blobs.remove('objects', blob);
        throw new ApiError(422, 'Unprocessable Entity', 'HTTPUnprocessableEntity');
      }
      try {
        checkQuota(container, info.size, old);
      } catch (error) {
        await state.blobs.remove('objects', blob);
        throw error;
      }
      if (old) keepOldVersion(account, container, old, false);
      const dlo = header(req, 'x-object-manifest');
      container.objects.set(name, {
        ...base,
        blob,
        size: info.size,
        etag: info.md5,
        ...(dlo !== undefined ? { dlo } : {}),
      });
      if (old?.blob && !isReferenced(swift, old.blob)) await state.blobs.remove('objects', old.blob);
      return { status: 201, headers: { etag: info.md5 }, text: '', contentType: 'text/html; charset=UTF-8' };
    },
    { isRawBody: true },
  );

  r.get('/v1/{account}/{container}/{object+}', (req) => {
    const account = accountOf(req, swift);
    const container = containerOf(account, req.params.container!);
    const o = container.objects.get(req.params.object!);
    if (!o) throw notFound();
    if (req.query.get('multipart-manifest') === 'get' && o.slo) {
      const body = JSON.stringify(o.slo);
      const headers: Record<string, string> = {
        ...objectHeaders(o, { size: body.length, etag: o.headers['x-manifest-etag'] ?? md5(body), extra: {} }),
        'x-static-large-object': 'True',
      };
      delete headers['x-manifest-etag'];
      if (req.method === 'HEAD') return { status: 200, headers, stream: Readable.from([]) };
      return { status: 200, headers, text: body, contentType: 'application/json; charset=utf-8' };
    }
    const served =
      req.query.get('multipart-manifest') === 'get' && o.dlo !== undefined
        ? { size: o.size, etag: o.etag, blobs: o.blob ? [o.blob] : [], extra: { 'x-object-manifest': o.dlo } }
        : content(account, o);
    const headers = objectHeaders(o, served);
    const stream = req.method === 'HEAD' ? Readable.from([]) : concat(state, served.blobs);
    return { status: 200, headers, stream, contentType: o.contentType };
  });

  r.post('/v1/{account}/{container}/{object+}', (req) => {
    writable(req);
    const container = containerOf(accountOf(req, swift), req.params.container!);
    const o = container.objects.get(req.params.object!);
    if (!o) throw notFound();
    const { metadata, headers } = objectMetadata(req);
    o.metadata = metadata;
    Object.assign(o.headers, headers);
    return { status: 202, text: '', contentType: 'text/html; charset=UTF-8' };
  });

  r.delete('/v1/{account}/{container}/{object+}', async (req) => {
    writable(req);
    const account = accountOf(req, swift);
    const container = containerOf(account, req.params.container!);
    const o = container.objects.get(req.params.object!);
    if (!o) throw notFound();
    const gone: SwiftObject[] = [o];
    container.objects.delete(o.name);
    keepOldVersion(account, container, o, true);
    if (req.query.get('multipart-manifest') === 'delete' && o.slo) {
      for (const seg of o.slo) {
        const [, c, ...rest] = seg.name.split('/');
        const holder = account.containers.get(c ?? '');
        const part = holder?.objects.get(rest.join('/'));
        if (holder && part) {
          holder.objects.delete(part.name);
          gone.push(part);
        }
      }
    }
    for (const g of gone) if (g.blob && !isReferenced(swift, g.blob)) await state.blobs.remove('objects', g.blob);
    if (req.query.get('multipart-manifest') === 'delete' && o.slo) {
      return {
        status: 200,
        body: {
          'Response Status': '200 OK',
          'Response Body': '',
          'Number Deleted': gone.length,
          'Number Not Found': o.slo.length + 1 - gone.length,
          Errors: [],
        },
      };
    }
    return { status: 204 };
  });

  return r;
}

/** Whether any object (a version kept aside included) still holds this blob. */
function isReferenced(swift: SwiftState, blob: string): boolean {
  for (const account of swift.accounts.values())
    for (const container of account.containers.values())
      for (const o of container.objects.values()) if (o.blob === blob) return true;
  return false;
}
