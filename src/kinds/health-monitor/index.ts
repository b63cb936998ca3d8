/** The health monitor kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { healthMonitorDescriptor } from './descriptor.js';
import { healthMonitorReader } from './read.js';
import { healthMonitorWriter } from './write.js';

export const healthMonitorKind: RegisteredKind = {
  descriptor: healthMonitorDescriptor,
  reader: healthMonitorReader,
  writer: healthMonitorWriter as KindWriter,
};
