import { clone, isObj, isoSeconds, type Obj } from '../core/json.js';
import { pageAfter, parseLimit } from '../core/paginate.js';
import { pyRepr } from '../core/pyrepr.js';
import { ApiError } from '../http/api-error.js';
import { authOf, type Reply, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { renderImage } from './render.js';
import { imageVisibleTo, listedFor, newImageRecord, READ_ONLY_IMAGE_KEYS } from './store.js';

const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;

export function imageNotFound(id: string): ApiError {
  return new ApiError(404, `No image found with ID ${id}`);
}

export function getImage(req: SimRequest, state: RegionState, id = req.params.id!): Obj {
  const image = state.images.get(id);
  if (!image || !imageVisibleTo(state, authOf(req), image)) throw imageNotFound(id);
  return image;
}

/** Only the owner (or an admin) may change an image. */
export function ownImage(req: SimRequest, state: RegionState, action: string): Obj {
  const a = authOf(req);
  const image = getImage(req, state);
  if (!a.isAdmin && image.owner !== a.projectId)
    throw new ApiError(403, `You are not permitted to ${action} this image.`);
  if (state.profile.keystone.hasScopedRbac && a.isReaderOnly)
    throw new ApiError(403, `You are not authorized to complete ${action} action.`);
  return image;
}

function checkFields(req: SimRequest, state: RegionState, fields: Obj): void {
  const a = authOf(req);
  for (const k of Object.keys(fields)) {
    if (READ_ONLY_IMAGE_KEYS.includes(k) && k !== 'id') throw new ApiError(403, `Attribute '${k}' is read-only.`);
    if (k.startsWith('os_glance')) throw new ApiError(403, `Attribute '${k}' is reserved.`);
    if ((k === 'os_hidden' && !state.profile.glance.hasOsHidden) || (k === 'owner' && !a.isAdmin)) {
      throw new ApiError(403, `Attribute '${k}' is read-only.`);
    }
  }
  const visibility = fields.visibility;
  if (visibility !== undefined) {
    const allowed = ['public', 'private', 'shared', 'community'];
    if (!allowed.includes(String(visibility)))
      throw new ApiError(400, `Invalid visibility value: ${String(visibility)}`);
    if (visibility === 'public' && !a.isAdmin)
      throw new ApiError(403, 'You are not authorized to complete publicize_image action.');
  }
  for (const [key, allowed] of [
    ['disk_format', DISK_FORMATS],
    ['container_format', CONTAINER_FORMATS],
  ] as const) {
    const value = fields[key];
    if (value !== undefined && value !== null && !(allowed as readonly string[]).includes(String(value))) {
      // The head of Glance's jsonschema message (the real one goes on with the whole schema).
      throw new ApiError(
        400,
        `Provided object does not match schema 'image': ${pyRepr(value)} is not one of ${pyRepr([null, ...allowed])}\n\nFailed validating 'enum' in schema['properties']['${key}']`,
      );
    }
  }
  if (fields.tags !== undefined && !Array.isArray(fields.tags)) throw new ApiError(400, "Invalid value for 'tags'.");
}

function listImages(req: SimRequest, state: RegionState): Reply {
  const a = authOf(req);
  const q = req.query;
  const visibility = q.get('visibility');
  if (visibility !== null && !['public', 'private', 'shared', 'community', 'all'].includes(visibility)) {
    throw new ApiError(400, `Invalid visibility value: ${visibility}`);
  }
  let items = state.images.newestFirst().filter((i) => {
    if (visibility === 'community') return i.visibility === 'community';
    if (visibility === 'all') return listedFor(state, a, i) || i.visibility === 'community';
    if (visibility !== null)
      return (
        i.visibility === visibility &&
        (listedFor(state, a, i) || (visibility === 'shared' && imageVisibleTo(state, a, i)))
      );
    return listedFor(state, a, i) && (a.isAdmin || i.visibility !== 'community' || i.owner === a.projectId);
  });
  const reserved = new Set([
    'limit',
    'marker',
    'sort_key',
    'sort_dir',
    'sort',
    'visibility',
    'tag',
    'member_status',
    'size_min',
    'size_max',
    'os_hidden',
  ]);
  for (const key of new Set(q.keys())) {
    if (reserved.has(key)) continue;
    const v = q.get(key)!;
    const inList = v.startsWith('in:') ? v.slice(3).split(',') : [v];
    items = items.filter((i) => inList.includes(String(i[key])));
  }
  for (const tag of q.getAll('tag')) items = items.filter((i) => (i.tags as string[]).includes(tag));
  const sizeMin = q.get('size_min');
  if (sizeMin !== null) items = items.filter((i) => Number(i.size ?? 0) >= Number(sizeMin));
  const sizeMax = q.get('size_max');
  if (sizeMax !== null) items = items.filter((i) => Number(i.size ?? 0) <= Number(sizeMax));
  if (state.profile.glance.hasOsHidden) {
    const hidden = q.get('os_hidden') === 'true';
    items = items.filter((i) => (i.os_hidden === true) === hidden);
  }
  const sortKey = q.get('sort_key') ?? q.get('sort')?.split(':')[0];
  if (sortKey && sortKey !== 'created_at') {
    const dir = (q.get('sort_dir') ?? q.get('sort')?.split(':')[1] ?? 'desc') === 'asc' ? 1 : -1;
    items = [...items].sort(
      (x, y) => dir * (String(x[sortKey]) < String(y[sortKey]) ? -1 : String(x[sortKey]) > String(y[sortKey]) ? 1 : 0),
    );
  } else if ((q.get('sort_dir') ?? q.get('sort')?.split(':')[1]) === 'asc') {
    items = [...items].reverse();
  }
  const limit = parseLimit(q.get('limit'));
  if (Number.isNaN(limit)) throw new ApiError(400, 'limit param must be an integer');
  const marker = q.get('marker') ?? undefined;
  const page = pageAfter(items, marker, limit ?? 25, 1000);
  if (!page) throw new ApiError(400, `Invalid marker. Image ${marker ?? ''} could not be found.`);
  const body: Obj = {
    images: page.items.map((i) => renderImage(state, i)),
    first: `/v2/images${q.size ? `?${q.toString()}` : ''}`,
    schema: '/v2/schemas/images',
  };
  if (page.isFull && page.items.length > 0) {
    const next = new URLSearchParams(q);
    next.set('marker', String(page.items.at(-1)!.id));
    body.next = `/v2/images?${next.toString()}`;
  }
  return { status: 200, body };
}

function applyPatch(req: SimRequest, state: RegionState, image: Obj): void {
  const ct = String(req.headers['content-type'] ?? '');
  if (
    !ct.startsWith('application/openstack-images-v2.1-json-patch') &&
    !ct.startsWith('application/openstack-images-v2.0-json-patch')
  ) {
    throw new ApiError(415, `Unsupported Content-Type`);
  }
  if (!Array.isArray(req.body)) throw new ApiError(400, 'Request body must be a JSON array of operation objects.');
  for (const op of req.body) {
    if (!isObj(op) || typeof op.path !== 'string' || typeof op.op !== 'string')
      throw new ApiError(400, 'Operation objects must contain exactly one member named "add", "remove", or "replace".');
    const key = op.path.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~');
    if (READ_ONLY_IMAGE_KEYS.includes(key) || (key === 'owner' && !authOf(req).isAdmin))
      throw new ApiError(403, `Attribute '${key}' is read-only.`);
    if (key.startsWith('os_glance')) throw new ApiError(403, `Attribute '${key}' is reserved.`);
    if (op.op === 'remove') {
      if (
        [
          'name',
          'disk_format',
          'container_format',
          'visibility',
          'protected',
          'min_disk',
          'min_ram',
          'tags',
          'os_hidden',
        ].includes(key)
      ) {
        throw new ApiError(403, `Attribute '${key}' is read-only.`);
      }
      if (!(key in image)) throw new ApiError(409, `Property ${key} does not exist.`);
      delete image[key];
    } else if (op.op === 'add' || op.op === 'replace') {
      if (op.op === 'replace' && !(key in image)) throw new ApiError(409, `Property ${key} does not exist.`);
      checkFields(req, state, { [key]: op.value });
      image[key] = clone(op.value);
    } else {
      throw new ApiError(400, `Invalid operation: \`${op.op}\`.`);
    }
  }
  image.updated_at = isoSeconds();
}

export function imageRoutes(r: Router, state: RegionState): void {
  r.get('/v2/images', (req) => listImages(req, state));
  r.get('/v2/images/{id}', (req) => ({ status: 200, body: renderImage(state, getImage(req, state)) }));
  r.post('/v2/images', (req) => {
    const a = authOf(req);
    if (state.profile.keystone.hasScopedRbac && a.isReaderOnly)
      throw new ApiError(403, 'You are not authorized to complete add_image action.');
    if (!isObj(req.body)) throw new ApiError(400, 'Body expected in request.');
    const fields = clone(req.body);
    checkFields(req, state, fields);
    if (typeof fields.id === 'string') {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(fields.id))
        throw new ApiError(400, `Invalid value for id ${fields.id}`);
      if (state.images.has(fields.id)) throw new ApiError(409, `Image with identifier ${fields.id} already exists!`);
    }
    const owner = a.isAdmin && typeof fields.owner === 'string' ? fields.owner : (a.projectId ?? '');
    delete fields.owner;
    const image = newImageRecord(state, owner, fields);
    return {
      status: 201,
      headers: { location: `${req.baseUrl}/v2/images/${String(image.id)}` },
      body: renderImage(state, image),
    };
  });
  r.patch('/v2/images/{id}', (req) => {
    const image = ownImage(req, state, 'modify');
    applyPatch(req, state, image);
    return { status: 200, body: renderImage(state, image) };
  });
  r.delete('/v2/images/{id}', (req) => {
    if (!state.images.has(req.params.id!) || !imageVisibleTo(state, authOf(req), state.images.get(req.params.id!)!)) {
      throw new ApiError(404, `Failed to find image ${req.params.id!} to delete`);
    }
    const image = ownImage(req, state, 'delete');
    if (image.protected === true)
      throw new ApiError(403, `Image ${String(image.id)} is protected and cannot be deleted.`);
    state.images.delete(String(image.id));
    state.imageMembers.delete(String(image.id));
    void state.blobs.remove('images', String(image.id));
    return { status: 204 };
  });
  r.put('/v2/images/{id}/tags/{tag}', (req) => {
    const image = ownImage(req, state, 'modify');
    const tags = image.tags as string[];
    if (!tags.includes(req.params.tag!)) tags.push(req.params.tag!);
    image.updated_at = isoSeconds();
    return { status: 204 };
  });
  r.delete('/v2/images/{id}/tags/{tag}', (req) => {
    const image = ownImage(req, state, 'modify');
    const tags = image.tags as string[];
    if (!tags.includes(req.params.tag!)) throw new ApiError(404, `Tag ${req.params.tag!} not found`);
    image.tags = tags.filter((t) => t !== req.params.tag);
    return { status: 204 };
  });
  r.get('/v2/schemas/image', () => ({
    status: 200,
    body: {
      name: 'image',
      properties: Object.fromEntries(
        [
          'id',
          'name',
          'status',
          'visibility',
          'protected',
          'checksum',
          'size',
          'disk_format',
          'container_format',
          'min_disk',
          'min_ram',
          'tags',
          'owner',
        ].map((k) => [k, { type: ['null', 'string'] }]),
      ),
      additionalProperties: { type: 'string' },
    },
  }));
}
