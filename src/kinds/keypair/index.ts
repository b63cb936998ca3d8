/** The keypair kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { keypairDescriptor } from './descriptor.js';
import { keypairReader } from './read.js';
import { keypairWriter } from './write.js';

export const keypairKind: RegisteredKind = {
  descriptor: keypairDescriptor,
  reader: keypairReader,
  writer: keypairWriter as KindWriter,
};
