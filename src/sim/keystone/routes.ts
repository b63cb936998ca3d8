import { clone, isObj, str, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import { authOf, type Reply, type SimRequest } from '../http/context.js';
import { Router } from '../http/router.js';
import type { Profile } from '../profiles.js';
import type { IdentityState } from '../state/identity.js';
import { issueToken, renderToken } from './tokens.js';
import { applicationCredentialRoutes } from './app-credentials.js';

export interface KeystoneDeps {
  identity: IdentityState;
  profile: Profile;
  ttlSeconds: number;
  catalogFor(projectId: string | undefined): Obj[];
}

const forbidden = (action: string): ApiError =>
  new ApiError(403, `You are not authorized to perform the requested action: ${action}.`);

const notFound = (what: string, id: string): ApiError => new ApiError(404, `Could not find ${what}: ${id}.`);

export function requireAdmin(req: SimRequest, action: string): void {
  if (!authOf(req).isAdmin) throw forbidden(action);
}

function versionDoc(req: SimRequest, profile: Profile): Obj {
  return {
    id: `v${profile.keystone.version}`,
    status: 'stable',
    updated: '2022-09-07T00:00:00Z',
    links: [{ rel: 'self', href: `${req.baseUrl}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

function collection(req: SimRequest, key: string, items: Obj[]): Reply {
  return {
    status: 200,
    body: { [key]: items, links: { self: `${req.baseUrl}${req.path}`, previous: null, next: null } },
  };
}

function withLinks(req: SimRequest, kind: string, o: Obj): Obj {
  return { ...clone(o), links: { self: `${req.baseUrl}/v3/${kind}/${String(o.id)}` } };
}

export function keystoneRouter(deps: KeystoneDeps): Router {
  const { identity, profile } = deps;
  const r = new Router();
  r.get('/', (req) => ({ status: 300, body: { versions: { values: [versionDoc(req, profile)] } } }), {
    isPublic: true,
  });
  r.get('/v3', (req) => ({ status: 200, body: { version: versionDoc(req, profile) } }), { isPublic: true });

  r.post(
    '/v3/auth/tokens',
    (req) => {
      const token = issueToken(identity, req.body, {
        ttlSeconds: deps.ttlSeconds,
        hasAppCredentials: profile.keystone.hasAppCredentials,
      });
      const nocatalog = req.query.has('nocatalog');
      return {
        status: 201,
        headers: { 'x-subject-token': token.id },
        body: renderToken(identity, token, nocatalog ? undefined : deps.catalogFor(token.projectId)),
      };
    },
    { isPublic: true },
  );
  const subject = (req: SimRequest): string => {
    const h = req.headers['x-subject-token'];
    const id = Array.isArray(h) ? h[0] : h;
    const t = id ? identity.tokens.get(id) : undefined;
    if (!id || !t || t.expiresAt <= Date.now()) throw new ApiError(404, `Could not find token: ${id ?? ''}.`);
    return id;
  };
  r.get('/v3/auth/tokens', (req) => {
    const t = identity.tokens.get(subject(req))!;
    return {
      status: 200,
      headers: { 'x-subject-token': t.id },
      body: renderToken(identity, t, deps.catalogFor(t.projectId)),
    };
  });
  r.delete('/v3/auth/tokens', (req) => {
    identity.tokens.delete(subject(req));
    return { status: 204 };
  });
  r.get('/v3/auth/catalog', (req) => ({
    status: 200,
    body: { catalog: deps.catalogFor(authOf(req).projectId), links: { self: `${req.baseUrl}/v3/auth/catalog` } },
  }));
  r.get('/v3/auth/projects', (req) =>
    collection(
      req,
      'projects',
      userProjects(identity, authOf(req).userId).map((p) => withLinks(req, 'projects', p)),
    ),
  );

  // Projects
  r.get('/v3/projects', (req) => {
    requireAdmin(req, 'identity:list_projects');
    let items = identity.projects.all();
    const name = req.query.get('name');
    if (name !== null) items = items.filter((p) => p.name === name);
    const domain = req.query.get('domain_id');
    if (domain !== null) items = items.filter((p) => p.domain_id === domain);
    return collection(
      req,
      'projects',
      items.map((p) => withLinks(req, 'projects', p)),
    );
  });
  r.get('/v3/projects/{id}', (req) => {
    const a = authOf(req);
    const p = identity.projects.get(req.params.id!);
    if (!a.isAdmin && a.projectId !== req.params.id) throw forbidden('identity:get_project');
    if (!p) throw notFound('project', req.params.id!);
    return { status: 200, body: { project: withLinks(req, 'projects', p) } };
  });
  r.post('/v3/projects', (req) => {
    requireAdmin(req, 'identity:create_project');
    const body = isObj(req.body) && isObj(req.body.project) ? req.body.project : undefined;
    const name = body ? str(body, 'name') : undefined;
    if (!body || !name) throw new ApiError(400, "Invalid input for field 'name': 'name' is a required property");
    const domainId = str(body, 'domain_id') ?? 'default';
    if (identity.projectByName(name, domainId))
      throw new ApiError(
        409,
        `Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${name}.`,
      );
    const id = identity.newId();
    const p = identity.projects.put(id, {
      id,
      name,
      domain_id: domainId,
      description: str(body, 'description') ?? '',
      enabled: body.enabled !== false,
      parent_id: domainId,
      is_domain: false,
      tags: Array.isArray(body.tags) ? body.tags : [],
      options: {},
    });
    return { status: 201, body: { project: withLinks(req, 'projects', p) } };
  });
  r.delete('/v3/projects/{id}', (req) => {
    requireAdmin(req, 'identity:delete_project');
    if (!identity.projects.delete(req.params.id!)) throw notFound('project', req.params.id!);
    // Keystone removes the project's role assignments with it.
    identity.unassignProject(req.params.id!);
    return { status: 204 };
  });

  // Users
  r.get('/v3/users', (req) => {
    requireAdmin(req, 'identity:list_users');
    let items = identity.users.all();
    const name = req.query.get('name');
    if (name !== null) items = items.filter((u) => u.name === name);
    const domain = req.query.get('domain_id');
    if (domain !== null) items = items.filter((u) => u.domain_id === domain);
    return collection(
      req,
      'users',
      items.map((u) => withLinks(req, 'users', u)),
    );
  });
  r.get('/v3/users/{id}', (req) => {
    const a = authOf(req);
    if (!a.isAdmin && a.userId !== req.params.id) throw forbidden('identity:get_user');
    const u = identity.users.get(req.params.id!);
    if (!u) throw notFound('user', req.params.id!);
    return { status: 200, body: { user: withLinks(req, 'users', u) } };
  });
  r.post('/v3/users', (req) => {
    requireAdmin(req, 'identity:create_user');
    const body = isObj(req.body) && isObj(req.body.user) ? req.body.user : undefined;
    const name = body ? str(body, 'name') : undefined;
    if (!body || !name) throw new ApiError(400, "Invalid input for field 'name': 'name' is a required property");
    const domainId = str(body, 'domain_id') ?? 'default';
    if (identity.userByName(name, domainId))
      throw new ApiError(
        409,
        `Conflict occurred attempting to store user - Duplicate entry found with name ${name} at domain ID ${domainId}.`,
      );
    const id = identity.newId();
    const u = identity.users.put(id, {
      id,
      name,
      domain_id: domainId,
      enabled: body.enabled !== false,
      password_expires_at: null,
      options: {},
      ...(str(body, 'default_project_id') ? { default_project_id: str(body, 'default_project_id') } : {}),
    });
    const password = str(body, 'password');
    if (password !== undefined) identity.passwords.set(id, password);
    return { status: 201, body: { user: withLinks(req, 'users', u) } };
  });
  r.get('/v3/users/{id}/projects', (req) => {
    const a = authOf(req);
    if (!a.isAdmin && a.userId !== req.params.id) throw forbidden('identity:list_user_projects');
    return collection(
      req,
      'projects',
      userProjects(identity, req.params.id!).map((p) => withLinks(req, 'projects', p)),
    );
  });

  // Domains, roles, assignments
  r.get('/v3/domains', (req) => {
    requireAdmin(req, 'identity:list_domains');
    const name = req.query.get('name');
    const items = identity.domains.all().filter((d) => name === null || d.name === name);
    return collection(
      req,
      'domains',
      items.map((d) => withLinks(req, 'domains', d)),
    );
  });
  r.get('/v3/roles', (req) => {
    requireAdmin(req, 'identity:list_roles');
    let items = identity.roles.all();
    const name = req.query.get('name');
    if (name !== null) items = items.filter((x) => x.name === name);
    return collection(
      req,
      'roles',
      items.map((x) => withLinks(req, 'roles', x)),
    );
  });
  r.put('/v3/projects/{pid}/users/{uid}/roles/{rid}', (req) => {
    // Keystone looks the project, user and role up to build the policy target: unknown ones are 404 before 403.
    const role = identity.roles.get(req.params.rid!);
    if (!identity.projects.has(req.params.pid!)) throw notFound('project', req.params.pid!);
    if (!identity.users.has(req.params.uid!)) throw notFound('user', req.params.uid!);
    if (!role) throw notFound('role', req.params.rid!);
    requireAdmin(req, 'identity:create_grant');
    identity.assign(req.params.uid!, req.params.pid!, String(role.name));
    return { status: 204 };
  });
  r.delete('/v3/projects/{pid}/users/{uid}/roles/{rid}', (req) => {
    if (!identity.projects.has(req.params.pid!)) throw notFound('project', req.params.pid!);
    if (!identity.users.has(req.params.uid!)) throw notFound('user', req.params.uid!);
    if (!identity.roles.has(req.params.rid!)) throw notFound('role', req.params.rid!);
    requireAdmin(req, 'identity:revoke_grant');
    if (!identity.unassign(req.params.uid!, req.params.pid!, req.params.rid!))
      throw notFound('grant', `${req.params.pid!}/${req.params.uid!}/${req.params.rid!}`);
    return { status: 204 };
  });
  r.get('/v3/role_assignments', (req) => {
    requireAdmin(req, 'identity:list_role_assignments');
    const userFilter = req.query.get('user.id');
    const projectFilter = req.query.get('scope.project.id');
    const names = req.query.has('include_names');
    const items = identity.assignments
      .filter(
        (x) =>
          (userFilter === null || x.user_id === userFilter) &&
          (projectFilter === null || x.project_id === projectFilter),
      )
      .map((x) => {
        const role = identity.roles.get(x.role_id);
        const user = identity.users.get(x.user_id);
        const project = identity.projects.get(x.project_id);
        return {
          role: names ? { id: x.role_id, name: role?.name } : { id: x.role_id },
          user: names ? { id: x.user_id, name: user?.name, domain: { id: user?.domain_id } } : { id: x.user_id },
          scope: {
            project: names
              ? { id: x.project_id, name: project?.name, domain: { id: project?.domain_id } }
              : { id: x.project_id },
          },
          links: { assignment: `${req.baseUrl}/v3/projects/${x.project_id}/users/${x.user_id}/roles/${x.role_id}` },
        };
      });
    return {
      status: 200,
      body: { role_assignments: items, links: { self: `${req.baseUrl}${req.path}`, previous: null, next: null } },
    };
  });

  if (profile.keystone.hasAppCredentials) applicationCredentialRoutes(r, identity);
  return r;
}

export function userProjects(identity: IdentityState, userId: string): Obj[] {
  const ids = new Set(identity.assignments.filter((a) => a.user_id === userId).map((a) => a.project_id));
  return [...ids].map((id) => identity.projects.get(id)).filter((p): p is Obj => p !== undefined);
}
