import { clone, isoMicros, str, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import type { RegionState } from '../state/region.js';

export function volumeNotFound(id: string): ApiError {
  return new ApiError(404, `Volume ${id} could not be found.`);
}

export function defaultVolumeType(state: RegionState): Obj {
  const found = state.volumeTypes.find((t) => t.name === '__DEFAULT__') ?? state.volumeTypes.all()[0];
  if (found) return found;
  const id = state.uuid();
  return state.volumeTypes.put(id, {
    id,
    name: state.profile.name === 'pike' ? 'default' : '__DEFAULT__',
    description: 'Default Volume Type',
    is_public: true,
    extra_specs: {},
    qos_specs_id: null,
    'os-volume-type-access:is_public': true,
  });
}

export function findVolumeType(state: RegionState, nameOrId: string): Obj | undefined {
  return state.volumeTypes.get(nameOrId) ?? state.volumeTypes.find((t) => t.name === nameOrId);
}

export interface NewVolume {
  name?: string | null;
  size: number;
  description?: string | null;
  volume_type?: string;
  availability_zone?: string;
  metadata?: Obj;
  imageRef?: string;
  snapshot_id?: string;
  source_volid?: string;
  bootable?: boolean;
  id?: string;
  multiattach?: boolean;
}

/**
 * Creates a volume record in `creating` and schedules `available`. Bytes: a copy of the image's,
 * the snapshot's or the source volume's when there is one; otherwise the volume holds no bytes.
 */
export function createVolumeRecord(
  state: RegionState,
  owner: string,
  userId: string,
  spec: NewVolume,
  delayMs = state.delays.volumeCreateMs,
): Obj {
  const type = spec.volume_type ? findVolumeType(state, spec.volume_type) : defaultVolumeType(state);
  if (!type) throw new ApiError(404, `Volume type with name ${spec.volume_type ?? ''} could not be found.`);
  const id = spec.id ?? state.uuid();
  const now = isoMicros();
  const volume: Obj = {
    id,
    name: spec.name ?? null,
    status: 'creating',
    size: spec.size,
    availability_zone: spec.availability_zone ?? 'nova',
    created_at: now,
    updated_at: null,
    attachments: [],
    bootable: 'false',
    encrypted: false,
    multiattach: spec.multiattach ?? false,
    description: spec.description ?? null,
    volume_type: type.name,
    volume_type_id: type.id,
    snapshot_id: spec.snapshot_id ?? null,
    source_volid: spec.source_volid ?? null,
    metadata: clone(spec.metadata ?? {}),
    user_id: userId,
    'os-vol-tenant-attr:tenant_id': owner,
    replication_status: null,
    consistencygroup_id: null,
    group_id: null,
    migration_status: null,
    'os-vol-host-attr:host': 'cinder@nfs#nfs',
    backup_id: null,
  };
  let copy: Promise<unknown> | undefined;
  if (spec.imageRef) {
    const image = state.images.get(spec.imageRef)!;
    volume.bootable = 'true';
    volume.status = 'downloading';
    volume.volume_image_metadata = {
      signature_verified: 'False',
      image_id: image.id,
      image_name: image.name,
      checksum: image.checksum,
      container_format: image.container_format,
      disk_format: image.disk_format,
      min_disk: String(image.min_disk),
      min_ram: String(image.min_ram),
      size: String(image.size),
    };
    copy = state.blobs.copy('images', spec.imageRef, 'volumes', id);
  } else if (spec.source_volid) {
    copy = copyIfAny(state, spec.source_volid, id);
    volume.bootable = state.volumes.get(spec.source_volid)?.bootable ?? 'false';
  } else if (spec.snapshot_id) {
    const snap = state.snapshots.get(spec.snapshot_id);
    if (snap) copy = copyIfAny(state, String(snap.volume_id), id);
  }
  if (spec.bootable) volume.bootable = 'true';
  state.volumes.put(id, volume);
  state.jobs.schedule(
    delayMs,
    () => {
      if (volume.status === 'creating' || volume.status === 'downloading') {
        volume.status = 'available';
        volume.updated_at = isoMicros();
      }
    },
    copy,
  );
  return volume;
}

async function copyIfAny(state: RegionState, fromId: string, toId: string): Promise<void> {
  if (await state.blobs.exists('volumes', fromId)) await state.blobs.copy('volumes', fromId, 'volumes', toId);
}

/** Marks a volume attached to a server (Nova's attach flow, collapsed). */
export function attachVolume(
  state: RegionState,
  volume: Obj,
  serverId: string,
  device: string,
  host: string,
  immediate = false,
): Obj {
  const attachmentId = state.uuid();
  const attachment = {
    server_id: serverId,
    attachment_id: attachmentId,
    attached_at: isoMicros(),
    host_name: host,
    volume_id: volume.id,
    device,
    id: volume.id,
  };
  (volume.attachments as Obj[]).push(attachment);
  volume.status = immediate ? 'in-use' : 'attaching';
  if (!immediate) {
    state.jobs.schedule(state.delays.volumeAttachMs, () => {
      if (volume.status === 'attaching') volume.status = 'in-use';
    });
  }
  return attachment;
}

export function detachVolume(state: RegionState, volume: Obj, serverId: string, immediate = false): void {
  volume.attachments = (volume.attachments as Obj[]).filter((a) => a.server_id !== serverId);
  const done = (): void => {
    if ((volume.attachments as Obj[]).length === 0) volume.status = 'available';
  };
  if (immediate) {
    done();
    return;
  }
  volume.status = 'detaching';
  state.jobs.schedule(state.delays.volumeAttachMs, done);
}

export function volumeOwner(volume: Obj): string {
  return str(volume, 'os-vol-tenant-attr:tenant_id') ?? '';
}
