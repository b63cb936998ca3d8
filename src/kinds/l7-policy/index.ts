/** The l7 policy kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { l7PolicyDescriptor } from './descriptor.js';
import { l7PolicyReader } from './read.js';
import { l7PolicyWriter } from './write.js';

export const l7PolicyKind: RegisteredKind = {
  descriptor: l7PolicyDescriptor,
  reader: l7PolicyReader,
  writer: l7PolicyWriter as KindWriter,
};
