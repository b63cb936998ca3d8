/** The security group rule kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { securityGroupRuleDescriptor } from './descriptor.js';
import { securityGroupRuleReader } from './read.js';
import { securityGroupRuleWriter } from './write.js';

export const securityGroupRuleKind: RegisteredKind = {
  descriptor: securityGroupRuleDescriptor,
  reader: securityGroupRuleReader,
  writer: securityGroupRuleWriter as KindWriter,
};
