/**
 * Swift containers: created with their metadata, ACLs and versioning, Bascule's marker in their metadata
 * (`X-Container-Meta-Bascule-Marker`), then filled with the source container's objects (src/transfer/objects.ts:
 * streamed, ETag-checked, several at once, resumable, large objects rebuilt), and only then given their quotas (the
 * real proxy checks quotas against cached counts, so a quota set first could refuse the copy). An update copies what
 * the target lacks. Rollback empties and deletes a container only while it carries the marker.
 */
import { isHttpError } from '../../openstack/errors.js';
import { objectStoreClient } from '../../openstack/object-store/client.js';
import * as swift from '../../openstack/object-store/requests.js';
import type { ContainerOpts } from '../../openstack/object-store/types.js';
import type { ObjectContainerSpec } from '../../plan/types.js';
import { copyContainerObjects, emptyContainer } from '../../transfer/objects.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import { getOrUndefined } from '../shared/write.js';
import { MARKER_META, mapAcl, OWN_PROJECT, readContainer, type ContainerRecord } from './read.js';

function optsFor(ctx: WriteContext, r: ResolvedEntry, fields?: readonly string[]): ContainerOpts {
  const spec = r.entry.spec as ObjectContainerSpec;
  const want = (field: string) => fields === undefined || fields.includes(field);
  const out: ContainerOpts = {};
  if (want('read_acl')) out.read = spec.read_acl ? mapAcl(spec.read_acl, OWN_PROJECT, ctx.projectId) : null;
  if (want('write_acl')) out.write = spec.write_acl ? mapAcl(spec.write_acl, OWN_PROJECT, ctx.projectId) : null;
  if (want('versioning') || want('refs.versions')) {
    const location = typeof r.refs.versions === 'string' ? r.refs.versions : undefined;
    out.versionsLocation = spec.versioning === 'versions' && location ? location : null;
    out.historyLocation = spec.versioning === 'history' && location ? location : null;
  }
  if (fields === undefined) {
    // a create: no removals to send
    for (const key of Object.keys(out) as (keyof ContainerOpts)[]) if (out[key] === null) delete out[key];
  }
  return out;
}

async function fill(ctx: WriteContext, r: ResolvedEntry, target: string): Promise<void> {
  const spec = r.entry.spec as ObjectContainerSpec;
  if (!ctx.source || !spec.objects || spec.objects.count === 0) return;
  const source = String(r.entry.source?.id ?? spec.name);
  // Source container name -> target name, for segment paths and DLO manifests (a names rule may rename containers).
  const names = new Map<string, string>([[source, target]]);
  const keys = r.entry.refs?.segments;
  const ids = r.refs.segments;
  if (Array.isArray(keys) && Array.isArray(ids))
    keys.forEach((key, i) => {
      if (typeof ids[i] === 'string') names.set(String(key).replace(/^object_container:/, ''), ids[i]);
    });
  const from = ctx.source.cloud;
  const copy = (report?: (done: { bytes: number; totalBytes: number }) => void) =>
    copyContainerObjects(from, ctx.cloud, source, target, {
      signal: ctx.signal,
      containerName: (name) => names.get(name) ?? name,
      onProgress: (p) => {
        report?.(p);
        if (p.objects === p.total || p.objects % 100 === 0)
          ctx.logger.info(
            `container ${target}: ${p.objects}/${p.total} objects, ${p.bytes} of ${p.totalBytes} bytes (${p.skipped} already there)`,
          );
      },
    });
  // With workload data moving (apply --from), the copy is one of the run's transfers: in its progress and summary.
  const mover = ctx.workload?.mover;
  const result = mover ? await mover.objects(`container ${target}`, copy) : await copy();
  ctx.logger.info(
    `container ${target}: ${result.copied} objects copied (${result.bytes} bytes, ${result.large} large objects rebuilt), ${result.skipped} already there`,
  );
  if (result.gone.length > 0) {
    // Listed on the source, gone when read: deleted since the listing, or a listing that lags behind a delete. Not
    // an error of the copy (there is nothing to copy), but never silent: a warning of the run, kept in the journal.
    const shown = result.gone.slice(0, 20).join(', ');
    const more = result.gone.length > 20 ? ` and ${result.gone.length - 20} more` : '';
    const message =
      `${result.gone.length} object${result.gone.length === 1 ? '' : 's'} of container ${source} listed on the ` +
      `source but gone when read (404), not copied: ${shown}${more}`;
    ctx.logger.warn(message);
    ctx.warn?.({ code: 'OBJECT_GONE', message });
  }
}

