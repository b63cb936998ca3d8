/** The server kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { serverDescriptor } from './descriptor.js';
import { serverReader } from './read.js';
import { serverWriter } from './write.js';

export const serverKind: RegisteredKind = {
  descriptor: serverDescriptor,
  reader: serverReader,
  writer: serverWriter as KindWriter,
};
