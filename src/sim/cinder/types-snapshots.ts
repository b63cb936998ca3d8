import { clone, isObj, isoMicros, str, type Obj } from '../core/json.js';
import { pageAfter, parseLimit } from '../core/paginate.js';
import { ApiError } from '../http/api-error.js';
import type { Reply, SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { both, caller, cinderBody, mvAtLeast, seesOwner, volumeLinks, writerOf } from './common.js';
import { defaultVolumeType, findVolumeType } from './store.js';
import { getVolume } from './volumes.js';

export function createVolumeTypeRecord(state: RegionState, body: Obj): Obj {
  const id = str(body, 'id') ?? state.uuid();
  const isPublic = body['os-volume-type-access:is_public'] ?? body.is_public ?? true;
  return state.volumeTypes.put(id, {
    id,
    name: str(body, 'name') ?? id,
    description: str(body, 'description') ?? null,
    is_public: isPublic !== false,
    'os-volume-type-access:is_public': isPublic !== false,
    extra_specs: isObj(body.extra_specs) ? clone(body.extra_specs) : {},
    qos_specs_id: null,
  });
}

function renderType(req: SimRequest, t: Obj): Obj {
  const out = clone(t);
  if (!caller(req).isAdmin) delete out.qos_specs_id;
  // GET /types/default answers without the type-access attribute (the real Zed does).
  if (req.params.id === 'default') delete out['os-volume-type-access:is_public'];
  return out;
}

export function typeRoutes(r: Router, state: RegionState): void {
  const visible = (req: SimRequest, t: Obj): boolean => caller(req).isAdmin || t.is_public !== false;
  const get = (req: SimRequest): Obj => {
    const t = req.params.id === 'default' ? defaultVolumeType(state) : state.volumeTypes.get(req.params.id!);
    if (!t || !visible(req, t)) throw new ApiError(404, `Volume type ${req.params.id!} could not be found.`);
    return t;
  };
  both(r, state, 'GET', '/types', (req) => {
    defaultVolumeType(state);
    return {
      status: 200,
      body: { volume_types: state.volumeTypes.filter((t) => visible(req, t)).map((t) => renderType(req, t)) },
    };
  });
  both(r, state, 'GET', '/types/{id}', (req) => ({ status: 200, body: { volume_type: renderType(req, get(req)) } }));
  both(r, state, 'POST', '/types', (req) => {
    if (!caller(req).isAdmin)
      throw new ApiError(
        403,
        `Policy doesn't allow ${state.profile.name === 'pike' ? 'volume_extension:types_manage' : 'volume_extension:type_create'} to be performed.`,
      );
    const body = cinderBody(req, 'volume_type');
    const name = str(body, 'name');
    if (!name) throw new ApiError(400, 'Volume type name can not be empty.');
    if (findVolumeType(state, name)) throw new ApiError(409, `Volume Type ${name} already exists.`);
    return { status: 200, body: { volume_type: renderType(req, createVolumeTypeRecord(state, body)) } };
  });
  both(r, state, 'DELETE', '/types/{id}', (req) => {
    if (!caller(req).isAdmin)
      throw new ApiError(
        403,
        `Policy doesn't allow ${state.profile.name === 'pike' ? 'volume_extension:types_manage' : 'volume_extension:type_delete'} to be performed.`,
      );
    const t = get(req);
    if (state.volumes.find((v) => v.volume_type_id === t.id))
      throw new ApiError(400, `Target volume type is still in use.`);
    state.volumeTypes.delete(String(t.id));
    return { status: 202 };
  });
  both(r, state, 'GET', '/types/{id}/extra_specs', (req) => ({
    status: 200,
    body: { extra_specs: clone(get(req).extra_specs) },
  }));
  both(r, state, 'POST', '/types/{id}/extra_specs', (req) => {
    if (!caller(req).isAdmin)
      throw new ApiError(403, "Policy doesn't allow volume_extension:types_extra_specs:create to be performed.");
    const t = get(req);
    const specs = cinderBody(req, 'extra_specs');
    Object.assign(t.extra_specs as Obj, specs);
    return { status: 200, body: { extra_specs: specs } };
  });
}

export function snapshotRoutes(r: Router, state: RegionState): void {
  const render = (req: SimRequest, s: Obj): Obj => {
    const out = clone(s);
    if (!seesOwner(req, state)) {
      delete out['os-extended-snapshot-attributes:project_id'];
      delete out['os-extended-snapshot-attributes:progress'];
    }
    if (!mvAtLeast(req, '3.41')) delete out.user_id;
    if (mvAtLeast(req, '3.14')) out.group_snapshot_id = null;
    if (mvAtLeast(req, '3.65')) out.consumes_quota = true;
    return out;
  };
  const get = (req: SimRequest): Obj => {
    const a = caller(req);
    const s = state.snapshots.get(req.params.id!);
    if (!s || (!a.isAdmin && s['os-extended-snapshot-attributes:project_id'] !== a.projectId))
      throw new ApiError(404, `Snapshot ${req.params.id!} could not be found.`);
    return s;
  };
  const list =
    (isDetail: boolean) =>
    (req: SimRequest): Reply => {
      const a = caller(req);
      let items = state.snapshots
        .newestFirst()
        .filter((s) =>
          a.isAdmin && req.query.has('all_tenants')
            ? true
            : s['os-extended-snapshot-attributes:project_id'] === (a.projectId ?? req.params.project_id),
        );
      for (const key of ['name', 'status', 'volume_id']) {
        const value = req.query.get(key);
        if (value !== null) items = items.filter((s) => s[key] === value);
      }
      const limit = parseLimit(req.query.get('limit'));
      const page = pageAfter(
        items,
        req.query.get('marker') ?? undefined,
        Number.isNaN(limit) ? undefined : limit,
        1000,
      );
      if (!page) throw new ApiError(400, `Invalid marker: ${req.query.get('marker') ?? ''}`);
      const body: Obj = {
        snapshots: page.items.map((s) =>
          isDetail
            ? render(req, s)
            : {
                id: s.id,
                name: s.name,
                status: s.status,
                volume_id: s.volume_id,
                size: s.size,
                links: volumeLinks(req, 'snapshots', String(s.id)),
              },
        ),
      };
      if (page.isFull && page.items.length) {
        const next = new URLSearchParams(req.query);
        next.set('marker', String(page.items.at(-1)!.id));
        body.snapshots_links = [{ rel: 'next', href: `${req.baseUrl}${req.path}?${next.toString()}` }];
      }
      return { status: 200, body };
    };
  both(r, state, 'GET', '/snapshots', list(false));
  both(r, state, 'GET', '/snapshots/detail', list(true));
  both(r, state, 'GET', '/snapshots/{id}', (req) => ({ status: 200, body: { snapshot: render(req, get(req)) } }));
  both(r, state, 'POST', '/snapshots', (req) => {
    const a = writerOf(req, state, 'volume:create_snapshot');
    const body = cinderBody(req, 'snapshot');
    const vid = str(body, 'volume_id');
    if (!vid) throw new ApiError(400, "Missing required element 'volume_id' in request body.");
    const v = getVolume(req, state, vid);
    const force = body.force === true || String(body.force).toLowerCase() === 'true';
    if (v.status !== 'available' && !(v.status === 'in-use' && (force || mvAtLeast(req, '3.66')))) {
      throw new ApiError(
        400,
        `Invalid volume: Volume ${vid} status must be available, but current status is: ${String(v.status)}.`,
      );
    }
    const pid = a.projectId ?? req.params.project_id!;
    const max = state.quotas.limit(pid, 'volume', 'snapshots');
    if (
      max >= 0 &&
      state.snapshots.filter((s) => s['os-extended-snapshot-attributes:project_id'] === pid).length + 1 > max
    ) {
      throw new ApiError(413, `SnapshotLimitExceeded: Maximum number of snapshots allowed (${max}) exceeded`);
    }
    const id = state.uuid();
    const snap = state.snapshots.put(id, {
      id,
      name: str(body, 'name') ?? null,
      description: str(body, 'description') ?? null,
      volume_id: vid,
      status: 'creating',
      size: v.size,
      metadata: isObj(body.metadata) ? clone(body.metadata) : {},
      created_at: isoMicros(),
      updated_at: null,
      user_id: a.userId,
      'os-extended-snapshot-attributes:project_id': pid,
      'os-extended-snapshot-attributes:progress': '0%',
    });
    state.jobs.schedule(state.delays.volumeCreateMs, () => {
      if (snap.status === 'creating')
        Object.assign(snap, {
          status: 'available',
          'os-extended-snapshot-attributes:progress': '100%',
          updated_at: isoMicros(),
        });
    });
    return { status: 202, body: { snapshot: render(req, snap) } };
  });
  both(r, state, 'PUT', '/snapshots/{id}', (req) => {
    writerOf(req, state, 'volume:update_snapshot');
    const s = get(req);
    const body = cinderBody(req, 'snapshot');
    for (const k of ['name', 'description']) if (body[k] !== undefined) s[k] = body[k];
    s.updated_at = isoMicros();
    return { status: 200, body: { snapshot: render(req, s) } };
  });
  both(r, state, 'DELETE', '/snapshots/{id}', (req) => {
    writerOf(req, state, 'volume:delete_snapshot');
    const s = get(req);
    if (state.volumes.find((v) => v.snapshot_id === s.id && v.status === 'creating'))
      throw new ApiError(400, 'Invalid snapshot: Snapshot is in use.');
    state.snapshots.delete(String(s.id));
    return { status: 202 };
  });
}
