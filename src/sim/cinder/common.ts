import { clone, isObj, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import { atLeast } from '../http/microversion.js';
import { authOf, type AuthContext, type Handler, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';

/** Registers a route under /v3/{project_id} and, on profiles that still have it, /v2/{project_id}. */
export function both(
  r: Router,
  state: RegionState,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  handler: Handler,
): void {
  r.add(method, `/v3/{project_id}${path}`, handler);
  if (state.profile.cinder.hasV2) r.add(method, `/v2/{project_id}${path}`, handler);
}

/** The project in the URL must be the token's (or the caller an admin). */
export function caller(req: SimRequest): AuthContext {
  const a = authOf(req);
  if (!a.isAdmin && req.params.project_id !== a.projectId) throw new ApiError(400, 'Malformed request url');
  return a;
}

export function writerOf(req: SimRequest, state: RegionState, rule: string): AuthContext {
  const a = caller(req);
  if (state.profile.keystone.hasScopedRbac && a.isReaderOnly)
    throw new ApiError(403, `Policy doesn't allow ${rule} to be performed.`);
  return a;
}

export function cinderBody(req: SimRequest, key: string): Obj {
  if (!isObj(req.body) || !isObj(req.body[key]))
    throw new ApiError(400, `Missing required element '${key}' in request body.`);
  return req.body[key];
}

/** v2 requests carry no microversion: they behave as 3.0. */
export function mvAtLeast(req: SimRequest, v: string): boolean {
  return atLeast(req.mv, v);
}

export function volumeLinks(req: SimRequest, kind: string, id: string): Obj[] {
  const version = req.path.startsWith('/v2/') ? 'v2' : 'v3';
  return [
    { rel: 'self', href: `${req.baseUrl}/${version}/${req.params.project_id!}/${kind}/${id}` },
    { rel: 'bookmark', href: `${req.baseUrl}/${req.params.project_id!}/${kind}/${id}` },
  ];
}

/** Project readers see the owner attributes on profiles with the newer default policies (Zed's real Cinder does). */
export function seesOwner(req: SimRequest, state: RegionState): boolean {
  return authOf(req).isAdmin || state.profile.keystone.hasScopedRbac;
}

export function renderVolume(req: SimRequest, v: Obj, state: RegionState): Obj {
  const a = authOf(req);
  const out = clone(v);
  out.links = volumeLinks(req, 'volumes', String(v.id));
  if (!seesOwner(req, state)) delete out['os-vol-tenant-attr:tenant_id'];
  if (!a.isAdmin) {
    delete out['os-vol-host-attr:host'];
    delete out.migration_status;
  } else {
    out['os-vol-mig-status-attr:migstat'] = null;
    out['os-vol-mig-status-attr:name_id'] = null;
  }
  if (!mvAtLeast(req, '3.13')) delete out.group_id;
  delete out.backup_id;
  if (!mvAtLeast(req, '3.63')) delete out.volume_type_id;
  if (mvAtLeast(req, '3.48')) {
    out.shared_targets = false;
    out.service_uuid = 'c0ffee00-0000-4000-8000-000000000001';
  }
  if (mvAtLeast(req, '3.21') && a.isAdmin) out.provider_id = null;
  if (mvAtLeast(req, '3.61') && a.isAdmin) out.cluster_name = null;
  if (mvAtLeast(req, '3.65')) out.consumes_quota = true;
  if (!v.volume_image_metadata) delete out.volume_image_metadata;
  return out;
}
