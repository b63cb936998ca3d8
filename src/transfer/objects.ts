/**
 * The objects of a Swift container, moved as its workload data: streamed from the source container to the target one
 * with their ETag checked by the target (a PUT with the source's ETag is refused when the bytes differ), several at
 * once, resumable (an object the target already holds under the same name and ETag is skipped), and large objects
 * rebuilt from their segments: a static one's manifest written again with its segments' paths in the target's
 * container names, a dynamic one as a zero-byte object whose `X-Object-Manifest` names the target's container.
 * Segments are ordinary objects of their own container, which is moved first (the container entry's `segments`).
 */
import { createHash } from 'node:crypto';
import type { Cloud } from '../openstack/cloud.js';
import { objectStoreClient } from '../openstack/object-store/client.js';
import * as swift from '../openstack/object-store/requests.js';
import type { ObjectSummary } from '../openstack/object-store/types.js';
import { isHttpError } from '../openstack/errors.js';
import { collect } from '../openstack/pagination.js';
import { BasculeError } from '../shared/errors.js';

/** What a container's objects add up to: the plan's `objects` and the audit's comparison. */
export interface ObjectsSummary {
  count: number;
  bytes: number;
  /** MD5 of the sorted `<name> <etag>` lines (an SLO's ETag is its segments' ETags' MD5, the same on both sides). */
  digest: string;
  /** Static large objects (listed with `slo_etag`). */
  large: number;
}

const unquote = (etag: string) => etag.replace(/^"(.*)"$/, '$1');

/** The ETag that identifies an object's content on both sides: an SLO's own ETag, else the listed MD5. */
export function contentEtag(row: ObjectSummary): string {
  return typeof row.slo_etag === 'string' ? unquote(row.slo_etag) : row.hash;
}

/**
 * Sums up a container listing, from the listing alone (no call per object): a dynamic large object's manifest lists
 * as the zero-byte object it is, with the MD5 of nothing on both sides.
 */
export function summarize(rows: readonly ObjectSummary[]): ObjectsSummary {
  const lines = rows.map((r) => `${r.name} ${contentEtag(r)}`).sort();
  return {
    count: rows.length,
    bytes: rows.reduce((n, r) => n + (typeof r.bytes === 'number' ? r.bytes : 0), 0),
    digest: createHash('md5').update(lines.join('\n')).digest('hex'),
    large: rows.filter((r) => typeof r.slo_etag === 'string').length,
  };
}

export interface CopyObjectsOptions {
  /** Objects in flight at once (default 4). */
  concurrency?: number;
  /** The target's name of a source container (segments and versions follow renamed containers). */
  containerName?: (source: string) => string;
  signal?: AbortSignal;
  /** Called after each object with the totals so far. */
  onProgress?: (done: { objects: number; bytes: number; skipped: number; total: number; totalBytes: number }) => void;
}

export interface CopyObjectsResult {
  copied: number;
  skipped: number;
  bytes: number;
  large: number;
  /**
   * Objects the source listed that were gone when they were read (404): deleted since, or a listing that lags behind
   * a delete. Not copied, never dropped silently: the caller names them.
   */
  gone: string[];
}

/** The source's answer to a read of an object it listed: the value, or `GONE` when the object is not there (404). */
const GONE = Symbol('gone');
async function unlessGone<T>(read: () => Promise<T>): Promise<T | typeof GONE> {
  try {
    return await read();
  } catch (error) {
    if (isHttpError(error) && error.status === 404) return GONE;
    throw error;
  }
}

/** Runs `work` on every item, at most `limit` at once; the first failure stops the rest and is thrown. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const runner = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  if (failed !== undefined) throw failed;
}

/** `/<container>/<object>` of a segment, with its container renamed for the target. */
function renameSegmentPath(path: string, rename: (name: string) => string): string {
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  if (slash < 0) return `/${rename(trimmed)}`;
  return `/${rename(trimmed.slice(0, slash))}/${trimmed.slice(slash + 1)}`;
}

/**
 * Copies every object of `source` (on `from`) into `target` (on `to`), which must exist. Plain objects first, in
 * parallel; then the manifests of large objects, whose segments are then in place.
 */
