import { AbortedError, BasculeError } from '../../shared/errors.js';
import { rememberSecret, Secret } from '../../shared/secret.js';
import type { AuthConfig } from '../config/types.js';
import { extractServiceMessage } from '../errors.js';
import type { Transport } from '../transport/http.js';
import { header } from '../transport/http.js';
import type { CatalogEntry } from './catalog.js';

export interface Token {
  value: Secret;
  expiresAt: Date;
  issuedAt?: Date;
  project?: { id: string; name: string; domain?: { id?: string; name?: string } };
  user: { id: string; name: string; domain?: { id?: string; name?: string } };
  roles: string[];
  methods: string[];
  catalog: CatalogEntry[];
}

/** Keystone's URL without a trailing slash, ending in /v3. */
export function identityBase(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  if (/\/v3$/.test(trimmed)) return trimmed;
  if (/\/v2\.0$/.test(trimmed)) return trimmed.replace(/\/v2\.0$/, '/v3');
  return `${trimmed}/v3`;
}

function domainRef(name: string | undefined, id: string | undefined): Record<string, string> | undefined {
  if (id) return { id };
  if (name) return { name };
  return undefined;
}

/** The body of POST /v3/auth/tokens for each method. Secrets are revealed only here, into the request body. */
export function authRequestBody(auth: AuthConfig): Record<string, unknown> {
  const scope = (): Record<string, unknown> | undefined => {
    if (auth.method === 'application_credential') return undefined; // an application credential carries its own scope
    if (auth.projectId) return { project: { id: auth.projectId } };
    if (auth.projectName)
      return {
        project: {
          name: auth.projectName,
          domain: domainRef(auth.projectDomainName, auth.projectDomainId) ?? { name: 'Default' },
        },
      };
    return undefined;
  };
  let identity: Record<string, unknown>;
  if (auth.method === 'password') {
    const user: Record<string, unknown> = { password: auth.password.reveal() };
    if (auth.userId) user.id = auth.userId;
    else {
      user.name = auth.username;
      user.domain = domainRef(auth.userDomainName, auth.userDomainId) ?? { name: 'Default' };
    }
    identity = { methods: ['password'], password: { user } };
  } else if (auth.method === 'application_credential') {
    const cred: Record<string, unknown> = { secret: auth.applicationCredentialSecret.reveal() };
    if (auth.applicationCredentialId) cred.id = auth.applicationCredentialId;
    else {
      cred.name = auth.applicationCredentialName;
      cred.user = { name: auth.username, domain: { name: auth.userDomainName ?? 'Default' } };
    }
    identity = { methods: ['application_credential'], application_credential: cred };
  } else {
    identity = { methods: ['token'], token: { id: auth.token.reveal() } };
  }
  const body: Record<string, unknown> = { identity };
  const s = scope();
  if (s) body.scope = s;
  return { auth: body };
}

interface TokenBody {
  token?: {
    expires_at?: string;
    issued_at?: string;
    methods?: string[];
    project?: { id: string; name: string; domain?: { id?: string; name?: string } };
    user?: { id: string; name: string; domain?: { id?: string; name?: string } };
    roles?: { id?: string; name: string }[];
    catalog?: CatalogEntry[];
  };
}

