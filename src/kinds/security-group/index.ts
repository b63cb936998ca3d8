/** The security group kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { securityGroupDescriptor } from './descriptor.js';
import { securityGroupReader } from './read.js';
import { securityGroupWriter } from './write.js';

export const securityGroupKind: RegisteredKind = {
  descriptor: securityGroupDescriptor,
  reader: securityGroupReader,
  writer: securityGroupWriter as KindWriter,
};
