/** The writers, one per kind Bascule creates (an explicit list: no discovery). */
import type { PlanKind } from '../plan/kinds.js';
import type { KindWriter } from './kind.js';
import { floatingIpWriter } from './write/floating-ip.js';
import { imageWriter } from './write/image.js';
import { keypairWriter } from './write/keypair.js';
import { networkWriter } from './write/network.js';
import { portWriter } from './write/port.js';
import { routerWriter } from './write/router.js';
import { securityGroupRuleWriter } from './write/security-group-rule.js';
import { securityGroupWriter } from './write/security-group.js';
import { serverGroupWriter } from './write/server-group.js';
import { serverWriter } from './write/server.js';
import { subnetWriter } from './write/subnet.js';
import { volumeSnapshotWriter } from './write/volume-snapshot.js';
import { volumeWriter } from './write/volume.js';

/**
 * Flavors, volume types and subnet pools are never created (they are the operator's): the engine matches them on
 * the target like external entries. Quotas are the target administrator's (the preflight checks them).
 */
export const WRITERS: readonly KindWriter[] = [
  imageWriter as KindWriter,
  keypairWriter as KindWriter,
  networkWriter as KindWriter,
  subnetWriter as KindWriter,
  securityGroupWriter as KindWriter,
  securityGroupRuleWriter as KindWriter,
  routerWriter as KindWriter,
  portWriter as KindWriter,
  volumeWriter as KindWriter,
  volumeSnapshotWriter as KindWriter,
  serverGroupWriter as KindWriter,
  serverWriter as KindWriter,
  floatingIpWriter as KindWriter,
];

const BY_KIND = new Map<PlanKind, KindWriter>(WRITERS.map((w) => [w.kind, w]));

/** The writer of a kind, or undefined when Bascule does not create that kind. */
export function writerFor(kind: PlanKind): KindWriter | undefined {
  return BY_KIND.get(kind);
}
