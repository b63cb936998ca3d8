/**
 * Volume snapshots: taken of the (target) volume their entry refers to, with the marker in their metadata (same
 * call), then waited for until `available`. The snapshot holds what the target volume holds at that moment.
 */
import * as snapshots from '../../openstack/block-storage/snapshots/requests.js';
import type { VolumeSnapshot } from '../../openstack/block-storage/snapshots/requests.js';
import { collect } from '../../openstack/pagination.js';
import { waitOrThrow } from '../../openstack/waiter.js';
import type { VolumeSnapshotSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { MARKER_PROPERTY, withoutMarker } from '../markers.js';
import { getOrUndefined, refId, removeIgnoringMissing, sig } from '../shared/write.js';

export const volumeSnapshotWriter: KindWriter<VolumeSnapshot> = {
  kind: 'volume_snapshot',
  async find(ctx, r) {
    const volume = refId(r, 'volume');
    const all = (
      await collect(snapshots.list(ctx.cloud.blockStorage, volume ? { volume_id: volume } : {}, sig(ctx)))
    ).filter((s) => s.status !== 'deleting' && (volume === undefined || s.volume_id === volume));
    const marked = all.filter((s) => s.metadata?.[MARKER_PROPERTY] === r.marker);
    if (marked.length > 0) return marked;
    const name = (r.entry.spec as VolumeSnapshotSpec).name;
    return name ? all.filter((s) => s.name === name) : [];
  },
  async create(ctx, r) {
    const spec = r.entry.spec as VolumeSnapshotSpec;
    return snapshots.create(
      ctx.cloud.blockStorage,
      {
        volume_id: refId(r, 'volume')!,
        name: spec.name,
        ...(spec.description ? { description: spec.description } : {}),
        force: true,
        metadata: { ...withoutMarker(spec.metadata), [MARKER_PROPERTY]: r.marker },
      },
      sig(ctx),
    );
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as VolumeSnapshotSpec;
    const body: Record<string, unknown> = {};
    if (fields.includes('name')) body.name = spec.name;
    if (fields.includes('description')) body.description = spec.description ?? '';
    if (Object.keys(body).length > 0)
      await ctx.cloud.blockStorage.put(`/snapshots/${encodeURIComponent(current.id)}`, { snapshot: body }, sig(ctx));
    if (fields.includes('metadata')) {
      const keep: Record<string, string> =
        current.metadata?.[MARKER_PROPERTY] === r.marker ? { [MARKER_PROPERTY]: r.marker } : {};
      await ctx.cloud.blockStorage.put(
        `/snapshots/${encodeURIComponent(current.id)}/metadata`,
        { metadata: { ...withoutMarker(spec.metadata), ...keep } },
        sig(ctx),
      );
    }
    return snapshots.get(ctx.cloud.blockStorage, current.id, sig(ctx));
  },
  waitUntilReady: (ctx, created) =>
    waitOrThrow(`volume snapshot ${created.name ?? created.id}`, {
      poll: () => snapshots.get(ctx.cloud.blockStorage, created.id, sig(ctx)),
      status: (s) => s.status,
      ready: ['available'],
      failed: ['error', 'error_deleting'],
      timeoutMs: 30 * 60_000,
      intervalMs: 500,
      signal: ctx.signal,
    }),
  get: (ctx, id) => getOrUndefined(() => snapshots.get(ctx.cloud.blockStorage, id, sig(ctx))),
  hasMarker: (wire, marker) => wire.metadata?.[MARKER_PROPERTY] === marker,
  remove: (ctx, id) => removeIgnoringMissing(() => snapshots.remove(ctx.cloud.blockStorage, id, sig(ctx))),
  idOf: (wire) => wire.id,
};
