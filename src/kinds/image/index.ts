/** The image kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { imageDescriptor } from './descriptor.js';
import { imageReader } from './read.js';
import { imageWriter } from './write.js';

export const imageKind: RegisteredKind = {
  descriptor: imageDescriptor,
  reader: imageReader,
  writer: imageWriter as KindWriter,
};
