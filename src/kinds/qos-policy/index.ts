/** The QoS policy kind, as the registry lists it: descriptor and reader (Bascule matches policies, never creates). */
import type { RegisteredKind } from '../registry.js';
import { qosPolicyDescriptor } from './descriptor.js';
import { qosPolicyReader } from './read.js';

export const qosPolicyKind: RegisteredKind = {
  descriptor: qosPolicyDescriptor,
  reader: qosPolicyReader,
};
