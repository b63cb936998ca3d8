/** The floating ip kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { floatingIpDescriptor } from './descriptor.js';
import { floatingIpReader } from './read.js';
import { floatingIpWriter } from './write.js';

export const floatingIpKind: RegisteredKind = {
  descriptor: floatingIpDescriptor,
  reader: floatingIpReader,
  writer: floatingIpWriter as KindWriter,
};
