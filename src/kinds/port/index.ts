/** The port kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { portDescriptor } from './descriptor.js';
import { portReader } from './read.js';
import { portWriter } from './write.js';

export const portKind: RegisteredKind = {
  descriptor: portDescriptor,
  reader: portReader,
  writer: portWriter as KindWriter,
};
