import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isMap, isScalar, visit } from 'yaml';
import { UsageError } from '../../shared/errors.js';
import { secret } from '../../shared/secret.js';
import { describeYamlProblem, loadYaml } from '../../shared/yaml.js';
import type { AuthConfig, CloudConfig, Interface } from './types.js';
import { INTERFACES } from './types.js';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
  /** Extra clouds.yaml paths searched first (tests, `--clouds-yaml`). */
  files?: string[];
}

type Raw = Record<string, unknown>;

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** The standard places, in openstacksdk's order: OS_CLIENT_CONFIG_FILE, the current directory, ~/.config/openstack, /etc/openstack. */
export function searchPaths(fileName: 'clouds.yaml' | 'secure.yaml', options: LoadOptions = {}): string[] {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = options.home ?? homedir();
  const paths: string[] = [];
  if (fileName === 'clouds.yaml') {
    for (const file of options.files ?? []) paths.push(resolve(cwd, file));
    if (env.OS_CLIENT_CONFIG_FILE) paths.push(resolve(cwd, env.OS_CLIENT_CONFIG_FILE));
  } else if (env.OS_CLIENT_SECURE_FILE) {
    paths.push(resolve(cwd, env.OS_CLIENT_SECURE_FILE));
  }
  for (const ext of ['yaml', 'yml']) {
    const base = fileName.replace('.yaml', `.${ext}`);
    paths.push(join(cwd, base), join(home, '.config', 'openstack', base), join('/etc/openstack', base));
  }
  return [...new Set(paths)];
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_CONFIG_BYTES) {
      throw new UsageError('CONFIG_TOO_LARGE', `${path}: the file is larger than ${MAX_CONFIG_BYTES} bytes`);
    }
    return buf.toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (error instanceof UsageError) throw error;
    throw new UsageError('CONFIG_UNREADABLE', `${path}: cannot read it (${code ?? String(error)})`, { cause: error });
  }
}

/** Parses one clouds.yaml/secure.yaml, with the file name and line:column on a syntax error. */
export function parseCloudsFile(path: string, text: string): Raw {
  const loaded = loadYaml(text, {
    // `compute_api_version: 2.50` is the number 2.5 to YAML: keep version values as written.
    prepare: (doc) =>
      visit(doc, {
        Pair(_, pair) {
          if (
            isScalar(pair.key) &&
            typeof pair.key.value === 'string' &&
            pair.key.value.endsWith('_api_version') &&
            isScalar(pair.value) &&
            typeof pair.value.value === 'number' &&
            pair.value.source
          ) {
            pair.value.value = pair.value.source;
          }
        },
      }),
  });
  const first = loaded.problems.find((p) => p.severity === 'error');
  if (first) {
    const syntax = first.code === 'YAML_SYNTAX' || first.code === 'YAML_DUPLICATE_KEY';
    throw new UsageError('CONFIG_INVALID', describeYamlProblem(path, first, syntax ? 'malformed YAML: ' : ''), {
      hint: syntax
        ? 'check the indentation and quoting; clouds.yaml must hold a top-level `clouds:` mapping'
        : first.code === 'YAML_TAG'
          ? 'clouds.yaml holds plain values: remove the tag'
          : 'clouds.yaml needs no more than a few aliases',
    });
  }
  if (loaded.value === null || loaded.value === undefined) return {};
  if (!isMap(loaded.doc.contents)) {
    throw new UsageError('CONFIG_INVALID', `${path}: the top level must be a mapping with a \`clouds\` key`);
  }
  const value = loaded.value as Raw;
  const clouds = value.clouds;
  if (clouds !== undefined && (clouds === null || typeof clouds !== 'object' || Array.isArray(clouds))) {
    throw new UsageError('CONFIG_INVALID', `${path}: \`clouds\` must be a mapping of cloud names`);
  }
  return value;
}

/**
 * The clouds files parsed last, by path and text. A campaign connects to both clouds at every step of every project,
 * and its clouds.yaml names every project: parsing the whole file again each time made a campaign's cost grow with
 * the square of its projects (1,000 projects did not end in 25 minutes where 200 took 97 s; docs/performance.md).
 * The file is still read every time, so a changed file is parsed anew. The parse is shared and only read: the one
 * cloud entry a caller takes is copied (copying the whole file at each connection would be quadratic again).
 */
