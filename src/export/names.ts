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
 * Kinds are keyed in an order where each name only uses keys already assigned.
 */
import type { DraftEntry } from '../kinds/kind.js';
import type { PlanKind } from '../plan/kinds.js';
import { assignKeys, keyName, ruleKeyName } from '../plan/keys.js';

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

const KEY_ORDER: readonly PlanKind[] = [
  'flavor',
  'image',
  'keypair',
  'volume_type',
  'subnet_pool',
  'network',
  'security_group',
  'router',
  'server_group',
  'server',
  'quota',
  'subnet',
  'security_group_rule',
  'volume',
  'volume_snapshot',
  'port',
  'floating_ip',
];

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
  const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

  // Where each port and volume sits on a server.
  const nicOf = new Map<string, { server: string; index: number }>();
  const diskOf = new Map<string, { server: string; slot: string }>();
  for (const record of records) {
    if (record.kind !== 'server') continue;
    const ports = record.refs.ports;
    if (Array.isArray(ports)) ports.forEach((id, index) => nicOf.set(id, { server: record.id, index }));
    const boot = one(record.refs.boot_volume);
    if (boot !== undefined) diskOf.set(boot, { server: record.id, slot: 'boot' });
    const volumes = record.refs.volumes;
    const devices = Array.isArray(record.spec.volumes) ? (record.spec.volumes as { device?: string }[]) : [];
    if (Array.isArray(volumes))
      volumes.forEach((id, index) =>
        diskOf.set(id, {
          server: record.id,
          slot: devices[index]?.device?.replace(/^\/dev\//, '') ?? `disk${index + 1}`,
        }),
      );
  }
  const routerOfPort = new Map<string, string>();
  for (const record of records) {
    if (record.kind !== 'router') continue;
    const ports = record.refs.interface_ports;
    if (Array.isArray(ports)) for (const id of ports) routerOfPort.set(id, record.id);
  }

  const hint = (record: KeyedRecord): string => {
    if (record.kind === 'quota') return 'project';
    if (record.kind === 'security_group_rule') {
      const group = nameOf('security_group', one(record.refs.security_group)) ?? 'group';
      const remote = nameOf('security_group', one(record.refs.remote_group));
      return ruleKeyName(group, record.spec as Parameters<typeof ruleKeyName>[1], remote);
    }
    if (record.name !== '') return record.name;
    switch (record.kind) {
      case 'port': {
        const nic = nicOf.get(record.id);
        const server = nic && nameOf('server', nic.server);
        if (nic && server !== undefined) return `${server}/eth${nic.index}`;
        const router = nameOf('router', routerOfPort.get(record.id));
        if (router !== undefined) return `${router}/interface`;
        const network = nameOf('network', one(record.refs.network));
        return network !== undefined ? `${network}/port` : record.id;
      }
      case 'volume': {
        const disk = diskOf.get(record.id);
        const server = disk && nameOf('server', disk.server);
        return disk && server !== undefined ? `${server}/${disk.slot}` : record.id;
      }
      case 'subnet': {
        const network = nameOf('network', one(record.refs.network));
        return network !== undefined ? `${network}/${String(record.spec.cidr)}` : record.id;
      }
      case 'floating_ip': {
        const port = nameOf('port', one(record.refs.port));
        if (port !== undefined) return port;
        const network = nameOf('network', one(record.refs.floating_network));
        return `${network ?? 'external'}/unassociated`;
      }
      case 'volume_snapshot': {
        const volume = nameOf('volume', one(record.refs.volume));
        return volume !== undefined ? `${volume}/snapshot` : record.id;
      }
      default:
        return record.id;
    }
  };

  for (const kind of KEY_ORDER) {
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
