/** The readers, one per kind, in plan order (an explicit list: no discovery). */
import type { PlanKind } from '../plan/kinds.js';
import type { KindReader } from './kind.js';
import { flavorReader } from './read/flavor.js';
import { floatingIpReader } from './read/floating-ip.js';
import { imageReader } from './read/image.js';
import { keypairReader } from './read/keypair.js';
import { networkReader } from './read/network.js';
import { portReader } from './read/port.js';
import { quotaReader } from './read/quota.js';
import { routerReader } from './read/router.js';
import { securityGroupRuleReader } from './read/security-group-rule.js';
import { securityGroupReader } from './read/security-group.js';
import { serverGroupReader } from './read/server-group.js';
import { serverReader } from './read/server.js';
import { subnetPoolReader } from './read/subnet-pool.js';
import { subnetReader } from './read/subnet.js';
import { volumeSnapshotReader } from './read/volume-snapshot.js';
import { volumeTypeReader } from './read/volume-type.js';
import { volumeReader } from './read/volume.js';

export const READERS: readonly KindReader[] = [
  flavorReader,
  imageReader,
  keypairReader,
  volumeTypeReader,
  subnetPoolReader,
  networkReader,
  subnetReader,
  securityGroupReader,
  securityGroupRuleReader,
  routerReader,
  portReader,
  volumeReader,
  volumeSnapshotReader,
  serverGroupReader,
  serverReader,
  floatingIpReader,
  quotaReader,
];

const BY_KIND = new Map<PlanKind, KindReader>(READERS.map((reader) => [reader.kind, reader]));

/** The reader of a kind (every plan kind has one). */
export function readerFor(kind: PlanKind): KindReader {
  const reader = BY_KIND.get(kind);
  if (!reader) throw new Error(`no reader for kind ${kind}`);
  return reader;
}
