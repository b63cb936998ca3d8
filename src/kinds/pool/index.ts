/** The pool kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { poolDescriptor } from './descriptor.js';
import { poolReader } from './read.js';
import { poolWriter } from './write.js';

export const poolKind: RegisteredKind = {
  descriptor: poolDescriptor,
  reader: poolReader,
  writer: poolWriter as KindWriter,
};
