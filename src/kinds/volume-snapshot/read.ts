/** Volume snapshots of the project (GET /snapshots/detail, paginated). */
import * as snapshots from '../../openstack/block-storage/snapshots/requests.js';
import type { VolumeSnapshot } from '../../openstack/block-storage/snapshots/requests.js';
import { collect } from '../../openstack/pagination.js';
import { markerIn } from '../markers.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { PAGE_SIZE, compact, metadataOf, text, withoutTemporaries } from '../shared/read.js';

export const volumeSnapshotReader: KindReader<VolumeSnapshot> = {
  kind: 'volume_snapshot',
  list: async (ctx) =>
    withoutTemporaries(
      ctx,
      'volume_snapshot',
      await collect(snapshots.list(ctx.cloud.blockStorage, undefined, { pageSize: PAGE_SIZE, signal: ctx.signal })),
      (snapshot) => snapshot.metadata,
    ),
  identify: (snapshot) => ({ id: snapshot.id, name: snapshot.name ?? '' }),
  toEntry(snapshot): DraftEntry {
    return {
      spec: compact({
        name: snapshot.name ?? '',
        description: text(snapshot.description),
        metadata: metadataOf(snapshot.metadata),
      }),
      refs: { volume: snapshot.volume_id },
      source: compact({
        id: snapshot.id,
        status: snapshot.status,
        created_at: snapshot.created_at,
        size: snapshot.size,
        marker: markerIn(undefined, snapshot.metadata),
      }),
    };
  },
};