export async function copyContainerObjects(
  from: Cloud,
  to: Cloud,
  source: string,
  target: string,
  options: CopyObjectsOptions = {},
): Promise<CopyObjectsResult> {
  const src = objectStoreClient(from);
  const dst = objectStoreClient(to);
  const signal = options.signal;
  const opts = signal ? { signal } : {};
  const rename = options.containerName ?? ((name: string) => name);
  const rows = await collect(swift.listObjects(src, source, {}, { ...opts, pageSize: 1000 }));
  const present = new Map(
    (await collect(swift.listObjects(dst, target, {}, { ...opts, pageSize: 1000 }))).map((r) => [
      r.name,
      contentEtag(r),
    ]),
  );
  const total = rows.length;
  const totalBytes = rows.reduce((n, r) => n + r.bytes, 0);
  const done = { objects: 0, bytes: 0, skipped: 0, total, totalBytes };
  const result: CopyObjectsResult = { copied: 0, skipped: 0, bytes: 0, large: 0, gone: [] };
  const tick = (bytes: number, skipped: boolean) => {
    done.objects++;
    if (skipped) {
      done.skipped++;
      result.skipped++;
    } else {
      done.bytes += bytes;
      result.copied++;
      result.bytes += bytes;
    }
    options.onProgress?.({ ...done });
  };
  const lost = (row: ObjectSummary) => {
    result.gone.push(row.name);
    done.objects++;
    done.skipped++;
    options.onProgress?.({ ...done });
  };

  const slos = rows.filter((r) => typeof r.slo_etag === 'string');
  const others = rows.filter((r) => typeof r.slo_etag !== 'string');
  const dlos: { row: ObjectSummary; manifest: string; metadata: Record<string, string>; type: string }[] = [];

  await pool(others, options.concurrency ?? 4, async (row) => {
    if (row.bytes === 0) {
      // A zero-byte object may be a dynamic large object's manifest: only its headers say so.
      const head = await unlessGone(() => swift.headObject(src, source, row.name, { ...opts, manifest: true }));
      if (head === GONE) return lost(row);
      if (head.dloManifest !== undefined) {
        dlos.push({ row, manifest: head.dloManifest, metadata: head.metadata, type: head.contentType });
        return;
      }
    }
    if (present.get(row.name) === row.hash) return tick(row.bytes, true);
    const download = await unlessGone(() => swift.downloadObject(src, source, row.name, opts));
    if (download === GONE) return lost(row);
    const { info, response } = download;
    if (info.etag !== row.hash) {
      response.body.resume();
      throw new BasculeError(
        'OBJECT_CHANGED',
        `object ${source}/${row.name} changed while it was copied (listed with ETag ${row.hash}, read with ${info.etag}): run the apply again`,
      );
    }
    await swift.uploadObject(
      dst,
      target,
      row.name,
      response.body,
      {
        etag: row.hash,
        contentType: info.contentType,
        contentLength: info.contentLength,
        metadata: info.metadata,
        ...(info.contentDisposition ? { contentDisposition: info.contentDisposition } : {}),
        ...(info.contentEncoding ? { contentEncoding: info.contentEncoding } : {}),
        ...(info.deleteAt !== undefined ? { deleteAt: info.deleteAt } : {}),
      },
      opts,
    );
    tick(row.bytes, false);
  });

  // Dynamic large objects: a zero-byte manifest naming the target's container of its segments.
  for (const dlo of dlos) {
    const slash = dlo.manifest.indexOf('/');
    const manifest =
      slash < 0 ? rename(dlo.manifest) : `${rename(dlo.manifest.slice(0, slash))}${dlo.manifest.slice(slash)}`;
    const there = await swift.headObject(dst, target, dlo.row.name, { ...opts, manifest: true }).catch(() => undefined);
    if (there?.dloManifest === manifest) {
      tick(0, true);
      continue;
    }
    await swift.uploadObject(dst, target, dlo.row.name, Buffer.alloc(0), {
      dloManifest: manifest,
      metadata: dlo.metadata,
      contentType: dlo.type,
    });
    result.large++;
    tick(0, false);
  }

  // Static large objects: their manifests, once the segments are in.
  for (const row of slos) {
    if (present.get(row.name) === contentEtag(row)) {
      tick(row.bytes, true);
      continue;
    }
    const segments = await unlessGone(() => swift.getSloManifest(src, source, row.name, opts));
    const head = segments === GONE ? GONE : await unlessGone(() => swift.headObject(src, source, row.name, opts));
    if (segments === GONE || head === GONE) {
      lost(row);
      continue;
    }
    const etag = await swift.uploadSloManifest(
      dst,
      target,
      row.name,
      segments.map((s) => ({
        path: renameSegmentPath(s.name, rename),
        etag: s.hash,
        size_bytes: s.bytes,
        ...(s.range ? { range: s.range } : {}),
      })),
      { metadata: head.metadata, contentType: head.contentType },
      opts,
    );
    if (etag && etag !== contentEtag(row)) {
      throw new BasculeError(
        'OBJECT_CHANGED',
        `large object ${source}/${row.name} was rebuilt with ETag ${etag}, not the source's ${contentEtag(row)}`,
      );
    }
    result.large++;
    tick(row.bytes, false);
  }
  return result;
}

/** Deletes every object of a container (the rollback of a container Bascule made): manifests first, then the rest. */
export async function emptyContainer(cloud: Cloud, container: string, signal?: AbortSignal): Promise<number> {
  const sc = objectStoreClient(cloud);
  const opts = signal ? { signal } : {};
  const rows = await collect(swift.listObjects(sc, container, {}, { ...opts, pageSize: 1000 }));
  const order = [...rows].sort(
    (a, b) => Number(typeof b.slo_etag === 'string') - Number(typeof a.slo_etag === 'string'),
  );
  await pool(order, 4, async (row) => {
    await swift.removeObject(sc, container, row.name, opts).catch((error: unknown) => {
      if ((error as { status?: number }).status !== 404) throw error;
    });
  });
  return rows.length;
}
