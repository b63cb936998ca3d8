import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import {
  cloudFromEnv,
  listClouds,
  loadCloudConfig,
  parseCloudsFile,
  searchPaths,
} from '../../../src/openstack/config/clouds-yaml.js';
import type { CloudConfig } from '../../../src/openstack/config/types.js';
import { EXIT, UsageError } from '../../../src/shared/errors.js';
import { cloudsFixture } from '../../support/fixtures.js';

let cwd: string;
let home: string;
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bascule-config-'));
  cwd = join(root, 'work');
  home = join(root, 'home');
  await mkdir(cwd, { recursive: true });
  await mkdir(join(home, '.config', 'openstack'), { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(fixture: string, dir: string, as = fixture): Promise<string> {
  const target = join(dir, as);
  await copyFile(cloudsFixture(fixture), target);
  return target;
}

/** Loads with an isolated environment (never the developer's OS_* variables or files). */
function load(name: string | undefined, env: NodeJS.ProcessEnv = {}, files?: string[]): Promise<CloudConfig> {
  return loadCloudConfig(name, { cwd, home, env, ...(files ? { files } : {}) });
}

async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  const usage = error as UsageError;
  expect(usage.exitCode).toBe(EXIT.USAGE);
  return usage;
}

describe('searchPaths', () => {
  it('follows openstacksdk: extra files, OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack, /etc/openstack', () => {
    const paths = searchPaths('clouds.yaml', {
      cwd,
      home,
      env: { OS_CLIENT_CONFIG_FILE: 'conf/c.yaml' },
      files: ['first.yaml'],
    });
    expect(paths.slice(0, 5)).toEqual([
      join(cwd, 'first.yaml'),
      join(cwd, 'conf/c.yaml'),
      join(cwd, 'clouds.yaml'),
      join(home, '.config/openstack/clouds.yaml'),
      '/etc/openstack/clouds.yaml',
    ]);
    expect(paths).toContain(join(cwd, 'clouds.yml'));
    expect(searchPaths('secure.yaml', { cwd, home, env: { OS_CLIENT_SECURE_FILE: '/s/secure.yaml' } })[0]).toBe(
      '/s/secure.yaml',
    );
  });
});

describe('loadCloudConfig: clouds.yaml and secure.yaml', () => {
  it('merges secure.yaml over clouds.yaml from the current directory', async () => {
    const path = await put('clouds.yaml', cwd);
    await put('secure.yaml', cwd);
    const config = await load('helion');
    expect(config.name).toBe('helion');
    expect(config.origin).toBe(path);
    expect(config.regionName).toBe('region1');
    expect(config.interface).toBe('internal');
    expect(config.cacert).toBe('/etc/ssl/helion-ca.pem');
    expect(config.verify).toBe(true);
    expect(config.apiVersions).toEqual({ compute: '2.53', volume: '3.40' });
    expect(config.auth.method).toBe('password');
    if (config.auth.method !== 'password') return;
    expect(config.auth.authUrl).toBe('https://helion.example.com:5000/v3');
    expect(config.auth.username).toBe('migrator');
    expect(config.auth.password.reveal()).toBe('helion-Secure-Yaml-Pw-31');
    expect(config.auth.projectName).toBe('legacy-apps');
    expect(config.auth.projectDomainName).toBe('Default');
  });

  it('a file read again is parsed once, yet a change to it is seen and one caller cannot change what the next gets', async () => {
    const path = join(cwd, 'clouds.yaml');
    const text = (project: string) =>
      `clouds:\n  c:\n    auth:\n      auth_url: https://k.example:5000/v3\n      username: u\n      password: p\n      project_name: ${project}\n`;
    await writeFile(path, text('one'));
    const first = await load('c');
    if (first.auth.method !== 'password') throw new Error('a password cloud');
    expect(first.auth.projectName).toBe('one');
    (first.auth as { projectName?: string }).projectName = 'changed by a caller';
    const again = await load('c');
    expect(again.auth.method === 'password' && again.auth.projectName).toBe('one');
    await writeFile(path, text('two'));
    const changed = await load('c');
    expect(changed.auth.method === 'password' && changed.auth.projectName).toBe('two');
  });

  it('copies only the cloud entry it takes, never the whole file (a campaign names every project in it)', async () => {
    const clouds = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [
        `c${i}`,
        { auth: { auth_url: 'https://k.example:5000/v3', username: 'u', password: 'p', project_name: `p${i}` } },
      ]),
    );
    await writeFile(join(cwd, 'clouds.yaml'), stringify({ clouds }));
    await load('c7');
    const copies = vi.spyOn(globalThis, 'structuredClone');
    try {
      const config = await load('c7');
      expect(config.auth.method === 'password' && config.auth.projectName).toBe('p7');
      // Before: the whole parsed file (200 clouds) at every connection, quadratic over a campaign.
      expect(copies.mock.calls.map(([value]) => value).filter((v) => v !== undefined)).toEqual([clouds['c7']]);
    } finally {
      copies.mockRestore();
    }
  });

  it('finds the files in ~/.config/openstack when the current directory has none', async () => {
    const path = await put('clouds.yaml', join(home, '.config', 'openstack'));
    await put('secure.yaml', join(home, '.config', 'openstack'));
    const config = await load('zed');
    expect(config.origin).toBe(path);
    expect(config.auth.method === 'password' && config.auth.password.reveal()).toBe('zed-Secure-Yaml-Pw-47');
  });

  it('prefers ./clouds.yaml over the home one, and `files` over both', async () => {
    await writeFile(join(home, '.config', 'openstack', 'clouds.yaml'), 'clouds:\n  only-home: {}\n');
    await put('clouds.yaml', cwd);
    expect((await listClouds({ cwd, home, env: {} })).names).toEqual(['helion', 'zed', 'appcred', 'tokencloud', 'lab']);
    const extra = join(root, 'extra.yaml');
    await writeFile(
      extra,
      'clouds:\n  extra:\n    auth: {auth_url: "https://x.example:5000", username: u, password: pw-Extra-0001, project_name: p}\n',
    );
    const config = await load('extra', {}, [extra]);
    expect(config.origin).toBe(extra);
  });

  it('uses OS_CLOUD when no name is given', async () => {
    await put('clouds.yaml', cwd);
    await put('secure.yaml', cwd);
    const config = await load(undefined, { OS_CLOUD: 'zed' });
    expect(config.name).toBe('zed');
  });

  it('reads endpoint overrides, a project id and the user domain', async () => {
    await put('clouds.yaml', cwd);
    await put('secure.yaml', cwd);
    const config = await load('zed');
    expect(config.endpointOverrides).toEqual({
      network: 'https://neutron.zed.example.com:9696',
      'block-storage': 'https://cinder.zed.example.com:8776/v3/%(project_id)s',
    });
    expect(config.auth.method === 'password' && config.auth.projectId).toBe('0c2b7f3e6a1d4e8f9b5a7c3d2e1f0a9b');
    expect(config.auth.method === 'password' && config.auth.userDomainName).toBe('Users');
    expect(config.interface).toBe('public');
  });

  it('reads an application credential (secret from secure.yaml)', async () => {
    await put('clouds.yaml', cwd);
    await put('secure.yaml', cwd);
    const config = await load('appcred');
    expect(config.auth.method).toBe('application_credential');
    if (config.auth.method !== 'application_credential') return;
    expect(config.auth.applicationCredentialId).toBe('21dced0fd20347869b93710d2b98aae0');
    expect(config.auth.applicationCredentialSecret.reveal()).toBe('appcred-Secure-Yaml-Secret-59');
  });

  it('reads a token cloud', async () => {
    await put('clouds.yaml', cwd);
    await put('secure.yaml', cwd);
    const config = await load('tokencloud');
    expect(config.auth.method).toBe('token');
    if (config.auth.method !== 'token') return;
    expect(config.auth.token.reveal()).toBe('token-Secure-Yaml-Value-61');
    expect(config.auth.projectName).toBe('demo');
  });

  it('keeps microversion pins as written, even unquoted (3.40 is not 3.4)', async () => {
    await writeFile(
      join(cwd, 'clouds.yaml'),
      'clouds:\n  c:\n    auth: {auth_url: "https://k.example:5000", username: u, password: pw-Pins-0001, project_name: p}\n    compute_api_version: 2.50\n    volume_api_version: 3.40\n    identity_api_version: 3\n',
    );
    const config = await load('c');
    expect(config.apiVersions).toEqual({ compute: '2.50', volume: '3.40', identity: '3' });
  });

  it('`verify: <path>` names a CA bundle; OS_INSECURE=true turns verification off', async () => {
    await writeFile(
      join(cwd, 'clouds.yaml'),
      'clouds:\n  c:\n    auth: {auth_url: "https://k.example:5000", username: u, password: pw-Verify-0001, project_name: p}\n    verify: /etc/ssl/private-ca.pem\n',
    );
    const withCa = await load('c');
    expect([withCa.verify, withCa.cacert]).toEqual([true, '/etc/ssl/private-ca.pem']);
    const insecure = await load(undefined, {
      OS_AUTH_URL: 'https://k.example:5000',
      OS_USERNAME: 'u',
      OS_PASSWORD: 'pw-Verify-0002',
      OS_PROJECT_NAME: 'p',
      OS_INSECURE: 'true',
    });
    expect(insecure.verify).toBe(false);
  });

  it('turns TLS verification off only when asked', async () => {
    await put('clouds.yaml', cwd);
    const config = await load('lab', { OS_PASSWORD: 'pw-Lab-0001' });
    expect(config.verify).toBe(false);
  });

  it("lets OS_PASSWORD fill a named cloud's missing password, never override one from the files", async () => {
    await put('clouds.yaml', cwd);
    const filled = await load('helion', { OS_PASSWORD: 'from-Env-Pw-0001' });
    expect(filled.auth.method === 'password' && filled.auth.password.reveal()).toBe('from-Env-Pw-0001');
    await put('secure.yaml', cwd);
    const kept = await load('helion', { OS_PASSWORD: 'from-Env-Pw-0001', OS_REGION_NAME: 'elsewhere' });
    expect(kept.auth.method === 'password' && kept.auth.password.reveal()).toBe('helion-Secure-Yaml-Pw-31');
    expect(kept.regionName).toBe('region1');
  });
});

