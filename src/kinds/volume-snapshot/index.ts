/** The volume snapshot kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { volumeSnapshotDescriptor } from './descriptor.js';
import { volumeSnapshotReader } from './read.js';
import { volumeSnapshotWriter } from './write.js';

export const volumeSnapshotKind: RegisteredKind = {
  descriptor: volumeSnapshotDescriptor,
  reader: volumeSnapshotReader,
  writer: volumeSnapshotWriter as KindWriter,
};
