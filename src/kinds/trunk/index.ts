/** The trunk kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { trunkDescriptor } from './descriptor.js';
import { trunkReader } from './read.js';
import { trunkWriter } from './write.js';

export const trunkKind: RegisteredKind = {
  descriptor: trunkDescriptor,
  reader: trunkReader,
  writer: trunkWriter as KindWriter,
};
