/** The load balancer kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { loadBalancerDescriptor } from './descriptor.js';
import { loadBalancerReader } from './read.js';
import { loadBalancerWriter } from './write.js';

export const loadBalancerKind: RegisteredKind = {
  descriptor: loadBalancerDescriptor,
  reader: loadBalancerReader,
  writer: loadBalancerWriter as KindWriter,
};
