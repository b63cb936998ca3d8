/** The router kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { routerDescriptor } from './descriptor.js';
import { routerReader } from './read.js';
import { routerWriter } from './write.js';

export const routerKind: RegisteredKind = {
  descriptor: routerDescriptor,
  reader: routerReader,
  writer: routerWriter as KindWriter,
};