describe('loadCloudConfig: plain OS_* variables', () => {
  const base = {
    OS_AUTH_URL: 'https://k.example.com:5000/v3',
    OS_USERNAME: 'demo',
    OS_PASSWORD: 'env-Only-Pw-0001',
    OS_PROJECT_NAME: 'demo',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionTwo',
    OS_INTERFACE: 'internal',
    OS_CACERT: '/etc/ssl/ca.pem',
  };

  it('builds the `envvars` cloud from them when no cloud is named', async () => {
    const config = await load(undefined, base);
    expect(config.name).toBe('envvars');
    expect(config.origin).toBe('environment');
    expect(config.regionName).toBe('RegionTwo');
    expect(config.interface).toBe('internal');
    expect(config.cacert).toBe('/etc/ssl/ca.pem');
    expect(config.auth.method === 'password' && config.auth.password.reveal()).toBe('env-Only-Pw-0001');
  });

  it('reads application credentials and tokens from OS_* too', async () => {
    const app = await load(undefined, {
      OS_AUTH_URL: base.OS_AUTH_URL,
      OS_APPLICATION_CREDENTIAL_ID: 'abc',
      OS_APPLICATION_CREDENTIAL_SECRET: 'env-App-Secret-0001',
    });
    expect(app.auth.method).toBe('application_credential');
    const token = await load(undefined, {
      OS_AUTH_URL: base.OS_AUTH_URL,
      OS_TOKEN: 'env-Token-0001',
      OS_PROJECT_ID: 'p1',
    });
    expect(token.auth.method).toBe('token');
    expect(token.auth.method === 'token' && token.auth.projectId).toBe('p1');
  });

  it('accepts the v2-era OS_TENANT_NAME and the `publicURL` interface spelling', async () => {
    const config = await load(undefined, {
      OS_AUTH_URL: base.OS_AUTH_URL,
      OS_USERNAME: 'u',
      OS_PASSWORD: 'pw-Tenant-0001',
      OS_TENANT_NAME: 't',
      OS_ENDPOINT_TYPE: 'publicURL',
    });
    expect(config.auth.method === 'password' && config.auth.projectName).toBe('t');
    expect(config.interface).toBe('public');
  });

  it('cloudFromEnv is undefined without OS_AUTH_URL', () => {
    expect(cloudFromEnv({ OS_USERNAME: 'x' })).toBeUndefined();
  });

  it('no cloud named and no OS_AUTH_URL: a usage error saying how to name one', async () => {
    const error = await usageError(load(undefined, {}));
    expect(error.code).toBe('CONFIG_NO_CLOUD');
    expect(error.message).toMatch(/--os-cloud/);
    expect(error.message).toMatch(/OS_CLOUD/);
  });
});

