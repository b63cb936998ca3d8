/** The object container kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { objectContainerDescriptor } from './descriptor.js';
import { objectContainerReader } from './read.js';
import { objectContainerWriter } from './write.js';

export const objectContainerKind: RegisteredKind = {
  descriptor: objectContainerDescriptor,
  reader: objectContainerReader,
  writer: objectContainerWriter as KindWriter,
};
