/** The quota kind, as the registry lists it: descriptor, reader. */
import type { RegisteredKind } from '../registry.js';
import { quotaDescriptor } from './descriptor.js';
import { quotaReader } from './read.js';

export const quotaKind: RegisteredKind = {
  descriptor: quotaDescriptor,
  reader: quotaReader,
};
