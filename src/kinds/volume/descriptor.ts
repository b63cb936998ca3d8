/** The volume kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, placedBy } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const volumeDescriptor = defineKind({
  kind: 'volume',
  service: 'block-storage',
  refs: KIND_REFS.volume,
  external: KIND_EXTERNAL.volume,
  lossy: ['multiattach'],
  sensitive: [],
  temporaryImageRef: 'image',
  notState: ['bootable'],
  // Unnamed: <server>/boot, <server>/<device> (vdb), else its ID.
  keys: {
    after: ['server'],
    name: (record, ctx) => {
      if (record.name !== '') return record.name;
      const disk = placedBy(ctx, record.id, 'server');
      const server = disk && ctx.nameOf('server', disk.ownerId);
      return disk && server !== undefined ? `${server}/${disk.slot}` : record.id;
    },
  },
  quota: {
    service: 'block-storage',
    uses: (entry) => ({ volumes: 1, gigabytes: (entry.spec as { size: number }).size }),
  },
  availabilityZone: {
    service: 'block-storage',
    of: (entry) => (entry.spec as { availability_zone?: string }).availability_zone,
  },
  exportRepairs: {
    // Smaller than its source image's minimum (the image's min_disk grew after the volume was made): the data moves
    // as it is, so its image reference (where it came from) is left out rather than the volume.
    VOLUME_SMALLER_THAN_IMAGE: {
      dropRef: 'image',
      code: 'VOLUME_IMAGE_DROPPED',
      message: (key, finding) => `${key}: ${finding}; its source image reference is left out`,
    },
  },
  zones: { field: 'availability_zone', byDefault: true },
  updatable: ['name', 'description', 'metadata', 'bootable'],
});
