import { randomBytes } from 'node:crypto';
import { clone, isObj, str, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import { authOf, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { IdentityState } from '../state/identity.js';

/** Application credentials (Keystone Queens and later). The secret is shown once, at creation. */
export function applicationCredentialRoutes(r: Router, identity: IdentityState): void {
  const own = (req: SimRequest): string => {
    const a = authOf(req);
    if (a.userId !== req.params.uid && !a.isAdmin) {
      throw new ApiError(
        403,
        'You are not authorized to perform the requested action: identity:list_application_credentials.',
      );
    }
    return req.params.uid!;
  };
  const render = (req: SimRequest, c: Obj): Obj => ({
    ...clone(c),
    links: { self: `${req.baseUrl}/v3/users/${String(c.user_id)}/application_credentials/${String(c.id)}` },
  });
  r.get('/v3/users/{uid}/application_credentials', (req) => {
    const uid = own(req);
    const name = req.query.get('name');
    const items = identity.appCredentials.filter((c) => c.user_id === uid && (name === null || c.name === name));
    return {
      status: 200,
      body: {
        application_credentials: items.map((c) => render(req, c)),
        links: { self: `${req.baseUrl}${req.path}`, previous: null, next: null },
      },
    };
  });
  r.get('/v3/users/{uid}/application_credentials/{id}', (req) => {
    const uid = own(req);
    const c = identity.appCredentials.get(req.params.id!);
    if (!c || c.user_id !== uid) throw new ApiError(404, `Could not find Application Credential: ${req.params.id!}.`);
    return { status: 200, body: { application_credential: render(req, c) } };
  });
  r.post('/v3/users/{uid}/application_credentials', (req) => {
    const uid = own(req);
    const a = authOf(req);
    const body =
      isObj(req.body) && isObj(req.body.application_credential) ? req.body.application_credential : undefined;
    const name = body ? str(body, 'name') : undefined;
    if (!body || !name) throw new ApiError(400, "Invalid input for field 'name': 'name' is a required property");
    if (!a.projectId) throw new ApiError(401, 'The request you have made requires authentication.');
    if (identity.appCredentials.find((c) => c.user_id === uid && c.name === name)) {
      throw new ApiError(409, 'Conflict occurred attempting to store application_credential - Duplicate entry.');
    }
    const id = identity.newId();
    const secret = str(body, 'secret') ?? randomBytes(48).toString('base64url');
    const roleIds = identity.rolesOn(uid, a.projectId);
    const record = identity.appCredentials.put(id, {
      id,
      name,
      description: str(body, 'description') ?? null,
      user_id: uid,
      project_id: a.projectId,
      roles: roleIds.map((rid) => ({ id: rid, name: identity.roles.get(rid)?.name, domain_id: null })),
      expires_at: str(body, 'expires_at') ?? null,
      unrestricted: body.unrestricted === true,
      access_rules: [],
    });
    identity.appSecrets.set(id, secret);
    return { status: 201, body: { application_credential: { ...render(req, record), secret } } };
  });
  r.delete('/v3/users/{uid}/application_credentials/{id}', (req) => {
    const uid = own(req);
    const c = identity.appCredentials.get(req.params.id!);
    if (!c || c.user_id !== uid) throw new ApiError(404, `Could not find Application Credential: ${req.params.id!}.`);
    identity.appCredentials.delete(req.params.id!);
    identity.appSecrets.delete(req.params.id!);
    return { status: 204 };
  });
}
