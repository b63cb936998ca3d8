/** The server group kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { serverGroupDescriptor } from './descriptor.js';
import { serverGroupReader } from './read.js';
import { serverGroupWriter } from './write.js';

export const serverGroupKind: RegisteredKind = {
  descriptor: serverGroupDescriptor,
  reader: serverGroupReader,
  writer: serverGroupWriter as KindWriter,
};