/** Authenticates against Keystone v3 and returns the scoped token with its catalog. */
export async function authenticate(transport: Transport, auth: AuthConfig, signal?: AbortSignal): Promise<Token> {
  const url = `${identityBase(auth.authUrl)}/auth/tokens`;
  let response;
  try {
    response = await transport({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'bascule' },
      body: JSON.stringify(authRequestBody(auth)),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw new AbortedError('identity: authentication aborted', { cause: error });
    const code = (error as NodeJS.ErrnoException).code;
    throw new BasculeError(
      'OS_AUTH_UNREACHABLE',
      `identity: cannot reach ${url}: ${code ?? (error as Error).message}`,
      { cause: error, hint: 'check auth_url in clouds.yaml and that Keystone is reachable' },
    );
  }
  const text = await response.body.text();
  if (response.status !== 201 && response.status !== 200) {
    const { message } = extractServiceMessage(text, header(response.headers, 'content-type'));
    const rid = header(response.headers, 'x-openstack-request-id');
    const scope = response.status === 401 ? await diagnoseScope(transport, auth, signal) : undefined;
    throw new BasculeError(
      'OS_AUTH_FAILED',
      `identity: authentication as ${describe(auth)} failed with ${response.status}: ${message}${rid ? ` [${rid}]` : ''}`,
      {
        hint:
          scope ??
          (response.status === 401
            ? 'check the credentials (password, application credential or token) and the user/project domains'
            : undefined),
      },
    );
  }
  const subject = header(response.headers, 'x-subject-token');
  if (!subject)
    throw new BasculeError('OS_AUTH_FAILED', 'identity: Keystone answered without an X-Subject-Token header');
  rememberSecret(subject);
  let body: TokenBody;
  try {
    body = JSON.parse(text) as TokenBody;
  } catch (error) {
    throw new BasculeError('OS_AUTH_FAILED', 'identity: the token response is not JSON', { cause: error });
  }
  const token = body.token;
  if (!token?.expires_at || !token.user)
    throw new BasculeError('OS_AUTH_FAILED', 'identity: the token response has no expires_at or user');
  const result: Token = {
    value: new Secret(subject),
    expiresAt: new Date(token.expires_at),
    user: token.user,
    roles: (token.roles ?? []).map((r) => r.name),
    methods: token.methods ?? [],
    catalog: token.catalog ?? [],
  };
  if (token.issued_at) result.issuedAt = new Date(token.issued_at);
  if (token.project) result.project = token.project;
  return result;
}

/** The project a scoped request names, for messages. */
function projectOf(auth: AuthConfig): string | undefined {
  if (auth.method === 'application_credential') return undefined;
  if (auth.projectName)
    return `"${auth.projectName}" (domain ${auth.projectDomainName ?? auth.projectDomainId ?? 'Default'})`;
  return auth.projectId ? `id ${auth.projectId}` : undefined;
}

/**
 * Keystone answers 401 alike to a wrong password, a project that does not exist and a user without a role on it.
 * When a project-scoped login fails, the same credentials are tried without a scope: if that works, the credentials
 * are right and the hint names the project (missing, or no role on it) with the projects the user does have a role
 * on. Returns undefined when the credentials themselves are refused (or on any doubt): the usual hint then stands.
 */
async function diagnoseScope(
  transport: Transport,
  auth: AuthConfig,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const project = projectOf(auth);
  if (project === undefined) return undefined;
  const body = authRequestBody(auth) as { auth: Record<string, unknown> };
  delete body.auth.scope;
  const base = identityBase(auth.authUrl);
  try {
    const unscoped = await transport({
      method: 'POST',
      url: `${base}/auth/tokens`,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'bascule' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    await unscoped.body.text();
    const subject = header(unscoped.headers, 'x-subject-token');
    if ((unscoped.status !== 201 && unscoped.status !== 200) || !subject) return undefined;
    rememberSecret(subject);
    const listed = await transport({
      method: 'GET',
      url: `${base}/auth/projects`,
      headers: { accept: 'application/json', 'user-agent': 'bascule', 'x-auth-token': subject },
      ...(signal ? { signal } : {}),
    });
    const text = await listed.body.text();
    const names =
      listed.status === 200
        ? ((JSON.parse(text) as { projects?: { name?: string }[] }).projects ?? []).map((p) => String(p.name)).sort()
        : undefined;
    const theirs =
      names === undefined
        ? ''
        : names.length === 0
          ? ' (it has a role on none)'
          : ` (it has one on: ${names.join(', ')})`;
    return (
      `the credentials are right (the same login without a project works), but project ${project} is not one the ` +
      `user has a role on${theirs}: the project does not exist, or the user has no role on it. Check project_name ` +
      `and project_domain_name in clouds.yaml, or ask an administrator to create the project or grant a role ` +
      `(openstack role add --user USER --project PROJECT member)`
    );
  } catch {
    return undefined;
  }
}

/** Who we authenticate as, for messages (never the secret). */
export function describe(auth: AuthConfig): string {
  if (auth.method === 'password') return `user ${auth.username ?? auth.userId ?? '?'} (password)`;
  if (auth.method === 'application_credential')
    return `application credential ${auth.applicationCredentialId ?? auth.applicationCredentialName ?? '?'}`;
  return 'a token';
}
