/**
 * The kinds, listed once, in plan order (an explicit list: no discovery). Each kind lives in its own folder
 * src/kinds/<kind>/ (reader, writer). Flavors, volume types and subnet pools are never created (they are the
 * operator's): the engine matches them on the target like external entries. Quotas are the target administrator's
 * (the preflight checks them). Those kinds have a reader and no writer.
 */
import type { PlanKind } from '../plan/kinds.js';
import type { KindReader, KindWriter } from './kind.js';
import { flavorReader } from './flavor/read.js';
import { floatingIpReader } from './floating-ip/read.js';
import { floatingIpWriter } from './floating-ip/write.js';
import { imageReader } from './image/read.js';
import { imageWriter } from './image/write.js';
import { keypairReader } from './keypair/read.js';
import { keypairWriter } from './keypair/write.js';
import { networkReader } from './network/read.js';
import { networkWriter } from './network/write.js';
import { portReader } from './port/read.js';
import { portWriter } from './port/write.js';
import { quotaReader } from './quota/read.js';
import { routerReader } from './router/read.js';
import { routerWriter } from './router/write.js';
import { securityGroupRuleReader } from './security-group-rule/read.js';
import { securityGroupRuleWriter } from './security-group-rule/write.js';
import { securityGroupReader } from './security-group/read.js';
import { securityGroupWriter } from './security-group/write.js';
import { serverGroupReader } from './server-group/read.js';
import { serverGroupWriter } from './server-group/write.js';
import { serverReader } from './server/read.js';
import { serverWriter } from './server/write.js';
import { subnetPoolReader } from './subnet-pool/read.js';
import { subnetReader } from './subnet/read.js';
import { subnetWriter } from './subnet/write.js';
import { volumeSnapshotReader } from './volume-snapshot/read.js';
import { volumeSnapshotWriter } from './volume-snapshot/write.js';
import { volumeTypeReader } from './volume-type/read.js';
import { volumeReader } from './volume/read.js';
import { volumeWriter } from './volume/write.js';

/** One registered kind: its reader, and its writer when Bascule creates that kind. */
export interface RegisteredKind {
  readonly reader: KindReader;
  readonly writer?: KindWriter;
}

/** The registry: one line per kind, in plan order. */
export const KINDS: readonly RegisteredKind[] = [
  { reader: flavorReader },
  { reader: imageReader, writer: imageWriter as KindWriter },
  { reader: keypairReader, writer: keypairWriter as KindWriter },
  { reader: volumeTypeReader },
  { reader: subnetPoolReader },
  { reader: networkReader, writer: networkWriter as KindWriter },
  { reader: subnetReader, writer: subnetWriter as KindWriter },
  { reader: securityGroupReader, writer: securityGroupWriter as KindWriter },
  { reader: securityGroupRuleReader, writer: securityGroupRuleWriter as KindWriter },
  { reader: routerReader, writer: routerWriter as KindWriter },
  { reader: portReader, writer: portWriter as KindWriter },
  { reader: volumeReader, writer: volumeWriter as KindWriter },
  { reader: volumeSnapshotReader, writer: volumeSnapshotWriter as KindWriter },
  { reader: serverGroupReader, writer: serverGroupWriter as KindWriter },
  { reader: serverReader, writer: serverWriter as KindWriter },
  { reader: floatingIpReader, writer: floatingIpWriter as KindWriter },
  { reader: quotaReader },
];

for (const entry of KINDS) {
  if (entry.writer && entry.writer.kind !== entry.reader.kind) {
    throw new Error(`registry: the writer of ${entry.reader.kind} is for ${entry.writer.kind}`);
  }
}

/** The readers, one per kind, in plan order. */
export const READERS: readonly KindReader[] = KINDS.map((entry) => entry.reader);

/** The writers, one per kind Bascule creates, in plan order. */
export const WRITERS: readonly KindWriter[] = KINDS.flatMap((entry) => (entry.writer ? [entry.writer] : []));

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
