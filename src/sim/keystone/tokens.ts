import { randomBytes } from 'node:crypto';
import { isObj, str, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import type { AuthContext } from '../http/context.js';
import type { IdentityState, TokenRecord } from '../state/identity.js';

const UNAUTHORIZED = 'The request you have made requires authentication.';

function unauthorized(message = UNAUTHORIZED): ApiError {
  return new ApiError(401, message);
}

export interface IssueOptions {
  ttlSeconds: number;
  hasAppCredentials: boolean;
}

/** Handles the `auth` body of POST /v3/auth/tokens and issues a token, or throws Keystone's error. */
export function issueToken(identity: IdentityState, body: unknown, opts: IssueOptions): TokenRecord {
  const auth = isObj(body) && isObj(body.auth) ? body.auth : undefined;
  const ident = auth && isObj(auth.identity) ? auth.identity : undefined;
  if (!auth || !ident || !Array.isArray(ident.methods)) {
    throw new ApiError(400, "Invalid input for field 'identity': 'methods' is a required property", 'ValidationError');
  }
  const methods = ident.methods.filter((m): m is string => typeof m === 'string');
  let userId: string;
  let appCred: Obj | undefined;
  let inherited: TokenRecord | undefined;
  if (methods.includes('password')) {
    const user = isObj(ident.password) && isObj(ident.password.user) ? ident.password.user : undefined;
    if (!user) throw new ApiError(400, "Invalid input for field 'identity/password/user': required", 'ValidationError');
    const record = findUser(identity, user);
    const password = str(user, 'password');
    if (
      !record ||
      password === undefined ||
      identity.passwords.get(String(record.id)) !== password ||
      record.enabled === false
    ) {
      throw unauthorized();
    }
    userId = String(record.id);
  } else if (methods.includes('token')) {
    const id = isObj(ident.token) ? str(ident.token, 'id') : undefined;
    inherited = id ? identity.tokens.get(id) : undefined;
    if (!inherited || inherited.expiresAt <= Date.now()) throw unauthorized();
    userId = inherited.userId;
  } else if (methods.includes('application_credential')) {
    if (!opts.hasAppCredentials) throw unauthorized('Attempted to authenticate with an unsupported method.');
    const ac = isObj(ident.application_credential) ? ident.application_credential : undefined;
    if (!ac) throw unauthorized();
    appCred = findAppCred(identity, ac);
    const secret = str(ac, 'secret');
    if (!appCred || secret === undefined || identity.appSecrets.get(String(appCred.id)) !== secret)
      throw unauthorized();
    const expires = appCred.expires_at;
    if (typeof expires === 'string' && Date.parse(expires) <= Date.now()) throw unauthorized();
    userId = String(appCred.user_id);
  } else {
    throw unauthorized('Attempted to authenticate with an unsupported method.');
  }

  let projectId: string | undefined;
  let domainScopeId: string | undefined;
  let roleIds: string[] = [];
  if (appCred) {
    projectId = String(appCred.project_id);
    roleIds = (appCred.roles as Obj[]).map((r) => String(r.id));
  } else {
    const scope = isObj(auth.scope) ? auth.scope : undefined;
    if (scope && isObj(scope.project)) {
      const project = findProject(identity, scope.project);
      if (!project) throw unauthorized();
      projectId = String(project.id);
    } else if (scope && isObj(scope.domain)) {
      const domain = identity.domainByNameOrId(scope.domain as { id?: string; name?: string });
      if (!domain) throw unauthorized();
      domainScopeId = String(domain.id);
    } else if (inherited) {
      projectId = inherited.projectId;
    } else {
      const user = identity.users.get(userId);
      const dflt = user ? str(user, 'default_project_id') : undefined;
      if (dflt && identity.projects.has(dflt)) projectId = dflt;
    }
    if (projectId) {
      roleIds = identity.rolesOn(userId, projectId);
      if (roleIds.length === 0) throw unauthorized();
    }
  }
  const now = Date.now();
  const token: TokenRecord = {
    id: `gAAAAA${randomBytes(96).toString('base64url')}`,
    userId,
    projectId,
    domainScopeId,
    roleIds,
    methods: inherited ? [...new Set([...inherited.methods, 'token'])] : methods.slice(0, 1),
    issuedAt: now,
    expiresAt: inherited ? inherited.expiresAt : now + opts.ttlSeconds * 1000,
    appCredentialId: appCred ? String(appCred.id) : undefined,
  };
  identity.tokens.set(token.id, token);
  return token;
}

function findUser(identity: IdentityState, user: Obj): Obj | undefined {
  const id = str(user, 'id');
  if (id) return identity.users.get(id);
  const name = str(user, 'name');
  const domain = identity.domainByNameOrId(
    isObj(user.domain) ? (user.domain as { id?: string; name?: string }) : undefined,
  );
  return name && domain ? identity.userByName(name, String(domain.id)) : undefined;
}

function findProject(identity: IdentityState, project: Obj): Obj | undefined {
  const id = str(project, 'id');
  if (id) return identity.projects.get(id);
  const name = str(project, 'name');
  const domain = identity.domainByNameOrId(
    isObj(project.domain) ? (project.domain as { id?: string; name?: string }) : undefined,
  );
  return name && domain ? identity.projectByName(name, String(domain.id)) : undefined;
}

function findAppCred(identity: IdentityState, ac: Obj): Obj | undefined {
  const id = str(ac, 'id');
  if (id) return identity.appCredentials.get(id);
  const name = str(ac, 'name');
  const user = isObj(ac.user) ? findUser(identity, ac.user) : undefined;
  return user ? identity.appCredentials.find((c) => c.name === name && c.user_id === user.id) : undefined;
}

/** The AuthContext a service sees for a token: undefined if unknown, 'expired' if expired. */
export function authContext(identity: IdentityState, tokenId: string): AuthContext | 'expired' | undefined {
  const t = identity.tokens.get(tokenId);
  if (!t) return undefined;
  if (t.expiresAt <= Date.now()) return 'expired';
  const user = identity.users.get(t.userId);
  if (!user) return undefined;
  const roles = identity.roleNames(t.roleIds);
  const project = t.projectId ? identity.projects.get(t.projectId) : undefined;
  return {
    tokenId,
    userId: t.userId,
    userName: String(user.name),
    userDomainId: String(user.domain_id),
    projectId: t.projectId,
    projectName: project ? String(project.name) : undefined,
    roles,
    isAdmin: roles.includes('admin'),
    isReaderOnly: !roles.includes('member') && !roles.includes('admin'),
    expiresAt: t.expiresAt,
    methods: t.methods,
  };
}

/** The token body (`{"token": {...}}`) as Keystone renders it. */
export function renderToken(identity: IdentityState, t: TokenRecord, catalog: Obj[] | undefined): Obj {
  const user = identity.users.get(t.userId)!;
  const userDomain = identity.domains.get(String(user.domain_id));
  const token: Obj = {
    methods: t.methods,
    user: {
      id: user.id,
      name: user.name,
      domain: { id: userDomain?.id, name: userDomain?.name },
      password_expires_at: null,
    },
    audit_ids: [t.id.slice(-22)],
    expires_at: new Date(t.expiresAt).toISOString().replace('Z', '000Z'),
    issued_at: new Date(t.issuedAt).toISOString().replace('Z', '000Z'),
  };
  if (t.projectId) {
    const project = identity.projects.get(t.projectId)!;
    const domain = identity.domains.get(String(project.domain_id));
    token.project = { id: project.id, name: project.name, domain: { id: domain?.id, name: domain?.name } };
    token.is_domain = false;
  }
  if (t.domainScopeId) {
    const domain = identity.domains.get(t.domainScopeId);
    token.domain = { id: domain?.id, name: domain?.name };
  }
  if (t.projectId || t.domainScopeId) {
    token.roles = identity.roleNames(t.roleIds).map((name) => {
      const role = identity.roles.find((r) => r.name === name)!;
      return { id: role.id, name: role.name };
    });
    token.catalog = catalog ?? [];
  }
  if (t.appCredentialId) {
    const ac = identity.appCredentials.get(t.appCredentialId);
    token.application_credential = { id: ac?.id, name: ac?.name, restricted: ac?.unrestricted !== true };
  }
  return { token };
}
