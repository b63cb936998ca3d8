import { diskReady, hasDisk } from './disks.js';
import { isObj, isoSeconds, str, type Obj } from '../core/json.js';
import { authOf, type Reply, type SimRequest } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { newImageRecord, markImageActive } from '../glance/store.js';
import { mvAtLeast, novaBadRequest, novaConflict, writer } from './common.js';
import type { ServerRecord } from './server-render.js';
import type { NovaDeps } from './servers.js';
import { resolveGroup } from '../neutron/security-groups.js';

function stateConflict(s: ServerRecord, action: string): never {
  throw novaConflict(`Cannot '${action}' instance ${s.id} while it is in vm_state ${String(s.vm_state)}`);
}

function transition(state: RegionState, s: ServerRecord, task: string, to: Partial<ServerRecord>): void {
  s.task_state = task;
  state.jobs.schedule(state.delays.serverPowerMs, () => {
    if (!state.servers.has(s.id)) return;
    Object.assign(s, to, { task_state: null, updated: isoSeconds() });
  });
}

/** POST /servers/{id}/action. */
export function serverActions(req: SimRequest, state: RegionState, s: ServerRecord, deps: NovaDeps): Reply {
  const body = isObj(req.body) ? req.body : {};
  const action = Object.keys(body)[0];
  const a = writer(req, state, `os_compute_api:servers:${action ?? 'action'}`);
  if (s.locked === true && !a.isAdmin && action !== 'lock' && action !== 'unlock')
    throw novaConflict(`Instance ${s.id} is locked`);
  switch (action) {
    case 'os-stop':
      if (s.vm_state !== 'active' || s.task_state) stateConflict(s, 'stop');
      transition(state, s, 'powering-off', { status: 'SHUTOFF', vm_state: 'stopped', power_state: 4 });
      return { status: 202 };
    case 'os-start':
      if (s.vm_state !== 'stopped' || s.task_state) stateConflict(s, 'start');
      transition(state, s, 'powering-on', { status: 'ACTIVE', vm_state: 'active', power_state: 1 });
      return { status: 202 };
    case 'reboot': {
      if (s.vm_state !== 'active' && s.vm_state !== 'stopped') stateConflict(s, 'reboot');
      const hard = isObj(body.reboot) && str(body.reboot, 'type') === 'HARD';
      s.status = hard ? 'HARD_REBOOT' : 'REBOOT';
      transition(state, s, hard ? 'reboot_started_hard' : 'reboot_started', {
        status: 'ACTIVE',
        vm_state: 'active',
        power_state: 1,
      });
      return { status: 202 };
    }
    case 'pause':
      if (s.vm_state !== 'active' || s.task_state) stateConflict(s, 'pause');
      transition(state, s, 'pausing', { status: 'PAUSED', vm_state: 'paused', power_state: 3 });
      return { status: 202 };
    case 'unpause':
      if (s.vm_state !== 'paused' || s.task_state) stateConflict(s, 'unpause');
      transition(state, s, 'unpausing', { status: 'ACTIVE', vm_state: 'active', power_state: 1 });
      return { status: 202 };
    case 'suspend':
      if (s.vm_state !== 'active' || s.task_state) stateConflict(s, 'suspend');
      transition(state, s, 'suspending', { status: 'SUSPENDED', vm_state: 'suspended', power_state: 7 });
      return { status: 202 };
    case 'resume':
      if (s.vm_state !== 'suspended' || s.task_state) stateConflict(s, 'resume');
      transition(state, s, 'resuming', { status: 'ACTIVE', vm_state: 'active', power_state: 1 });
      return { status: 202 };
    case 'shelve':
      if (!['active', 'stopped', 'paused', 'suspended'].includes(String(s.vm_state)) || s.task_state)
        stateConflict(s, 'shelve');
      transition(state, s, 'shelving', {
        status: 'SHELVED_OFFLOADED',
        vm_state: 'shelved_offloaded',
        power_state: 4,
        host: '',
      });
      return { status: 202 };
    case 'unshelve': {
      if (!['shelved', 'shelved_offloaded'].includes(String(s.vm_state)) || s.task_state) stateConflict(s, 'unshelve');
      const host = String(s.planned_host || state.hosts[0]);
      transition(state, s, 'unshelving', { status: 'ACTIVE', vm_state: 'active', power_state: 1, host });
      return { status: 202 };
    }
    case 'lock':
      s.locked = true;
      s.locked_reason = isObj(body.lock) ? (str(body.lock, 'locked_reason') ?? null) : null;
      return { status: 202 };
    case 'unlock':
      s.locked = false;
      s.locked_reason = null;
      return { status: 202 };
    case 'createImage':
      return createImage(req, state, s, body.createImage, deps);
    case 'addSecurityGroup':
    case 'removeSecurityGroup': {
      const name = isObj(body[action]) ? str(body[action], 'name') : undefined;
      const group = name ? resolveGroup(state, s.tenant_id, name) : undefined;
      if (!group) throw novaBadRequest(`Security group ${name ?? ''} not found for project ${s.tenant_id}.`);
      for (const pid of s.port_ids) {
        const port = state.ports.get(pid);
        if (!port) continue;
        const groups = port.security_groups as string[];
        if (action === 'addSecurityGroup' && !groups.includes(String(group.id))) groups.push(String(group.id));
        if (action === 'removeSecurityGroup') port.security_groups = groups.filter((g) => g !== group.id);
      }
      return { status: 202 };
    }
    default:
      throw novaBadRequest(`There is no such action: ${action ?? ''}`);
  }
}

