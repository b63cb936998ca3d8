/** The DNS recordset kind, as the registry lists it: descriptor, reader, writer. */
import type { KindWriter } from '../kind.js';
import type { RegisteredKind } from '../registry.js';
import { dnsRecordsetDescriptor } from './descriptor.js';
import { dnsRecordsetReader } from './read.js';
import { dnsRecordsetWriter } from './write.js';

export const dnsRecordsetKind: RegisteredKind = {
  descriptor: dnsRecordsetDescriptor,
  reader: dnsRecordsetReader,
  writer: dnsRecordsetWriter as KindWriter,
};
