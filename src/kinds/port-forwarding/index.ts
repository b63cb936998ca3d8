/** The port forwarding kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { portForwardingDescriptor } from './descriptor.js';
import { portForwardingReader } from './read.js';
import { portForwardingWriter } from './write.js';

export const portForwardingKind: RegisteredKind = {
  descriptor: portForwardingDescriptor,
  reader: portForwardingReader,
  writer: portForwardingWriter as KindWriter,
};
