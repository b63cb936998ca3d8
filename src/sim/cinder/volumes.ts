import { isObj, isoMicros, num, str, type Obj } from '../core/json.js';
import { pageAfter, parseLimit } from '../core/paginate.js';
import { pyRepr } from '../core/pyrepr.js';
import { ApiError } from '../http/api-error.js';
import type { Reply, SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { imageVisibleTo } from '../glance/store.js';
import { both, caller, cinderBody, mvAtLeast, renderVolume, volumeLinks, writerOf } from './common.js';
import { createVolumeRecord, findVolumeType, volumeNotFound, volumeOwner } from './store.js';
import { volumeActions } from './volume-actions.js';

export function getVolume(req: SimRequest, state: RegionState, id = req.params.id!): Obj {
  const a = caller(req);
  const v = state.volumes.get(id);
  if (!v || (!a.isAdmin && volumeOwner(v) !== a.projectId)) throw volumeNotFound(id);
  return v;
}

export function checkVolumeQuota(state: RegionState, projectId: string, size: number): void {
  const mine = state.volumes.filter((v) => volumeOwner(v) === projectId);
  const maxVolumes = state.quotas.limit(projectId, 'volume', 'volumes');
  if (maxVolumes >= 0 && mine.length + 1 > maxVolumes) {
    throw new ApiError(
      413,
      `VolumeLimitExceeded: Maximum number of volumes allowed (${maxVolumes}) exceeded for quota 'volumes'.`,
    );
  }
  const maxGb = state.quotas.limit(projectId, 'volume', 'gigabytes');
  const used =
    mine.reduce((t, v) => t + Number(v.size), 0) +
    state.snapshots
      .filter((s) => s['os-extended-snapshot-attributes:project_id'] === projectId)
      .reduce((t, s) => t + Number(s.size), 0);
  if (maxGb >= 0 && used + size > maxGb) {
    throw new ApiError(
      413,
      `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${size}G, quota is ${maxGb}G and ${used}G has been consumed.`,
    );
  }
}

function listVolumes(req: SimRequest, state: RegionState, isDetail: boolean): Reply {
  const a = caller(req);
  const q = req.query;
  const all = a.isAdmin && (q.get('all_tenants') === '1' || q.get('all_tenants') === 'true' || q.has('all_tenants'));
  const projectFilter = q.get('project_id');
  let items = state.volumes
    .newestFirst()
    .filter((v) =>
      all
        ? projectFilter === null || volumeOwner(v) === projectFilter
        : volumeOwner(v) === (a.isAdmin ? req.params.project_id : a.projectId),
    );
  for (const key of ['name', 'status', 'availability_zone', 'bootable', 'volume_type']) {
    const value = q.get(key);
    if (value !== null) items = items.filter((v) => String(v[key]).toLowerCase() === value.toLowerCase());
  }
  const metadata = q.get('metadata');
  if (metadata !== null) {
    let wanted: Obj = {};
    try {
      const parsed = JSON.parse(metadata.replace(/'/g, '"')) as unknown;
      if (isObj(parsed)) wanted = parsed;
    } catch {
      throw new ApiError(400, `Invalid filter metadata: ${metadata}`);
    }
    items = items.filter((v) => Object.entries(wanted).every(([k, val]) => (v.metadata as Obj)[k] === String(val)));
  }
  const limit = parseLimit(q.get('limit'));
  if (Number.isNaN(limit)) throw new ApiError(400, 'limit param must be an integer');
  const marker = q.get('marker') ?? undefined;
  const page = pageAfter(items, marker, limit, 1000);
  if (!page) throw new ApiError(400, `Invalid marker: ${marker ?? ''}`);
  const body: Obj = {
    volumes: page.items.map((v) =>
      isDetail
        ? renderVolume(req, v, state)
        : { id: v.id, name: v.name, links: volumeLinks(req, 'volumes', String(v.id)) },
    ),
  };
  if (page.isFull && page.items.length > 0) {
    const next = new URLSearchParams(q);
    next.set('marker', String(page.items.at(-1)!.id));
    next.set('limit', String(page.items.length));
    const version = req.path.startsWith('/v2/') ? 'v2' : 'v3';
    body.volumes_links = [
      {
        rel: 'next',
        href: `${req.baseUrl}/${version}/${req.params.project_id!}/volumes${isDetail ? '/detail' : ''}?${next.toString()}`,
      },
    ];
  }
  if (mvAtLeast(req, '3.45') && q.get('with_count') === 'true') body.count = items.length;
  return { status: 200, body };
}

export function volumeRoutes(r: Router, state: RegionState): void {
  both(r, state, 'GET', '/volumes', (req) => listVolumes(req, state, false));
  both(r, state, 'GET', '/volumes/detail', (req) => listVolumes(req, state, true));
  both(r, state, 'GET', '/volumes/{id}', (req) => ({
    status: 200,
    body: { volume: renderVolume(req, getVolume(req, state), state) },
  }));
  both(r, state, 'POST', '/volumes', (req) => {
    const a = writerOf(req, state, 'volume:create');
    const body = cinderBody(req, 'volume');
    let size = num(body, 'size');
    const imageRef = str(body, 'imageRef') ?? str(body, 'image_id');
    const snapshotId = str(body, 'snapshot_id');
    const sourceId = str(body, 'source_volid');
    if (imageRef) {
      const image = state.images.get(imageRef);
      if (!image || !imageVisibleTo(state, a, image))
        throw new ApiError(400, `Invalid image identifier or unable to access requested image.`);
      if (image.status !== 'active') throw new ApiError(400, `Image ${imageRef} is not active.`);
      const minGb = Math.max(Number(image.min_disk ?? 0), Math.ceil(Number(image.size ?? 0) / 2 ** 30));
      size ??= minGb;
      if (size < minGb)
        throw new ApiError(
          400,
          `Invalid input received: Image minDisk size ${minGb} is larger than the volume size ${size}.`,
        );
    }
    if (snapshotId) {
      const snap = state.snapshots.get(snapshotId);
      if (!snap || (!a.isAdmin && snap['os-extended-snapshot-attributes:project_id'] !== a.projectId))
        throw new ApiError(404, `Snapshot ${snapshotId} could not be found.`);
      size ??= Number(snap.size);
    }
    if (sourceId) {
      const src = getVolume(req, state, sourceId);
      size ??= Number(src.size);
    }
    if (size === undefined || !Number.isInteger(size) || size < 1) {
      if (state.profile.name !== 'pike' && typeof body.size === 'number' && body.size < 1) {
        throw new ApiError(
          400,
          `Invalid input for field/attribute size. Value: ${pyRepr(body.size)}. ${pyRepr(body.size)} is less than the minimum of 1`,
        );
      }
      throw new ApiError(
        400,
        `Invalid input received: "size" must be an integer and larger than 0 (size=${String(body.size)})`,
      );
    }
    const type = str(body, 'volume_type');
    if (type && !findVolumeType(state, type))
      throw new ApiError(404, `Volume type with name ${type} could not be found.`);
    const az = str(body, 'availability_zone');
    if (az && az !== 'nova') throw new ApiError(400, `Invalid input received: Availability zone '${az}' is invalid.`);
    const owner = a.projectId ?? req.params.project_id!;
    checkVolumeQuota(state, owner, size);
    const v = createVolumeRecord(state, owner, a.userId, {
      name: str(body, 'name') ?? str(body, 'display_name') ?? null,
      size,
      description: str(body, 'description') ?? null,
      ...(type ? { volume_type: type } : {}),
      ...(imageRef ? { imageRef } : {}),
      ...(snapshotId ? { snapshot_id: snapshotId } : {}),
      ...(sourceId ? { source_volid: sourceId } : {}),
      metadata: isObj(body.metadata) ? body.metadata : {},
      multiattach: body.multiattach === true,
    });
    return { status: 202, body: { volume: renderVolume(req, v, state) } };
  });
  both(r, state, 'PUT', '/volumes/{id}', (req) => {
    writerOf(req, state, 'volume:update');
    const v = getVolume(req, state);
    const body = cinderBody(req, 'volume');
    for (const k of ['name', 'description', 'metadata']) if (body[k] !== undefined) v[k] = body[k];
    if (body.display_name !== undefined) v.name = body.display_name;
    v.updated_at = isoMicros();
    return { status: 200, body: { volume: renderVolume(req, v, state) } };
  });
  both(r, state, 'DELETE', '/volumes/{id}', (req) => {
    writerOf(req, state, 'volume:delete');
    const v = getVolume(req, state);
    const id = String(v.id);
    const cascade = req.query.get('cascade') === 'true';
    const snaps = state.snapshots.filter((s) => s.volume_id === id);
    const okStatus = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];
    if (!okStatus.includes(String(v.status)) || (v.attachments as Obj[]).length > 0 || (snaps.length > 0 && !cascade)) {
      throw new ApiError(
        400,
        'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer.',
      );
    }
    for (const s of snaps) state.snapshots.delete(String(s.id));
    v.status = 'deleting';
    state.jobs.schedule(state.delays.volumeDeleteMs, () => {
      state.volumes.delete(id);
      void state.blobs.remove('volumes', id);
    });
    if (state.delays.volumeDeleteMs <= 0) state.jobs.runDue();
    return { status: 202 };
  });
  both(r, state, 'POST', '/volumes/{id}/action', (req) => volumeActions(req, state, getVolume(req, state)));

  // Metadata
  both(r, state, 'GET', '/volumes/{id}/metadata', (req) => ({
    status: 200,
    body: { metadata: { ...(getVolume(req, state).metadata as Obj) } },
  }));
  const setMeta =
    (replace: boolean) =>
    (req: SimRequest): Reply => {
      writerOf(req, state, 'volume:update_volume_metadata');
      const v = getVolume(req, state);
      const meta = cinderBody(req, 'metadata');
      const values = Object.fromEntries(Object.entries(meta).map(([k, val]) => [k, String(val)]));
      v.metadata = replace ? values : { ...(v.metadata as Obj), ...values };
      return { status: 200, body: { metadata: { ...(v.metadata as Obj) } } };
    };
  both(r, state, 'POST', '/volumes/{id}/metadata', setMeta(false));
  both(r, state, 'PUT', '/volumes/{id}/metadata', setMeta(true));
  both(r, state, 'GET', '/volumes/{id}/metadata/{key}', (req) => {
    const meta = getVolume(req, state).metadata as Obj;
    if (!(req.params.key! in meta))
      throw new ApiError(404, `Volume ${req.params.id!} has no metadata with key ${req.params.key!}.`);
    return { status: 200, body: { meta: { [req.params.key!]: meta[req.params.key!] } } };
  });
  both(r, state, 'PUT', '/volumes/{id}/metadata/{key}', (req) => {
    writerOf(req, state, 'volume:update_volume_metadata');
    const meta = getVolume(req, state).metadata as Obj;
    const body = cinderBody(req, 'meta');
    meta[req.params.key!] = String(body[req.params.key!]);
    return { status: 200, body: { meta: { [req.params.key!]: meta[req.params.key!] } } };
  });
  both(r, state, 'DELETE', '/volumes/{id}/metadata/{key}', (req) => {
    writerOf(req, state, 'volume:delete_volume_metadata');
    const meta = getVolume(req, state).metadata as Obj;
    if (!(req.params.key! in meta))
      throw new ApiError(404, `Volume ${req.params.id!} has no metadata with key ${req.params.key!}.`);
    delete meta[req.params.key!];
    return { status: 200 };
  });
}
