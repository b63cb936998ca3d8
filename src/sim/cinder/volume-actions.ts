import { bool, isObj, isoMicros, num, str, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import { authOf, type Reply, type SimRequest } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { markImageActive, newImageRecord } from '../glance/store.js';
import { mvAtLeast, writerOf } from './common.js';
import { findVolumeType } from './store.js';

/** POST /volumes/{id}/action. */
export function volumeActions(req: SimRequest, state: RegionState, v: Obj): Reply {
  const body = isObj(req.body) ? req.body : {};
  const action = Object.keys(body)[0] ?? '';
  const args = isObj(body[action]) ? body[action] : {};
  const a = writerOf(req, state, `volume_extension:${action}`);
  switch (action) {
    case 'os-extend': {
      const size = num(args, 'new_size');
      if (size === undefined || size <= Number(v.size))
        throw new ApiError(
          400,
          `Invalid input received: New size for extend must be greater than current size. (current: ${String(v.size)}, extended: ${String(size)}).`,
        );
      if (v.status !== 'available' && !(v.status === 'in-use' && mvAtLeast(req, '3.42')))
        throw new ApiError(
          400,
          `Invalid volume: Volume ${String(v.id)} status must be 'available' to extend, currently ${String(v.status)}.`,
        );
      v.size = size;
      return { status: 202 };
    }
    case 'os-set_bootable':
      v.bootable =
        bool(args, 'bootable') === true || str(args, 'bootable')?.toLowerCase() === 'true' ? 'true' : 'false';
      return { status: 200 };
    case 'os-update_readonly_flag':
      (v.metadata as Obj).readonly = String(bool(args, 'readonly') ?? false);
      return { status: 202 };
    case 'os-reset_status':
      if (!a.isAdmin)
        throw new ApiError(
          403,
          "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed.",
        );
      if (str(args, 'status')) v.status = str(args, 'status');
      if (str(args, 'attach_status') === 'detached') v.attachments = [];
      return { status: 202 };
    case 'os-retype': {
      const type = str(args, 'new_type');
      const t = type ? findVolumeType(state, type) : undefined;
      if (!t) throw new ApiError(404, `Volume type ${type ?? ''} could not be found.`);
      v.volume_type = t.name;
      v.volume_type_id = t.id;
      return { status: 202 };
    }
    case 'os-volume_upload_image':
      return uploadToImage(req, state, v, args);
    default:
      throw new ApiError(400, `There is no such action: ${action}`);
  }
}

/**
 * os-volume_upload_image: a new Glance image in `queued` that goes `active` holding a copy of the
 * volume's bytes; the volume is `uploading` meanwhile and then returns to its status.
 */
function uploadToImage(req: SimRequest, state: RegionState, v: Obj, args: Obj): Reply {
  const a = authOf(req);
  const force = bool(args, 'force') === true || str(args, 'force')?.toLowerCase() === 'true';
  if (v.status !== 'available' && !(v.status === 'in-use' && force)) {
    throw new ApiError(
      400,
      `Invalid volume: Volume ${String(v.id)} status must be available or in-use, but current status is: ${String(v.status)}.`,
    );
  }
  const name = str(args, 'image_name');
  if (!name) throw new ApiError(400, 'No image_name was specified in request.');
  const diskFormat = str(args, 'disk_format') ?? 'raw';
  const containerFormat = str(args, 'container_format') ?? 'bare';
  const visibility = mvAtLeast(req, '3.1') ? (str(args, 'visibility') ?? 'private') : 'private';
  if (visibility === 'public' && !a.isAdmin)
    throw new ApiError(403, "Policy doesn't allow volume_extension:volume_actions:upload_public to be performed.");
  const isProtected = mvAtLeast(req, '3.1') ? bool(args, 'protected') === true : false;
  const meta = (v.volume_image_metadata as Obj | undefined) ?? {};
  const inherited = Object.fromEntries(
    Object.entries(meta).filter(
      ([k]) =>
        ![
          'image_id',
          'image_name',
          'checksum',
          'size',
          'container_format',
          'disk_format',
          'min_disk',
          'min_ram',
        ].includes(k),
    ),
  );
  const image = newImageRecord(state, String(v['os-vol-tenant-attr:tenant_id']), {
    ...inherited,
    name,
    disk_format: diskFormat,
    container_format: containerFormat,
    visibility,
    protected: isProtected,
    min_disk: Number(v.size),
  });
  const imageId = String(image.id);
  const previous = String(v.status);
  v.status = 'uploading';
  image.status = 'saving';
  const volumeId = String(v.id);
  const copy = (async () => {
    if (await state.blobs.exists('volumes', volumeId))
      return state.blobs.copyHashed('volumes', volumeId, 'images', imageId);
    return state.blobs.generate('images', imageId, 0, imageId);
  })().then((info) => {
    (image as Obj)._pending = info;
  });
  state.jobs.schedule(
    state.delays.imageActiveMs,
    () => {
      const info = (image as Obj)._pending as { size: number; md5: string; sha512: string } | undefined;
      delete (image as Obj)._pending;
      if (info && state.images.has(imageId)) markImageActive(state, image, info);
      if (v.status === 'uploading') v.status = previous;
      v.updated_at = isoMicros();
    },
    copy,
  );
  const type = findVolumeType(state, String(v.volume_type));
  return {
    status: 202,
    body: {
      'os-volume_upload_image': {
        id: v.id,
        updated_at: v.updated_at,
        status: 'uploading',
        display_description: v.description,
        size: v.size,
        volume_type: type ?? null,
        image_id: imageId,
        container_format: containerFormat,
        disk_format: diskFormat,
        image_name: name,
        ...(mvAtLeast(req, '3.1') ? { protected: isProtected, visibility } : {}),
      },
    },
  };
}
