/** The listener kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { listenerDescriptor } from './descriptor.js';
import { listenerReader } from './read.js';
import { listenerWriter } from './write.js';

export const listenerKind: RegisteredKind = {
  descriptor: listenerDescriptor,
  reader: listenerReader,
  writer: listenerWriter as KindWriter,
};
