/**
 * The kinds, listed once, in plan order (an explicit list: no discovery). Each kind lives in its own folder
 * src/kinds/<kind>/ (descriptor.ts, read.ts, write.ts, gathered by its index.ts): adding a kind adds one line here.
 * Flavors, volume types and subnet pools are never created (they are the operator's): the engine matches them on
 * the target like external entries. Quotas are the target administrator's (the preflight checks them). Those kinds
 * have a reader and no writer.
 */
import type { PlanKind } from '../plan/kinds.js';
import type { KindDescriptor } from './descriptor.js';
import type { KindReader, KindWriter } from './kind.js';
import { flavorKind } from './flavor/index.js';
import { imageKind } from './image/index.js';
import { keypairKind } from './keypair/index.js';
import { volumeTypeKind } from './volume-type/index.js';
import { subnetPoolKind } from './subnet-pool/index.js';
import { qosPolicyKind } from './qos-policy/index.js';
import { networkKind } from './network/index.js';
import { subnetKind } from './subnet/index.js';
import { addressGroupKind } from './address-group/index.js';
import { securityGroupKind } from './security-group/index.js';
import { securityGroupRuleKind } from './security-group-rule/index.js';
import { routerKind } from './router/index.js';
import { portKind } from './port/index.js';
import { trunkKind } from './trunk/index.js';
import { volumeKind } from './volume/index.js';
import { volumeSnapshotKind } from './volume-snapshot/index.js';
import { serverGroupKind } from './server-group/index.js';
import { serverKind } from './server/index.js';
import { floatingIpKind } from './floating-ip/index.js';
import { portForwardingKind } from './port-forwarding/index.js';
import { quotaKind } from './quota/index.js';
import { dnsZoneKind } from './dns-zone/index.js';
import { dnsRecordsetKind } from './dns-recordset/index.js';
import { loadBalancerKind } from './load-balancer/index.js';
import { listenerKind } from './listener/index.js';
import { poolKind } from './pool/index.js';
import { memberKind } from './member/index.js';
import { healthMonitorKind } from './health-monitor/index.js';
import { l7PolicyKind } from './l7-policy/index.js';
import { objectContainerKind } from './object-container/index.js';

/** One registered kind: its descriptor, its reader, and its writer when Bascule creates that kind. */
export interface RegisteredKind {
  readonly descriptor: KindDescriptor;
  readonly reader: KindReader;
  readonly writer?: KindWriter;
}

/** The registry: one line per kind, in plan order. */
export const KINDS: readonly RegisteredKind[] = [
  flavorKind,
  imageKind,
  keypairKind,
  volumeTypeKind,
  subnetPoolKind,
  qosPolicyKind,
  networkKind,
  subnetKind,
  addressGroupKind,
  securityGroupKind,
  securityGroupRuleKind,
  routerKind,
  portKind,
  trunkKind,
  volumeKind,
  volumeSnapshotKind,
  serverGroupKind,
  serverKind,
  loadBalancerKind,
  listenerKind,
  poolKind,
  memberKind,
  healthMonitorKind,
  l7PolicyKind,
  floatingIpKind,
  portForwardingKind,
  quotaKind,
  dnsZoneKind,
  dnsRecordsetKind,
  objectContainerKind,
];

for (const entry of KINDS) {
  if (entry.descriptor.kind !== entry.reader.kind) {
    throw new Error(`registry: the reader of ${entry.descriptor.kind} is for ${entry.reader.kind}`);
  }
  if (entry.writer && entry.writer.kind !== entry.descriptor.kind) {
    throw new Error(`registry: the writer of ${entry.descriptor.kind} is for ${entry.writer.kind}`);
  }
}

/** The readers, one per kind, in plan order. */
export const READERS: readonly KindReader[] = KINDS.map((entry) => entry.reader);

/** The writers, one per kind Bascule creates, in plan order. */
export const WRITERS: readonly KindWriter[] = KINDS.flatMap((entry) => (entry.writer ? [entry.writer] : []));

/** The descriptors, one per kind, in plan order. */
export const DESCRIPTORS: readonly KindDescriptor[] = KINDS.map((entry) => entry.descriptor);

const DESCRIPTOR_OF = new Map<PlanKind, KindDescriptor>(DESCRIPTORS.map((d) => [d.kind, d]));

/** The descriptor of a kind (every plan kind has one). */
export function descriptorOf(kind: PlanKind): KindDescriptor {
  const descriptor = DESCRIPTOR_OF.get(kind);
  if (!descriptor) throw new Error(`no descriptor for kind ${kind}`);
  return descriptor;
}

const READER_OF = new Map<PlanKind, KindReader>(READERS.map((reader) => [reader.kind, reader]));
const WRITER_OF = new Map<PlanKind, KindWriter>(WRITERS.map((writer) => [writer.kind, writer]));

/** The reader of a kind (every plan kind has one). */
export function readerFor(kind: PlanKind): KindReader {
  const reader = READER_OF.get(kind);
  if (!reader) throw new Error(`no reader for kind ${kind}`);
  return reader;
}

/** The writer of a kind, or undefined when Bascule does not create that kind. */
export function writerFor(kind: PlanKind): KindWriter | undefined {
  return WRITER_OF.get(kind);
}
