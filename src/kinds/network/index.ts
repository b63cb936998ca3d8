/** The network kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { networkDescriptor } from './descriptor.js';
import { networkReader } from './read.js';
import { networkWriter } from './write.js';

export const networkKind: RegisteredKind = {
  descriptor: networkDescriptor,
  reader: networkReader,
  writer: networkWriter as KindWriter,
};
