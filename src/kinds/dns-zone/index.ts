/** The DNS zone kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { dnsZoneDescriptor } from './descriptor.js';
import { dnsZoneReader } from './read.js';
import { dnsZoneWriter } from './write.js';

export const dnsZoneKind: RegisteredKind = {
  descriptor: dnsZoneDescriptor,
  reader: dnsZoneReader,
  writer: dnsZoneWriter as KindWriter,
};
