/** The subnet pool kind, as the registry lists it: descriptor, reader. */
import type { RegisteredKind } from '../registry.js';
import { subnetPoolDescriptor } from './descriptor.js';
import { subnetPoolReader } from './read.js';

export const subnetPoolKind: RegisteredKind = {
  descriptor: subnetPoolDescriptor,
  reader: subnetPoolReader,
};
