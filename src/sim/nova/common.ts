import { isObj, type Obj } from '../core/json.js';
import { pyRepr } from '../core/pyrepr.js';
import { ApiError } from '../http/api-error.js';
import { atLeast } from '../http/microversion.js';
import { authOf, type AuthContext, type SimRequest } from '../http/context.js';
import type { RegionState } from '../state/region.js';

export const novaNotFound = (message: string): ApiError => new ApiError(404, message);
export const novaBadRequest = (message: string): ApiError => new ApiError(400, message);
export const novaConflict = (message: string): ApiError => new ApiError(409, message);

export function policyError(rule: string): ApiError {
  return new ApiError(403, `Policy doesn't allow ${rule} to be performed.`);
}

export function requireAdmin(req: SimRequest, rule: string): AuthContext {
  const a = authOf(req);
  if (!a.isAdmin) throw policyError(rule);
  return a;
}

/** Writes need member (or admin) on profiles with scoped RBAC. */
export function writer(req: SimRequest, state: RegionState, rule: string): AuthContext {
  const a = authOf(req);
  if (state.profile.keystone.hasScopedRbac && a.isReaderOnly) throw policyError(rule);
  return a;
}

/** The `{"<key>": {...}}` body, or Nova's schema error. */
export function novaBody(req: SimRequest, key: string): Obj {
  if (!isObj(req.body) || !isObj(req.body[key])) {
    throw novaBadRequest(
      `Invalid input for field/attribute ${key}. Value: ${pyRepr(req.body ?? null)}. '${key}' is a required property`,
    );
  }
  return req.body[key];
}

export function additionalProperty(key: string, value: unknown, prop: string): ApiError {
  return novaBadRequest(
    `Invalid input for field/attribute ${key}. Value: ${pyRepr(value)}. Additional properties are not allowed ('${prop}' was unexpected)`,
  );
}

/** The compute endpoint's prefix as the catalog gives it (with the project id on old profiles). */
export function computeBase(req: SimRequest, state: RegionState): string {
  const pid = authOf(req).projectId;
  return state.profile.nova.catalogWithProjectId && pid ? `${req.baseUrl}/v2.1/${pid}` : `${req.baseUrl}/v2.1`;
}

export function links(req: SimRequest, state: RegionState, collection: string, id: string): Obj[] {
  const base = computeBase(req, state);
  const bookmark = base.replace('/v2.1', '');
  return [
    { rel: 'self', href: `${base}/${collection}/${id}` },
    { rel: 'bookmark', href: `${bookmark}/${collection}/${id}` },
  ];
}

export function mvAtLeast(req: SimRequest, v: string): boolean {
  return atLeast(req.mv, v);
}

/** Nova's 403 for quota, in its real wording. */
export function checkComputeQuota(
  state: RegionState,
  projectId: string,
  resource: string,
  requested: number,
  used: number,
): void {
  const limit = state.quotas.limit(projectId, 'compute', resource);
  if (limit >= 0 && used + requested > limit) {
    throw new ApiError(
      403,
      `Quota exceeded for ${resource}: Requested ${requested}, but already used ${used} of ${limit} ${resource}`,
    );
  }
}
