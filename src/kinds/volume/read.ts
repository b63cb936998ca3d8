/**
 * Volumes of the project (GET /volumes/detail, paginated; Cinder v2 and v3 alike). The type is an external
 * reference by name; the source image (volume_image_metadata.image_id) and snapshot are references.
 */
import type { Volume } from '../../openstack/block-storage/volumes/types.js';
import { markerIn } from '../markers.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { compact, listProjectVolumes, metadataOf, text, truthy, withoutTemporaries } from '../shared/read.js';

export const volumeReader: KindReader<Volume> = {
  kind: 'volume',
  list: async (ctx) => withoutTemporaries(ctx, 'volume', await listProjectVolumes(ctx), (v) => v.metadata),
  identify: (volume) => ({ id: volume.id, name: volume.name ?? '' }),
  toEntry(volume): DraftEntry {
    const multiattach = volume.multiattach === true ? true : undefined;
    const type = text(volume.volume_type ?? undefined);
    return {
      spec: compact({
        name: volume.name ?? '',
        description: text(volume.description),
        size: volume.size,
        availability_zone: text(volume.availability_zone),
        bootable: truthy(volume.bootable),
        multiattach,
        metadata: metadataOf(volume.metadata),
      }),
      refs: compact({
        volume_type: type === 'None' ? undefined : type,
        // A volume made from a snapshot inherits its volume's image metadata: its one source is the snapshot.
        image: volume.snapshot_id ? undefined : text(volume.volume_image_metadata?.image_id),
        snapshot: text(volume.snapshot_id ?? undefined),
      }),
      source: compact({
        id: volume.id,
        status: volume.status,
        created_at: volume.created_at,
        updated_at: volume.updated_at ?? undefined,
        project_id: text(volume['os-vol-tenant-attr:tenant_id']),
        encrypted: volume.encrypted === true ? true : undefined,
        source_volid: text(volume.source_volid ?? undefined),
        marker: markerIn(undefined, volume.metadata),
      }),
      ...(multiattach ? { lossy: ['multiattach'] } : {}),
    };
  },
};
