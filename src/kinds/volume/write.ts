/**
 * Volumes: created with their size, type, AZ and metadata (plus the `bascule_marker` key, set in the same call, so
 * an interrupted create is always found by marker), from their image or snapshot if the entry says so, or, when
 * apply moves data, from a copy of the source volume's bytes (src/transfer, see ./workload.ts); then
 * waited for until `available`, with Cinder's error reported if it goes to `error`.
 */
import * as volumes from '../../openstack/block-storage/volumes/requests.js';
import type { Volume, VolumeCreateOpts } from '../../openstack/block-storage/volumes/types.js';
import { collect } from '../../openstack/pagination.js';
import { waitFor, waitOrThrow } from '../../openstack/waiter.js';
import type { VolumeSpec } from '../../plan/types.js';
import { isNotFound } from '../../openstack/errors.js';
import * as images from '../../openstack/image/images/requests.js';
import { TEMPORARY_PROPERTY } from '../../transfer/workload.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import { MARKER_PROPERTY, withoutMarker } from '../markers.js';
import { getOrUndefined, refId, removeIgnoringMissing, sig } from '../shared/write.js';

export const VOLUME_WAIT_MS = 30 * 60_000;

async function listVolumes(ctx: WriteContext, query: Record<string, string>): Promise<Volume[]> {
  return collect(volumes.list(ctx.cloud.blockStorage, query, sig(ctx)));
}

/**
 * A volume Bascule made from a copy of the source volume's bytes names that temporary copy as its image (gone after
 * cleanup, or still marked `bascule_temporary` with --keep-temporary): it is shown as the plan describes it, made
 * from the plan's image (or from none), so that a second apply finds it equal.
 */
async function asPlannedIfCopied(ctx: WriteContext, volume: Volume, r: ResolvedEntry): Promise<Volume> {
  const imageId = volume.volume_image_metadata?.image_id;
  const planned = refId(r, 'image');
  if (!imageId || imageId === planned) return volume;
  try {
    const image = await images.get(ctx.cloud.image, imageId, ctx.signal);
    if (image[TEMPORARY_PROPERTY] !== r.marker) return volume;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const meta = { ...volume.volume_image_metadata };
  if (planned) meta.image_id = planned;
  else delete meta.image_id;
  return { ...volume, volume_image_metadata: meta };
}

export const volumeWriter: KindWriter<Volume> = {
  kind: 'volume',
  async find(ctx, r) {
    const byMarker = (await listVolumes(ctx, { metadata: JSON.stringify({ [MARKER_PROPERTY]: r.marker }) })).filter(
      (v) => v.metadata?.[MARKER_PROPERTY] === r.marker && v.status !== 'deleting',
    );
    if (byMarker.length > 0) return Promise.all(byMarker.map((v) => asPlannedIfCopied(ctx, v, r)));
    const name = (r.entry.spec as VolumeSpec).name;
    if (!name) return [];
    return (await listVolumes(ctx, { name })).filter((v) => v.name === name && v.status !== 'deleting');
  },
  async create(ctx, r) {
    const spec = r.entry.spec as VolumeSpec;
    const body: VolumeCreateOpts = {
      size: spec.size,
      name: spec.name,
      metadata: { ...(spec.metadata ?? {}), [MARKER_PROPERTY]: r.marker },
    };
    if (spec.description) body.description = spec.description;
    if (spec.availability_zone) body.availability_zone = spec.availability_zone;
    if (spec.multiattach) body.multiattach = true;
    const type = refId(r, 'volume_type');
    if (type) body.volume_type = type;
    const image = refId(r, 'image');
    if (image) body.imageRef = image;
    const snapshot = refId(r, 'snapshot');
    if (snapshot) body.snapshot_id = snapshot;
    if (ctx.workload?.copiesVolume(r.entry)) {
      // The source volume's bytes: uploaded to an image on the source, moved, and the volume made from that copy.
      const copy = await ctx.workload.mover.volume({
        volumeId: r.entry.source!.id,
        volumeName: spec.name,
        marker: r.marker,
        signal: ctx.signal,
      });
      body.imageRef = copy.targetImageId;
      delete body.snapshot_id;
      body.size = Math.max(spec.size, copy.sizeGb);
    }
    return volumes.create(ctx.cloud.blockStorage, body, sig(ctx));
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as VolumeSpec;
    const body: Record<string, unknown> = {};
    if (fields.includes('name')) body.name = spec.name;
    if (fields.includes('description')) body.description = spec.description ?? '';
    if (Object.keys(body).length > 0) await volumes.update(ctx.cloud.blockStorage, current.id, body, sig(ctx));
    if (fields.includes('bootable'))
      await volumes.setBootable(ctx.cloud.blockStorage, current.id, spec.bootable === true, ctx.signal);
    if (fields.includes('metadata')) {
      const keep = current.metadata?.[MARKER_PROPERTY] === r.marker ? { [MARKER_PROPERTY]: r.marker } : {};
      // PUT replaces the whole set (keys the plan dropped go away), the marker kept.
      await ctx.cloud.blockStorage.put(
        `/volumes/${encodeURIComponent(current.id)}/metadata`,
        { metadata: { ...withoutMarker(spec.metadata), ...keep } },
        sig(ctx),
      );
    }
    return volumes.get(ctx.cloud.blockStorage, current.id, sig(ctx));
  },
  async waitUntilReady(ctx, created, resolved) {
    const ready = await waitOrThrow(`volume ${created.name ?? created.id}`, {
      poll: () => volumes.get(ctx.cloud.blockStorage, created.id, sig(ctx)),
      status: (v) => v.status,
      ready: ['available', 'in-use'],
      failed: ['error', 'error_restoring', 'error_extending'],
      timeoutMs: VOLUME_WAIT_MS,
      intervalMs: 500,
      signal: ctx.signal,
    });
    // A volume made from an image (a copy of a data volume's bytes) comes out bootable: put the flag back as planned.
    const wanted = (resolved?.entry.spec as VolumeSpec | undefined)?.bootable;
    if (wanted !== undefined && wanted !== (ready.bootable === true || ready.bootable === 'true')) {
      await volumes.setBootable(ctx.cloud.blockStorage, ready.id, wanted, ctx.signal);
      return volumes.get(ctx.cloud.blockStorage, ready.id, sig(ctx));
    }
    return ready;
  },
  get: (ctx, id) => getOrUndefined(() => volumes.get(ctx.cloud.blockStorage, id, sig(ctx))),
  hasMarker: (wire, marker) => wire.metadata?.[MARKER_PROPERTY] === marker,
  async remove(ctx, id) {
    // A volume whose server was just deleted is still detaching for a moment: wait until Cinder lets it go.
    const outcome = await waitFor({
      poll: async () =>
        (await getOrUndefined(() => volumes.get(ctx.cloud.blockStorage, id, sig(ctx))))?.status ?? 'gone',
      status: (s) => s,
      ready: ['gone', 'available', 'error', 'error_restoring', 'error_extending'],
      failed: [],
      timeoutMs: 5 * 60_000,
      intervalMs: 250,
      signal: ctx.signal,
    });
    if (outcome.lastStatus === 'gone') return;
    await removeIgnoringMissing(() => volumes.remove(ctx.cloud.blockStorage, id, sig(ctx)));
  },
  idOf: (wire) => wire.id,
};
