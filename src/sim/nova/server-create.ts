import { startDisk } from './disks.js';
import { randomBytes } from 'node:crypto';
import { pyRepr } from '../core/pyrepr.js';
import { bool, isObj, isoSeconds, num, str, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import { atLeast, type Version } from '../http/microversion.js';
import type { AuthContext } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { attachVolume, createVolumeRecord } from '../cinder/store.js';
import { imageVisibleTo } from '../glance/store.js';
import { visibleNetwork } from '../neutron/networks.js';
import { createPort, removePort } from '../neutron/ports.js';
import { ensureDefaultGroup, resolveGroup } from '../neutron/security-groups.js';
import { bindSubports } from '../neutron/trunks.js';
import { additionalProperty, checkComputeQuota, novaBadRequest, novaConflict } from './common.js';
import { findFlavor } from './flavors.js';
import { findKeypair } from './keypairs.js';
import type { ServerRecord } from './server-render.js';

export interface CreateContext {
  auth: AuthContext;
  mv: Version;
  /** Seeding: skip quotas and delays, the server is ACTIVE at once. */
  isImmediate?: boolean;
  /** Seeding: the id to use. */
  id?: string;
}

const SERVER_KEYS = [
  'name',
  'imageRef',
  'flavorRef',
  'networks',
  'key_name',
  'security_groups',
  'metadata',
  'tags',
  'availability_zone',
  'user_data',
  'config_drive',
  'block_device_mapping_v2',
  'block_device_mapping',
  'min_count',
  'max_count',
  'description',
  'hostname',
  'adminPass',
  'accessIPv4',
  'accessIPv6',
  'OS-DCF:diskConfig',
  'personality',
  'return_reservation_id',
  'trusted_image_certificates',
  'host',
  'hypervisor_hostname',
];

function translateNeutron(error: unknown): never {
  if (error instanceof ApiError && error.type === 'IpAddressAlreadyAllocated') {
    throw novaBadRequest(
      error.message.replace(
        /^IP address (\S+) already allocated in subnet \S+$/,
        'Fixed IP address $1 is already in use on instance.',
      ),
    );
  }
  if (error instanceof ApiError && error.type === 'OverQuota')
    throw new ApiError(403, 'Maximum number of ports exceeded');
  if (error instanceof ApiError && error.status < 500) throw novaBadRequest(error.message);
  throw error;
}

function pickHost(state: RegionState, group: Obj | undefined, zone: string | undefined): string | undefined {
  const hosts = zone ? state.hosts.filter((h) => state.zoneOf(h) === zone) : state.hosts;
  const members = group
    ? (group.members as string[])
        .map((id) => state.servers.get(id)?.host)
        .filter((h): h is string => typeof h === 'string' && h !== '')
    : [];
  if (group?.policy === 'anti-affinity') {
    const maxPerHost = Number((group.rules as Obj | undefined)?.max_server_per_host ?? 1);
    return hosts.find((h) => members.filter((m) => m === h).length < maxPerHost);
  }
  if (group?.policy === 'affinity' && members.length) return members[0];
  if (group?.policy === 'soft-anti-affinity')
    return hosts.find((h) => !members.includes(h)) ?? hosts[state.instanceCounter % hosts.length];
  if (group?.policy === 'soft-affinity' && members.length) return members[0];
  return hosts[state.instanceCounter % hosts.length];
}

/** POST /servers: validates like Nova, creates ports and volumes, and schedules BUILD -> ACTIVE. */
export function createServer(state: RegionState, ctx: CreateContext, body: Obj, hints: Obj): ServerRecord {
  const { auth, mv } = ctx;
  const projectId = auth.projectId ?? '';
  for (const k of Object.keys(body)) {
    if (!SERVER_KEYS.includes(k)) throw additionalProperty('server', body, k);
  }
  if (body.tags !== undefined && !atLeast(mv, '2.52')) throw additionalProperty('server', body, 'tags');
  if (body.description !== undefined && !atLeast(mv, '2.19')) throw additionalProperty('server', body, 'description');
  if (body.hostname !== undefined && !atLeast(mv, '2.90')) throw additionalProperty('server', body, 'hostname');
  if (body.personality !== undefined && atLeast(mv, '2.57')) throw additionalProperty('server', body, 'personality');
  const name = str(body, 'name');
  if (!name)
    throw novaBadRequest(
      `Invalid input for field/attribute server. Value: ${pyRepr(body)}. 'name' is a required property`,
    );
  const flavorRef = body.flavorRef === undefined ? undefined : String(body.flavorRef);
  if (!flavorRef)
    throw novaBadRequest(
      `Invalid input for field/attribute server. Value: ${pyRepr(body)}. 'flavorRef' is a required property`,
    );
  if (body.networks === undefined && atLeast(mv, '2.37')) {
    throw novaBadRequest(
      `Invalid input for field/attribute server. Value: ${pyRepr(body)}. 'networks' is a required property`,
    );
  }
  const flavor = findFlavor(state, auth, flavorRef.split('/').at(-1)!);
  if (!flavor) throw novaBadRequest(`Flavor ${flavorRef.split('/').at(-1)!} could not be found.`);
  const az = str(body, 'availability_zone');
  const zone = az?.split(':')[0] || undefined;
  if (zone !== undefined && !state.zones.includes(zone))
    throw novaBadRequest('The requested availability zone is not available');
  const keyName = str(body, 'key_name');
  if (keyName !== undefined && !findKeypair(state, auth.userId, keyName))
    throw novaBadRequest('Invalid key_name provided.');
  if (body.metadata !== undefined && !isObj(body.metadata))
    throw novaBadRequest(
      `Invalid input for field/attribute metadata. Value: ${pyRepr(body.metadata)}. ${JSON.stringify(body.metadata)} is not of type 'object'`,
    );
  const metadata = Object.fromEntries(
    Object.entries((body.metadata as Obj | undefined) ?? {}).map(([k, v]) => [k, String(v)]),
  );
  const tags = Array.isArray(body.tags) ? body.tags.map(String) : [];
  const userData = str(body, 'user_data');
  if (userData !== undefined && !/^[A-Za-z0-9+/=\s]*$/.test(userData))
    throw novaBadRequest('Invalid input for field/attribute user_data. Value: (omitted). is not a base64 string');

  // Group hint.
  const groupId = isObj(hints) ? str(hints, 'group') : undefined;
  const group = groupId ? state.serverGroups.get(groupId) : undefined;
  if (groupId && (!group || (group.project_id !== projectId && !auth.isAdmin)))
    throw novaBadRequest(`Invalid input: group ${groupId} could not be found.`);

  // Boot source.
  const bdms = (body.block_device_mapping_v2 as Obj[] | undefined) ?? [];
  if (!Array.isArray(bdms)) throw novaBadRequest('Invalid input for field/attribute block_device_mapping_v2.');
  const rootBdm = bdms.find((b) => String(b.boot_index) === '0');
  const imageRef = str(body, 'imageRef');
  let imageId = '';
  const checkImage = (id: string): Obj => {
    const image = state.images.get(id);
    if (!image || !imageVisibleTo(state, auth, image)) throw novaBadRequest('Can not find requested image');
    if (image.status !== 'active') throw novaBadRequest(`Image ${id} is not active.`);
    return image;
  };
  if (!rootBdm || (rootBdm.source_type === 'image' && rootBdm.destination_type !== 'volume')) {
    const ref = rootBdm ? str(rootBdm, 'uuid') : imageRef;
    if (!ref)
      throw novaBadRequest(
        'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.',
      );
    checkImage(ref);
    imageId = ref;
  }
  for (const b of bdms) {
    if (b.source_type === 'image') checkImage(String(b.uuid));
    if (b.source_type === 'volume') {
      const vol = state.volumes.get(String(b.uuid));
      if (!vol || (vol['os-vol-tenant-attr:tenant_id'] !== projectId && !auth.isAdmin))
        throw novaBadRequest(`Block Device Mapping is Invalid: failed to get volume ${String(b.uuid)}.`);
      if (vol.status !== 'available')
        throw novaBadRequest(
          `Invalid volume: volume '${String(b.uuid)}' status must be 'available'. Currently in '${String(vol.status)}'`,
        );
    }
    if (b.volume_type !== undefined && !atLeast(mv, '2.67'))
      throw additionalProperty('block_device_mapping_v2', b, 'volume_type');
  }

  // Security groups (by name or id, in the caller's project).
  const sgRefs = Array.isArray(body.security_groups)
    ? body.security_groups.map((g) => (isObj(g) ? String(g.name) : String(g)))
    : ['default'];
  const sgIds = sgRefs.map((ref) => {
    const g = resolveGroup(state, projectId, ref);
    if (!g) throw novaBadRequest(`Security group ${ref} not found for project ${projectId}.`);
    return String(g.id);
  });
  if (projectId) ensureDefaultGroup(state, projectId);

  // Networks.
  let requested: Obj[] = [];
  const networks = body.networks;
  if (networks === undefined || networks === 'auto') {
    const candidates = state.networks.filter((n) => visibleNetwork(auth, n) && n['router:external'] !== true);
    if (candidates.length > 1)
      throw novaConflict('Multiple possible networks found, use a Network ID to be more specific.');
    if (candidates.length === 0 && networks === 'auto')
      throw novaBadRequest(`Unable to automatically allocate a network for project ${projectId}`);
    requested = candidates.map((n) => ({ uuid: n.id }));
  } else if (networks !== 'none') {
    if (!Array.isArray(networks))
      throw novaBadRequest(`Invalid input for field/attribute networks. Value: ${pyRepr(networks)}.`);
    requested = networks.filter(isObj);
  }
  for (const n of requested) {
    const portId = str(n, 'port');
    if (portId) {
      const port = state.ports.get(portId);
      if (!port || (port.project_id !== projectId && !auth.isAdmin))
        throw novaBadRequest(`Port id ${portId} could not be found.`);
      if (port.device_id) throw novaConflict(`Port ${portId} is still in use.`);
      continue;
    }
    const netId = str(n, 'uuid');
    const net = netId ? state.networks.get(netId) : undefined;
    if (!net || !visibleNetwork(auth, net)) throw novaBadRequest(`Network ${netId ?? ''} could not be found.`);
  }

  // Quotas.
  const mine = ctx.isImmediate ? [] : state.servers.filter((s) => s.tenant_id === projectId);
  if (!ctx.isImmediate) {
    checkComputeQuota(state, projectId, 'instances', 1, mine.length);
    checkComputeQuota(
      state,
      projectId,
      'cores',
      Number(flavor.vcpus),
      mine.reduce((t, s) => t + Number((s.flavor as Obj).vcpus), 0),
    );
    checkComputeQuota(
      state,
      projectId,
      'ram',
      Number(flavor.ram),
      mine.reduce((t, s) => t + Number((s.flavor as Obj).ram), 0),
    );
    if (group) checkComputeQuota(state, projectId, 'server_group_members', 1, (group.members as string[]).length);
    if (
      Object.keys(metadata).length > state.quotas.limit(projectId, 'compute', 'metadata_items') &&
      state.quotas.limit(projectId, 'compute', 'metadata_items') >= 0
    ) {
      throw new ApiError(
        403,
        `Quota exceeded for metadata_items: Requested ${Object.keys(metadata).length}, but already used 0 of ${state.quotas.limit(projectId, 'compute', 'metadata_items')} metadata_items`,
      );
    }
  }

  const id = ctx.id ?? state.uuid();
  state.instanceCounter++;
  const host = pickHost(state, group, zone);
  const hostZone = zone ?? (host ? state.zoneOf(host) : state.zones[0]!);
  const now = isoSeconds();

  // Ports: created for networks, adopted for given ports.
  const portIds: string[] = [];
  const createdPorts: string[] = [];
  try {
    for (const n of requested) {
      const portId = str(n, 'port');
      if (portId) {
        const port = state.ports.get(portId)!;
        port.device_id = id;
        port.device_owner = `compute:${hostZone}`;
        port['binding:host_id'] = host ?? '';
        bindSubports(state, portId);
        portIds.push(portId);
        continue;
      }
      const fixed = str(n, 'fixed_ip');
      const port = createPort(state, undefined, projectId, {
        network_id: String(n.uuid),
        device_id: id,
        device_owner: `compute:${hostZone}`,
        security_groups: state.networks.get(String(n.uuid))?.port_security_enabled === false ? [] : sgIds,
        'binding:host_id': host ?? '',
        ...(fixed ? { fixed_ips: [{ ip_address: fixed }] } : {}),
      });
      portIds.push(String(port.id));
      createdPorts.push(String(port.id));
    }
  } catch (error) {
    for (const pid of createdPorts) {
      const p = state.ports.get(pid);
      if (p) removePort(state, p, true);
    }
    for (const pid of portIds.filter((p) => !createdPorts.includes(p))) {
      const p = state.ports.get(pid);
      if (p) p.device_id = '';
    }
    translateNeutron(error);
  }

  // Volumes from the block device mappings.
  const volumes: ServerRecord['volumes'] = [];
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  bdms
    .filter((b) => b.destination_type === 'volume')
    .sort((x, y) => Number(x.boot_index ?? 99) - Number(y.boot_index ?? 99))
    .forEach((b, i) => {
      let volId: string;
      if (b.source_type === 'volume') {
        volId = String(b.uuid);
      } else {
        const size = num(b, 'volume_size');
        if (size === undefined)
          throw novaBadRequest(
            'Block Device Mapping is Invalid: You specified more local devices than the limit allows',
          );
        const vol = createVolumeRecord(
          state,
          projectId,
          auth.userId,
          {
            name: '',
            size,
            ...(b.source_type === 'image' ? { imageRef: String(b.uuid) } : {}),
            ...(str(b, 'volume_type') ? { volume_type: str(b, 'volume_type')! } : {}),
          },
          ctx.isImmediate ? 0 : undefined,
        );
        volId = String(vol.id);
      }
      volumes.push({
        id: volId,
        delete_on_termination: bool(b, 'delete_on_termination') ?? false,
        device: str(b, 'device_name') ?? `/dev/vd${letters[i] ?? 'z'}`,
        attachment_id: state.uuid(),
        tag: str(b, 'tag') ?? null,
        bdm_uuid: state.uuid(),
        is_root: String(b.boot_index) === '0',
      });
    });

  const server: ServerRecord = {
    id,
    name,
    status: 'BUILD',
    tenant_id: projectId,
    user_id: auth.userId,
    metadata,
    image_id: imageId,
    flavor: structuredClone(flavor),
    port_ids: portIds,
    created_port_ids: createdPorts,
    volumes,
    host: '',
    planned_host: host ?? '',
    tags,
    created: now,
    updated: now,
    key_name: keyName ?? null,
    availability_zone: hostZone,
    requested_az: az ?? null,
    config_drive: body.config_drive === true || body.config_drive === 'True' || body.config_drive === 'true',
    vm_state: 'building',
    task_state: 'scheduling',
    power_state: 0,
    instance_name: `instance-${state.instanceCounter.toString(16).padStart(8, '0')}`,
    reservation_id: `r-${state.hex(8)}`,
    hostname:
      str(body, 'hostname') ??
      name
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 63),
    description: str(body, 'description') ?? null,
    locked: false,
    access_ipv4: str(body, 'accessIPv4') ?? '',
    access_ipv6: str(body, 'accessIPv6') ?? '',
    disk_config: str(body, 'OS-DCF:diskConfig') ?? 'MANUAL',
    server_groups: group ? [group.id] : [],
    scheduler_hints: isObj(hints) ? structuredClone(hints) : {},
    root_device_name: '/dev/vda',
  };
  state.servers.put(id, server);
  state.serverSecrets.set(id, {
    ...(userData !== undefined ? { user_data: userData } : {}),
    adminPass: randomBytes(9).toString('base64url'),
  });
  if (group) (group.members as string[]).push(id);

  const finishBuild = (): void => {
    if (server.status !== 'BUILD') return;
    if (!host) {
      Object.assign(server, {
        status: 'ERROR',
        vm_state: 'error',
        task_state: null,
        fault: {
          code: 500,
          created: isoSeconds(),
          message: 'No valid host was found. There are not enough hosts available.',
        },
      });
      return;
    }
    Object.assign(server, {
      status: 'ACTIVE',
      vm_state: 'active',
      task_state: null,
      power_state: 1,
      host,
      launched_at: new Date().toISOString().replace('Z', '000').slice(0, 26),
      updated: isoSeconds(),
    });
    for (const v of server.volumes) {
      const vol = state.volumes.get(v.id);
      if (vol && !(vol.attachments as Obj[]).some((a) => a.server_id === id))
        attachVolume(state, vol, id, v.device, host, true);
    }
  };
  // The image's bytes become the server's own disk (a snapshot waits for that copy; the build does not).
  if (imageId) void startDisk(state, id, imageId);
  if (ctx.isImmediate) finishBuild();
  else state.jobs.schedule(state.delays.serverBuildMs, finishBuild);
  return server;
}