const parsedFiles = new Map<string, Raw>();
const PARSED_FILES_KEPT = 4;

function parseCloudsFileOnce(path: string, text: string): Raw {
  const id = `${path}\u0000${text}`;
  let raw = parsedFiles.get(id);
  if (raw === undefined) {
    raw = parseCloudsFile(path, text);
    if (parsedFiles.size >= PARSED_FILES_KEPT) parsedFiles.delete(parsedFiles.keys().next().value!);
    parsedFiles.set(id, raw);
  }
  return raw;
}

interface FoundFile {
  path: string;
  clouds: Readonly<Record<string, Raw>>; // shared, read only (parseCloudsFileOnce)
}

async function findFile(name: 'clouds.yaml' | 'secure.yaml', options: LoadOptions): Promise<FoundFile | undefined> {
  // A file named on purpose (--clouds-yaml) must exist: a typo is not silently replaced by another clouds.yaml.
  if (name === 'clouds.yaml')
    for (const file of options.files ?? []) {
      const path = resolve(options.cwd ?? process.cwd(), file);
      if ((await readIfExists(path)) === undefined)
        throw new UsageError('CONFIG_UNREADABLE', `${path}: no such file (given with --clouds-yaml)`);
    }
  for (const path of searchPaths(name, options)) {
    const text = await readIfExists(path);
    if (text === undefined) continue;
    const parsed = parseCloudsFileOnce(path, text);
    return { path, clouds: (parsed.clouds ?? {}) as Record<string, Raw> };
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** secure.yaml values are merged over clouds.yaml values, key by key (openstacksdk's behaviour). */
function deepMerge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** The OS_* variables as a clouds.yaml entry (lower case, without the OS_ prefix; auth keys under `auth`). */
export function cloudFromEnv(env: NodeJS.ProcessEnv): Raw | undefined {
  const authKeys: Record<string, string> = {
    OS_AUTH_URL: 'auth_url',
    OS_USERNAME: 'username',
    OS_USER_ID: 'user_id',
    OS_PASSWORD: 'password',
    OS_PROJECT_NAME: 'project_name',
    OS_TENANT_NAME: 'project_name',
    OS_PROJECT_ID: 'project_id',
    OS_TENANT_ID: 'project_id',
    OS_USER_DOMAIN_NAME: 'user_domain_name',
    OS_USER_DOMAIN_ID: 'user_domain_id',
    OS_PROJECT_DOMAIN_NAME: 'project_domain_name',
    OS_PROJECT_DOMAIN_ID: 'project_domain_id',
    OS_APPLICATION_CREDENTIAL_ID: 'application_credential_id',
    OS_APPLICATION_CREDENTIAL_NAME: 'application_credential_name',
    OS_APPLICATION_CREDENTIAL_SECRET: 'application_credential_secret',
    OS_TOKEN: 'token',
  };
  const topKeys: Record<string, string> = {
    OS_REGION_NAME: 'region_name',
    OS_INTERFACE: 'interface',
    OS_ENDPOINT_TYPE: 'interface',
    OS_CACERT: 'cacert',
    OS_AUTH_TYPE: 'auth_type',
    OS_INSECURE: 'insecure',
  };
  const auth: Raw = {};
  const top: Raw = {};
  for (const [variable, key] of Object.entries(authKeys)) if (env[variable]) auth[key] = env[variable];
  for (const [variable, key] of Object.entries(topKeys)) if (env[variable]) top[key] = env[variable];
  if (!auth.auth_url) return undefined;
  return { ...top, auth };
}

function str(raw: Raw, key: string, where: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new UsageError('CONFIG_INVALID', `${where}.${key}: must be a string`);
}

function bool(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
  return undefined;
}

/** Turns a merged clouds.yaml entry into a typed CloudConfig; every problem names the file and the key. */
export function toCloudConfig(name: string, origin: string, raw: Raw): CloudConfig {
  const where = origin === 'environment' ? 'OS_* variables' : `${origin}: clouds.${name}`;
  const authRaw = raw.auth;
  if (!isPlainObject(authRaw)) {
    throw new UsageError(
      'CONFIG_MISSING_KEY',
      `${where}.auth: missing (the cloud needs an \`auth\` mapping with auth_url and credentials)`,
    );
  }
  const authWhere = `${where}.auth`;
  const authUrl = str(authRaw, 'auth_url', authWhere);
  if (!authUrl)
    throw new UsageError('CONFIG_MISSING_KEY', `${authWhere}.auth_url: missing`, {
      hint: 'set auth_url to the Keystone endpoint, e.g. https://keystone.example:5000/v3',
    });
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(authUrl);
  } catch {
    throw new UsageError('CONFIG_INVALID', `${authWhere}.auth_url: not a URL: ${JSON.stringify(authUrl)}`);
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') {
    throw new UsageError(
      'CONFIG_INVALID',
      `${authWhere}.auth_url: ${JSON.stringify(parsedUrl.protocol.replace(/:$/, ''))} is not allowed, only http and https`,
      { hint: 'set auth_url to the Keystone endpoint, e.g. https://keystone.example:5000/v3' },
    );
  }
  const authType = (str(raw, 'auth_type', where) ?? '').toLowerCase();
  const project = {
    projectName: str(authRaw, 'project_name', authWhere) ?? str(authRaw, 'tenant_name', authWhere),
    projectId: str(authRaw, 'project_id', authWhere) ?? str(authRaw, 'tenant_id', authWhere),
    projectDomainName: str(authRaw, 'project_domain_name', authWhere) ?? str(authRaw, 'domain_name', authWhere),
    projectDomainId: str(authRaw, 'project_domain_id', authWhere) ?? str(authRaw, 'domain_id', authWhere),
  };
  let auth: AuthConfig;
  const appSecret = str(authRaw, 'application_credential_secret', authWhere);
  const token = str(authRaw, 'token', authWhere);
  const password = str(authRaw, 'password', authWhere);
  if (authType === 'v3applicationcredential' || (!authType && appSecret)) {
    if (!appSecret)
      throw new UsageError('CONFIG_MISSING_KEY', `${authWhere}.application_credential_secret: missing`, {
        hint: 'put it in secure.yaml or OS_APPLICATION_CREDENTIAL_SECRET',
      });
    const id = str(authRaw, 'application_credential_id', authWhere);
    const credName = str(authRaw, 'application_credential_name', authWhere);
    if (!id && !credName) throw new UsageError('CONFIG_MISSING_KEY', `${authWhere}.application_credential_id: missing`);
    auth = compact({
      method: 'application_credential' as const,
      authUrl,
      applicationCredentialId: id,
      applicationCredentialName: credName,
      applicationCredentialSecret: secret(appSecret),
      username: str(authRaw, 'username', authWhere),
      userDomainName: str(authRaw, 'user_domain_name', authWhere),
    });
  } else if (authType === 'token' || authType === 'v3token' || (!authType && token && !password)) {
    if (!token) throw new UsageError('CONFIG_MISSING_KEY', `${authWhere}.token: missing`);
    auth = compact({ method: 'token' as const, authUrl, token: secret(token), ...project });
  } else if (!authType || authType === 'password' || authType === 'v3password') {
    if (!password) {
      throw new UsageError('CONFIG_MISSING_KEY', `${authWhere}.password: missing`, {
        hint: 'put it in secure.yaml beside clouds.yaml, or set OS_PASSWORD',
      });
    }
    const username = str(authRaw, 'username', authWhere);
    const userId = str(authRaw, 'user_id', authWhere);
    if (!username && !userId) throw new UsageError('CONFIG_MISSING_KEY', `${authWhere}.username: missing`);
    auth = compact({
      method: 'password' as const,
      authUrl,
      username,
      userId,
      password: secret(password),
      userDomainName:
        str(authRaw, 'user_domain_name', authWhere) ??
        (str(authRaw, 'user_domain_id', authWhere) ? undefined : 'Default'),
      userDomainId: str(authRaw, 'user_domain_id', authWhere),
      ...project,
    });
  } else {
    throw new UsageError('CONFIG_INVALID', `${where}.auth_type: unsupported ${JSON.stringify(authType)}`, {
      hint: 'use password, v3applicationcredential or token',
    });
  }
  if (auth.method !== 'application_credential' && !auth.projectId && !auth.projectName) {
    throw new UsageError(
      'CONFIG_MISSING_KEY',
      `${authWhere}.project_name: missing (Bascule works on one project: name it with project_name or project_id)`,
    );
  }
  if (
    auth.method !== 'application_credential' &&
    auth.projectName &&
    !auth.projectDomainName &&
    !auth.projectDomainId
  ) {
    auth.projectDomainName = 'Default';
  }
  const iface = (str(raw, 'interface', where) ?? str(raw, 'endpoint_type', where) ?? 'public').replace(
    /URL$/,
    '',
  ) as Interface;
  if (!INTERFACES.includes(iface)) {
    throw new UsageError('CONFIG_INVALID', `${where}.interface: must be one of ${INTERFACES.join(', ')}`);
  }
  const insecure = bool(raw.insecure);
  const verifyRaw = raw.verify;
  const verify = insecure === true ? false : typeof verifyRaw === 'boolean' ? verifyRaw : true;
  const cacert = str(raw, 'cacert', where) ?? (typeof verifyRaw === 'string' ? verifyRaw : undefined);
  const endpointOverrides: Record<string, string> = {};
  const apiVersions: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const override = /^(.+)_endpoint_override$/.exec(key);
    if (override?.[1] && typeof value === 'string') endpointOverrides[override[1].replace(/_/g, '-')] = value;
    const version = /^(.+)_api_version$/.exec(key);
    if (version?.[1] && (typeof value === 'string' || typeof value === 'number'))
      apiVersions[version[1].replace(/_/g, '-')] = String(value);
  }
  return compact({
    name,
    origin,
    auth,
    regionName: str(raw, 'region_name', where),
    interface: iface,
    verify,
    cacert,
    endpointOverrides,
    apiVersions,
  });
}

/** Drops undefined values so optional properties are absent, not undefined. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/**
 * Loads a cloud by name (or OS_CLOUD, or plain OS_* variables when no name is given), as the
 * `openstack` CLI does: clouds.yaml and secure.yaml from the standard places, merged, then OS_*
 * variables for what they set (OS_PASSWORD etc. fill the gaps of a named cloud too).
 */
export async function loadCloudConfig(name?: string, options: LoadOptions = {}): Promise<CloudConfig> {
  const env = options.env ?? process.env;
  const wanted = name ?? env.OS_CLOUD;
  if (!wanted) {
    const fromEnv = cloudFromEnv(env);
    if (!fromEnv) {
      throw new UsageError(
        'CONFIG_NO_CLOUD',
        'no cloud named: use --os-cloud NAME (or --from/--to), set OS_CLOUD, or set OS_AUTH_URL and the other OS_* variables',
      );
    }
    return toCloudConfig('envvars', 'environment', fromEnv);
  }
  const clouds = await findFile('clouds.yaml', options);
  const secure = await findFile('secure.yaml', options);
  // The parsed files are shared (parseCloudsFileOnce): this cloud's entries are copied before anything changes them.
  const entry = structuredClone(clouds?.clouds[wanted]);
  if (!clouds || entry === undefined) {
    const known = clouds ? Object.keys(clouds.clouds) : [];
    const where = clouds ? clouds.path : `none of ${searchPaths('clouds.yaml', options).join(', ')}`;
    throw new UsageError('CONFIG_UNKNOWN_CLOUD', `unknown cloud ${JSON.stringify(wanted)} in ${where}`, {
      hint: known.length > 0 ? `known clouds: ${known.join(', ')}` : 'create a clouds.yaml with a `clouds:` mapping',
    });
  }
  if (!isPlainObject(entry))
    throw new UsageError('CONFIG_INVALID', `${clouds.path}: clouds.${wanted} must be a mapping`);
  const secureEntry = structuredClone(secure?.clouds[wanted]);
  let merged = isPlainObject(secureEntry) ? deepMerge(entry, secureEntry) : entry;
  // Plain OS_* variables fill in what the file leaves out (commonly OS_PASSWORD), never override it.
  const fromEnv = cloudFromEnv({ ...env, OS_AUTH_URL: env.OS_AUTH_URL ?? 'x' });
  if (fromEnv) {
    const authFromEnv = fromEnv.auth as Raw;
    delete authFromEnv.auth_url;
    merged = deepMerge({ ...fromEnv, auth: authFromEnv }, merged);
  }
  return toCloudConfig(wanted, clouds.path, merged);
}

/** Lists the clouds of the clouds.yaml that would be used. */
export async function listClouds(options: LoadOptions = {}): Promise<{ path?: string; names: string[] }> {
  const clouds = await findFile('clouds.yaml', options);
  return clouds ? { path: clouds.path, names: Object.keys(clouds.clouds) } : { names: [] };
}
