/** The flavor kind, as the registry lists it: descriptor, reader. */
import type { RegisteredKind } from '../registry.js';
import { flavorDescriptor } from './descriptor.js';
import { flavorReader } from './read.js';

export const flavorKind: RegisteredKind = {
  descriptor: flavorDescriptor,
  reader: flavorReader,
};
