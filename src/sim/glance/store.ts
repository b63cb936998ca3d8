import { clone, isoSeconds, type Obj } from '../core/json.js';
import type { AuthContext } from '../http/context.js';
import type { RegionState } from '../state/region.js';

/** The image fields Glance manages itself; everything else on an image record is a custom property. */
export const CORE_IMAGE_KEYS = [
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo', 'os_hash_value', 'size',
  'virtual_size', 'min_disk', 'min_ram', 'disk_format', 'container_format', 'owner', 'created_at', 'updated_at', 'tags',
  'locations', 'direct_url', 'self', 'file', 'schema', 'stores',
];

export const READ_ONLY_IMAGE_KEYS = [
  'id', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'created_at', 'updated_at',
  'self', 'file', 'schema', 'direct_url', 'locations', 'stores',
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
  return image.visibility === 'shared' && auth.projectId !== undefined && (state.imageMembers.get(String(image.id))?.has(auth.projectId) ?? false);
}

/** Images a default listing returns: public, own, and shared ones the project accepted. */
export function listedFor(state: RegionState, auth: AuthContext, image: Obj): boolean {
  if (auth.isAdmin || image.owner === auth.projectId || image.visibility === 'public') return true;
  if (image.visibility !== 'shared' || !auth.projectId) return false;
  return state.imageMembers.get(String(image.id))?.get(auth.projectId)?.status === 'accepted';
}

/** Records the hashes of stored bytes and makes the image active. */
export function markImageActive(state: RegionState, image: Obj, info: { size: number; md5: string; sha512: string }): void {
  image.status = 'active';
  image.size = info.size;
  image.virtual_size = image.disk_format === 'raw' ? info.size : null;
  image.checksum = info.md5;
  if (state.profile.glance.hasMultihash) {
    image.os_hash_algo = 'sha512';
    image.os_hash_value = info.sha512;
  }
  image.updated_at = isoSeconds();
}
