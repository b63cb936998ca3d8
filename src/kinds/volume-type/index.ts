/** The volume type kind, as the registry lists it: descriptor, reader. */
import type { RegisteredKind } from '../registry.js';
import { volumeTypeDescriptor } from './descriptor.js';
import { volumeTypeReader } from './read.js';

export const volumeTypeKind: RegisteredKind = {
  descriptor: volumeTypeDescriptor,
  reader: volumeTypeReader,
};
