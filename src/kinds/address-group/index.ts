/** The address group kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { addressGroupDescriptor } from './descriptor.js';
import { addressGroupReader } from './read.js';
import { addressGroupWriter } from './write.js';

export const addressGroupKind: RegisteredKind = {
  descriptor: addressGroupDescriptor,
  reader: addressGroupReader,
  writer: addressGroupWriter as KindWriter,
};
