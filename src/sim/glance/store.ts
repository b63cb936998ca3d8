import { clone, isoSeconds, type Obj } from '../core/json.js';
import type { AuthContext } from '../http/context.js';
import type { RegionState } from '../state/region.js';

/** The image fields Glance manages itself; everything else on an image record is a custom property. */
export const CORE_IMAGE_KEYS = [
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
  'min_disk',
  'min_ram',
  'disk_format',
  'container_format',
  'owner',
  'created_at',
  'updated_at',
  'tags',
  'locations',
  'direct_url',
  'self',
  'file',
  'schema',
  'stores',
];

export const READ_ONLY_IMAGE_KEYS = [
  'id',
  'status',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'size',
  'virtual_size',
  'created_at',
  'updated_at',
  'self',
  'file',
  'schema',
  'direct_url',
  'locations',
  'stores',
];

export function newImageRecord(state: RegionState, owner: string, fields: Obj): Obj {
  const now = isoSeconds();
  const id = typeof fields.id === 'string' ? fields.id : state.uuid();
  const record: Obj = {
    name: null,
    disk_format: null,
    container_format: null,
    visibility: 'shared',
    protected: false,
    min_disk: 0,
    min_ram: 0,
    tags: [],
    ...clone(fields),
    id,
    status: 'queued',
    owner,
    checksum: null,
    size: null,
    virtual_size: null,
    created_at: now,
    updated_at: now,
  };
  if (state.profile.glance.hasMultihash) {
    record.os_hash_algo = null;
    record.os_hash_value = null;
  }
  if (state.profile.glance.hasOsHidden) record.os_hidden = fields.os_hidden === true;
  return state.images.put(id, record);
}

/** Can the caller see the image (show)? Listing is narrower, see `listedFor`. */
export function imageVisibleTo(state: RegionState, auth: AuthContext, image: Obj): boolean {
  if (auth.isAdmin || image.owner === auth.projectId) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  return (
    image.visibility === 'shared' &&
    auth.projectId !== undefined &&
    (state.imageMembers.get(String(image.id))?.has(auth.projectId) ?? false)
  );
}

/** Images a default listing returns: public, own, and shared ones the project accepted. */
export function listedFor(state: RegionState, auth: AuthContext, image: Obj): boolean {
  if (auth.isAdmin || image.owner === auth.projectId || image.visibility === 'public') return true;
  if (image.visibility !== 'shared' || !auth.projectId) return false;
  return state.imageMembers.get(String(image.id))?.get(auth.projectId)?.status === 'accepted';
}

/**
 * Pike's Glance never computed virtual_size on upload; the simulator still gives Pike Zed's value until Bascule's
 * image export treats virtual_size as computed by the cloud (docs/simulator.md, "Pending").
 */
export const PIKE_VIRTUAL_SIZE_AS_ZED = false;

/** Records the hashes of stored bytes and makes the image active. */
export function markImageActive(
  state: RegionState,
  image: Obj,
  info: { size: number; md5: string; sha512: string; head?: Buffer },
): void {
  image.status = 'active';
  image.size = info.size;
  // Zed's Glance inspects the data (glance/location.py, format_inspector): raw gives the size, a real qcow2 header
  // its virtual size, data that does not match the format nothing. Pike's never sets virtual_size on upload.
  image.virtual_size =
    state.profile.name === 'pike' && !PIKE_VIRTUAL_SIZE_AS_ZED
      ? null
      : inspectVirtualSize(String(image.disk_format), info);
  if (state.profile.name !== 'pike') image.stores = 'file';
  image.checksum = info.md5;
  if (state.profile.glance.hasMultihash) {
    image.os_hash_algo = 'sha512';
    image.os_hash_value = info.sha512;
  }
  image.updated_at = isoSeconds();
}

function inspectVirtualSize(format: string, info: { size: number; head?: Buffer }): number | null {
  if (format === 'raw') return info.size;
  const head = info.head;
  if (format === 'qcow2' && head && head.length >= 32 && head.readUInt32BE(0) === 0x514649fb)
    return Number(head.readBigUInt64BE(24));
  return null;
}