async function setQuotas(ctx: WriteContext, r: ResolvedEntry, name: string, remove: boolean): Promise<void> {
  const spec = r.entry.spec as ObjectContainerSpec;
  const quotas: ContainerOpts = {};
  if (spec.quota_bytes !== undefined) quotas.quotaBytes = spec.quota_bytes;
  else if (remove) quotas.quotaBytes = null;
  if (spec.quota_count !== undefined) quotas.quotaCount = spec.quota_count;
  else if (remove) quotas.quotaCount = null;
  if (Object.keys(quotas).length > 0)
    await swift.updateContainer(objectStoreClient(ctx.cloud), name, quotas, { signal: ctx.signal });
}

export const objectContainerWriter: KindWriter<ContainerRecord> = {
  kind: 'object_container',
  check(ctx, r) {
    const spec = r.entry.spec as ObjectContainerSpec;
    if (!ctx.source && spec.objects && spec.objects.count > 0)
      return `its ${spec.objects.count} objects (${spec.objects.bytes} bytes) move only with the source cloud (apply --from)`;
    return undefined;
  },
  async find(ctx, r) {
    const name = (r.entry.spec as ObjectContainerSpec).name;
    const found = await getOrUndefined(() => readContainer(objectStoreClient(ctx.cloud), name, ctx.signal));
    return found ? [found] : [];
  },
  async create(ctx, r) {
    const spec = r.entry.spec as ObjectContainerSpec;
    const sc = objectStoreClient(ctx.cloud);
    await swift.createContainer(
      sc,
      spec.name,
      { ...optsFor(ctx, r), metadata: { ...spec.metadata, [MARKER_META]: r.marker } },
      { signal: ctx.signal },
    );
    await fill(ctx, r, spec.name);
    await setQuotas(ctx, r, spec.name, false);
    return readContainer(sc, spec.name, ctx.signal);
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as ObjectContainerSpec;
    const sc = objectStoreClient(ctx.cloud);
    const name = current.info.name;
    const opts = optsFor(ctx, r, fields);
    if (fields.includes('metadata')) {
      const metadata: Record<string, string | null> = { ...spec.metadata };
      for (const key of Object.keys(current.info.metadata))
        if (key !== MARKER_META && !(key in metadata)) metadata[key] = null;
      opts.metadata = metadata;
    }
    if (Object.keys(opts).length > 0) await swift.updateContainer(sc, name, opts, { signal: ctx.signal });
    if (fields.includes('objects')) await fill(ctx, r, name);
    if (fields.includes('quota_bytes') || fields.includes('quota_count')) await setQuotas(ctx, r, name, true);
    return readContainer(sc, name, ctx.signal);
  },
  async get(ctx, id) {
    return getOrUndefined(() => readContainer(objectStoreClient(ctx.cloud), id, ctx.signal));
  },
  hasMarker: (record, marker) => record.info.metadata[MARKER_META] === marker,
  async remove(ctx, id) {
    const sc = objectStoreClient(ctx.cloud);
    try {
      // Versioning off first: in a container with X-Versions-Location, Swift answers the delete of an object by
      // restoring its previous version, and the container is never empty (the real Swift's 409 on the delete).
      await swift.updateContainer(sc, id, { versionsLocation: null, historyLocation: null }, { signal: ctx.signal });
      // Then emptied and deleted; again while the container's listing still shows objects just deleted.
      for (let round = 1; ; round++) {
        await emptyContainer(ctx.cloud, id, ctx.signal);
        try {
          await swift.removeContainer(sc, id, { signal: ctx.signal });
          return;
        } catch (error) {
          if (!isHttpError(error) || error.status !== 409 || round >= 5) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * round));
      }
    } catch (error) {
      if (!isHttpError(error) || error.status !== 404) throw error;
    }
  },
  idOf: (record) => record.info.name,
};
