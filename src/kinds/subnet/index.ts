/** The subnet kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { subnetDescriptor } from './descriptor.js';
import { subnetReader } from './read.js';
import { subnetWriter } from './write.js';

export const subnetKind: RegisteredKind = {
  descriptor: subnetDescriptor,
  reader: subnetReader,
  writer: subnetWriter as KindWriter,
};
