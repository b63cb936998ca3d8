/** The member kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { memberDescriptor } from './descriptor.js';
import { memberReader } from './read.js';
import { memberWriter } from './write.js';

export const memberKind: RegisteredKind = {
  descriptor: memberDescriptor,
  reader: memberReader,
  writer: memberWriter as KindWriter,
};