describe('loadCloudConfig: errors name the file and the key, exit code 2', () => {
  it('malformed YAML: file, line and column', async () => {
    const path = await put('malformed.yaml', cwd, 'clouds.yaml');
    const error = await usageError(load('broken'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(new RegExp(`^${escape(path)}:\\d+:\\d+: malformed YAML`));
    expect(error.message).toMatch(/:[56]:\d+:/); // the misindented line
  });

  it('a top level that is not a mapping, and `clouds` that is not a mapping', () => {
    expect(() => parseCloudsFile('/x/clouds.yaml', '- a\n- b\n')).toThrow(
      /\/x\/clouds\.yaml: the top level must be a mapping/,
    );
    expect(() => parseCloudsFile('/x/clouds.yaml', 'clouds: [a, b]\n')).toThrow(
      /\/x\/clouds\.yaml: `clouds` must be a mapping/,
    );
    expect(parseCloudsFile('/x/clouds.yaml', '')).toEqual({});
  });

  it('duplicate keys are refused with their position', async () => {
    const path = await put('duplicate-keys.yaml', cwd, 'clouds.yaml');
    const error = await usageError(load('twice'));
    expect(error.message).toContain(`${path}:`);
    expect(error.message).toMatch(/malformed YAML/);
  });

  it('an alias bomb is refused at the line of its first alias, without expanding it', async () => {
    const path = await put('alias-bomb.yaml', cwd, 'clouds.yaml');
    const error = await usageError(load('bomb'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(new RegExp(`^${escape(path)}:3:\\d+: the aliases expand`));
    expect(error.message).not.toMatch(/\n\s+at /);
  });

  it('an auth_url that is not http or https is refused at load, naming the key', async () => {
    const path = await put('file-auth-url.yaml', cwd, 'clouds.yaml');
    const error = await usageError(load('local'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(`${path}: clouds.local.auth.auth_url: "file" is not allowed, only http and https`);
  });

  it('YAML tags are refused the same way, whatever they name (python, js, in clouds.yaml and secure.yaml)', async () => {
    const python = await put('python-tag.yaml', cwd, 'clouds.yaml');
    const first = await usageError(load('tagged'));
    expect(first.message).toMatch(
      new RegExp(`^${escape(python)}:4:\\d+: the tag !!python/object/apply:os.system is not allowed$`),
    );
    await rm(python);
    const js = await put('js-function-tag.yaml', cwd, 'clouds.yaml');
    const second = await usageError(load('tagged'));
    expect(second.message).toBe(`${js}:6:31: the tag !!js/function is not allowed`);
    await put('clouds.yaml', cwd);
    await writeFile(join(cwd, 'secure.yaml'), 'clouds:\n  zed:\n    auth:\n      password: !!binary aGVsbG8=\n');
    const third = await usageError(load('zed'));
    expect(third.message).toBe(`${join(cwd, 'secure.yaml')}:4:26: the tag !!binary is not allowed`);
  });

  it('unknown cloud: names the file and lists the known clouds', async () => {
    const path = await put('clouds.yaml', cwd);
    const error = await usageError(load('nope'));
    expect(error.code).toBe('CONFIG_UNKNOWN_CLOUD');
    expect(error.message).toContain('"nope"');
    expect(error.message).toContain(path);
    expect(error.hint).toBe('known clouds: helion, zed, appcred, tokencloud, lab');
  });

  it('unknown cloud without any clouds.yaml lists the places searched', async () => {
    const error = await usageError(load('nope'));
    expect(error.message).toContain(join(cwd, 'clouds.yaml'));
    expect(error.message).toContain(join(home, '.config/openstack/clouds.yaml'));
  });

  const cases: [cloud: string, code: string, key: RegExp][] = [
    ['no-auth-url', 'CONFIG_MISSING_KEY', /clouds\.no-auth-url\.auth\.auth_url: missing/],
    ['no-password', 'CONFIG_MISSING_KEY', /clouds\.no-password\.auth\.password: missing/],
    ['no-project', 'CONFIG_MISSING_KEY', /clouds\.no-project\.auth\.project_name: missing/],
    ['bad-interface', 'CONFIG_INVALID', /clouds\.bad-interface\.interface: must be one of public, internal, admin/],
    ['bad-url', 'CONFIG_INVALID', /clouds\.bad-url\.auth\.auth_url: not a URL/],
    ['bad-auth-type', 'CONFIG_INVALID', /clouds\.bad-auth-type\.auth_type: unsupported "v3oidcpassword"/],
    ['no-auth', 'CONFIG_MISSING_KEY', /clouds\.no-auth\.auth(\.auth_url)?: missing/],
  ];
  for (const [cloud, code, key] of cases) {
    it(`${cloud}: ${code} naming ${key.source.replace(/\\/g, '')}`, async () => {
      const path = await put('missing-keys.yaml', cwd, 'clouds.yaml');
      const error = await usageError(load(cloud));
      expect(error.code).toBe(code);
      expect(error.message.startsWith(`${path}: clouds.${cloud}`)).toBe(true);
      expect(error.message).toMatch(key);
      expect(error.message).not.toMatch(/p-Missing-Keys/);
    });
  }

  it('a missing password hints at secure.yaml and OS_PASSWORD', async () => {
    await put('missing-keys.yaml', cwd, 'clouds.yaml');
    const error = await usageError(load('no-password'));
    expect(error.hint).toMatch(/secure\.yaml/);
    expect(error.hint).toMatch(/OS_PASSWORD/);
  });

  it('an application credential without its secret names the key', async () => {
    await put('clouds.yaml', cwd);
    const error = await usageError(load('appcred'));
    expect(error.message).toMatch(/clouds\.appcred\.auth\.application_credential_secret: missing/);
  });

  it('a key of the wrong type names its path', async () => {
    await writeFile(join(cwd, 'clouds.yaml'), 'clouds:\n  c:\n    auth:\n      auth_url: [1, 2]\n');
    const error = await usageError(load('c'));
    expect(error.message).toMatch(/clouds\.c\.auth\.auth_url: must be a string/);
  });
});

describe('the loaded configuration never exposes a secret', () => {
  it('JSON.stringify, util.inspect, String and template literals show [redacted]', async () => {
    await put('clouds.yaml', cwd);
    await put('secure.yaml', cwd);
    const secrets = [
      'helion-Secure-Yaml-Pw-31',
      'zed-Secure-Yaml-Pw-47',
      'appcred-Secure-Yaml-Secret-59',
      'token-Secure-Yaml-Value-61',
    ];
    for (const name of ['helion', 'zed', 'appcred', 'tokencloud']) {
      const config = await load(name);
      const auth = config.auth as unknown as Record<string, unknown>;
      const secretField = Object.values(auth).find((v) => typeof v === 'object' && v !== null);
      const texts = [
        JSON.stringify(config),
        inspect(config, { depth: 10 }),
        String(config),
        `${String(secretField)}`,
        inspect(secretField),
        JSON.stringify(auth),
      ];
      for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
      expect(JSON.stringify(config)).toContain('[redacted]');
    }
  });

  it('the fixture files exist where the docs say', () => {
    expect(existsSync(cloudsFixture('clouds.yaml'))).toBe(true);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
