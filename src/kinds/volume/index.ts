/** The volume kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { volumeDescriptor } from './descriptor.js';
import { volumeReader } from './read.js';
import { volumeWriter } from './write.js';

export const volumeKind: RegisteredKind = {
  descriptor: volumeDescriptor,
  reader: volumeReader,
  writer: volumeWriter as KindWriter,
};