/**
 * createImage: an image-backed server's snapshot holds a copy of its disk's bytes (its own disk, made from its
 * image when it was created; see ./disks.ts); a volume-backed one gives an image without data that names volume
 * snapshots in `block_device_mapping`, as Nova does.
 */
function createImage(req: SimRequest, state: RegionState, s: ServerRecord, args: unknown, deps: NovaDeps): Reply {
  const a = authOf(req);
  const name = isObj(args) ? str(args, 'name') : undefined;
  if (!name)
    throw novaBadRequest("Invalid input for field/attribute createImage. Value: {}. 'name' is a required property");
  if (s.vm_state !== 'active' && s.vm_state !== 'stopped') stateConflict(s, 'createImage');
  const metadata = isObj(args) && isObj(args.metadata) ? args.metadata : {};
  const base = s.image_id ? state.images.get(s.image_id) : undefined;
  const props: Obj = {
    ...Object.fromEntries(
      Object.entries(base ?? {}).filter(
        ([k]) =>
          ![
            'id',
            'name',
            'status',
            'visibility',
            'protected',
            'os_hidden',
            'checksum',
            'os_hash_algo',
            'os_hash_value',
            'size',
            'virtual_size',
            'owner',
            'created_at',
            'updated_at',
            'tags',
            'locations',
            'direct_url',
          ].includes(k),
      ),
    ),
    ...metadata,
    name,
    visibility: 'private',
    image_type: 'snapshot',
    instance_uuid: s.id,
    user_id: a.userId,
    owner_project_name: a.projectName,
    owner_user_name: a.userName,
    image_location: 'snapshot',
    image_state: 'available',
    owner_id: s.tenant_id,
    boot_roles: a.roles.join(','),
    base_image_ref: s.image_id,
    min_ram: Math.max(Number(base?.min_ram ?? 0), 0),
    min_disk: Math.max(Number(base?.min_disk ?? 0), Number(s.flavor.disk)),
  };
  const image = newImageRecord(state, s.tenant_id, props);
  const imageId = String(image.id);
  s.task_state = 'image_snapshot';
  const done = (): void => {
    if (s.task_state === 'image_snapshot') s.task_state = null;
  };
  if (s.image_id && (base || hasDisk(state, s.id))) {
    image.status = 'saving';
    // The server's own disk when it has one (a workload may have written to it), else its base image.
    const baseId = s.image_id;
    const copy = diskReady(state, s.id)
      .then((own) =>
        own
          ? state.blobs.copyHashed('disks', s.id, 'images', imageId)
          : state.blobs.copyHashed('images', baseId, 'images', imageId),
      )
      .then((info) => {
        (image as Obj)._pending = info;
      });
    state.jobs.schedule(
      state.delays.imageActiveMs,
      () => {
        const info = (image as Obj)._pending as { size: number; md5: string; sha512: string } | undefined;
        delete (image as Obj)._pending;
        if (info && state.images.has(imageId)) markImageActive(state, image, info);
        done();
      },
      copy,
    );
  } else {
    const mappings = s.volumes.map((v, i) => {
      const vol = state.volumes.get(v.id);
      const snapId = state.uuid();
      state.snapshots.put(snapId, {
        id: snapId,
        name: `snapshot for ${name}`,
        description: null,
        volume_id: v.id,
        status: 'available',
        size: vol?.size ?? 0,
        metadata: {},
        created_at: isoSeconds(),
        updated_at: null,
        'os-extended-snapshot-attributes:project_id': s.tenant_id,
        'os-extended-snapshot-attributes:progress': '100%',
      });
      return {
        boot_index: v.is_root ? 0 : null,
        source_type: 'snapshot',
        destination_type: 'volume',
        snapshot_id: snapId,
        volume_size: vol?.size,
        device_name: v.device,
        delete_on_termination: v.delete_on_termination,
        tag: v.tag,
        guest_format: null,
        disk_bus: 'virtio',
        device_type: 'disk',
        image_id: null,
        volume_id: null,
        no_device: null,
        boot_order: i,
      };
    });
    Object.assign(image, {
      block_device_mapping: JSON.stringify(mappings),
      bdm_v2: 'True',
      root_device_name: '/dev/vda',
      disk_format: image.disk_format ?? 'raw',
      container_format: image.container_format ?? 'bare',
    });
    state.jobs.schedule(state.delays.imageActiveMs, () => {
      if (state.images.has(imageId)) {
        markImageActive(state, image, {
          size: 0,
          md5: 'd41d8cd98f00b204e9800998ecf8427e',
          sha512:
            'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
        });
      }
      done();
    });
  }
  if (mvAtLeast(req, '2.45')) return { status: 202, body: { image_id: imageId } };
  return { status: 202, headers: { location: `${deps.imageUrl()}/images/${imageId}` } };
}
