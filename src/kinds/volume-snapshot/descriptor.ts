/** The volume snapshot kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const volumeSnapshotDescriptor = defineKind({
  kind: 'volume_snapshot',
  service: 'block-storage',
  refs: KIND_REFS.volume_snapshot,
  external: KIND_EXTERNAL.volume_snapshot,
  lossy: [],
  sensitive: [],
  // Unnamed: <volume>/snapshot.
  keys: {
    after: ['volume'],
    name: (record, ctx) => {
      if (record.name !== '') return record.name;
      const volume = ctx.nameOf('volume', firstId(record.refs.volume));
      return volume !== undefined ? `${volume}/snapshot` : record.id;
    },
  },
  // Kept with its volume.
  companionOf: (refs, kept) => {
    const volume = typeof refs.volume === 'string' ? refs.volume : undefined;
    return volume !== undefined && kept.has(volume) ? volume : undefined;
  },
  updatable: ['name', 'description', 'metadata'],
});
