/**
 * Plan keys for an export. Keys come from names (src/plan/keys.ts assignKeys: `<kind>:<name>`, `~N` on collisions,
 * independent of listing order). Resources that usually have no name get a readable, neutral one from what they
 * belong to, so that keys do not carry source IDs and match across clouds:
 *   port         <server>/eth<N> (NIC index), <router>/interface, else <network>/port
 *   volume       <server>/boot, <server>/<device> (vdb), else its ID
 *   subnet       <network>/<cidr>
 *   rule         <group>/<direction>-<ethertype>-<protocol>-<ports>-<remote> (ruleKeyName)
 *   floating IP  <port key name>, else <network>/unassociated
 *   snapshot     <volume>/snapshot
 *   quota        project
 * Each kind's descriptor says how (`keys`: name, places, after); kinds are keyed in an order where each name only
 * uses keys already assigned.
 */
import type { KeyContext, Placement } from '../kinds/descriptor.js';
import type { DraftEntry } from '../kinds/kind.js';
import { DESCRIPTORS, descriptorOf } from '../kinds/registry.js';
import type { PlanKind } from '../plan/kinds.js';
import { assignKeys, keyName } from '../plan/keys.js';

export interface KeyedRecord {
  kind: PlanKind;
  id: string;
  name: string;
  spec: Record<string, unknown>;
  /** Final references, as cloud IDs. */
  refs: Record<string, string | string[]>;
  draft: DraftEntry;
}

export interface KeyedExternal {
  kind: PlanKind;
  id: string;
  spec: Record<string, unknown>;
}

/** Kinds in an order where each kind's key names use only keys already assigned (descriptors' `keys.after`). */
function keyOrder(): PlanKind[] {
  const order: PlanKind[] = [];
  const seen = new Set<PlanKind>();
  const visit = (kind: PlanKind): void => {
    if (seen.has(kind)) return;
    seen.add(kind);
    for (const before of descriptorOf(kind).keys?.after ?? []) visit(before);
    order.push(kind);
  };
  for (const descriptor of DESCRIPTORS) visit(descriptor.kind);
  return order;
}

const recordKey = (kind: PlanKind, id: string) => `${kind}\u0000${id}`;

/** Assigns every owned and external entry its key; returns them by `<kind>\0<id>`. */
export function assignPlanKeys(
  records: readonly KeyedRecord[],
  externals: readonly KeyedExternal[],
): Map<string, string> {
  const keys = new Map<string, string>();
  /** The name part of an assigned key (`server:web-1` -> `web-1`). */
  const nameOf = (kind: PlanKind, id: string | undefined): string | undefined => {
    if (id === undefined) return undefined;
    const key = keys.get(recordKey(kind, id));
    return key === undefined ? undefined : key.slice(kind.length + 1);
  };
  // Where each object sits on another (a server's NICs and disks, a router's interface ports).
  const placed = new Map<string, Placement[]>();
  for (const record of records) {
    for (const { id, slot } of descriptorOf(record.kind).keys?.places?.(record) ?? []) {
      const list = placed.get(id) ?? [];
      list.push({ owner: record.kind, ownerId: record.id, slot });
      placed.set(id, list);
    }
  }
  const ctx: KeyContext = { nameOf, placements: (id) => placed.get(id) ?? [] };
  const hint = (record: KeyedRecord): string =>
    descriptorOf(record.kind).keys?.name?.(record, ctx) ?? (record.name !== '' ? record.name : record.id);

  for (const kind of keyOrder()) {
    const requests: { kind: PlanKind; name: string; sourceId: string; mapKey: string }[] = [];
    for (const record of records)
      if (record.kind === kind)
        requests.push({ kind, name: keyName(hint(record)), sourceId: record.id, mapKey: recordKey(kind, record.id) });
    for (const external of externals) {
      if (external.kind !== kind) continue;
      const name =
        typeof external.spec.name === 'string' && external.spec.name !== '' ? external.spec.name : external.id;
      requests.push({ kind, name: keyName(name), sourceId: external.id, mapKey: recordKey(kind, external.id) });
    }
    const assigned = assignKeys(requests);
    requests.forEach((request, index) => keys.set(request.mapKey, assigned[index]!));
  }
  return keys;
}
