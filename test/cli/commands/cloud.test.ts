import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { CloudInfo } from '../../../src/openstack/cloud.js';
import { SECRETS } from '../../support/cloud.js';
import type { FakeOptions } from '../../support/fake-openstack.js';
import { FakeOpenStack } from '../../support/fake-openstack.js';
import { cloudsFixture, fixtureBody } from '../../support/fixtures.js';
import { runCli } from '../../support/cli.js';

let dir: string;
let fake: FakeOpenStack;
let cloudsYaml: string;

async function startCloud(options: FakeOptions = {}): Promise<void> {
  fake = await FakeOpenStack.start(options);
  cloudsYaml = join(dir, 'clouds.yaml');
  await writeFile(
    cloudsYaml,
    [
      'clouds:',
      '  fake:',
      '    auth:',
      `      auth_url: ${fake.authUrl}`,
      '      username: bascule-src-user',
      '      project_name: bascule-src',
      '      user_domain_name: Default',
      '      project_domain_name: Default',
      '    region_name: RegionOne',
      '',
    ].join('\n'),
  );
  const secure = join(dir, 'secure.yaml');
  await writeFile(secure, `clouds:\n  fake:\n    auth:\n      password: ${SECRETS.password}\n`);
  vi.stubEnv('OS_CLIENT_SECURE_FILE', secure);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bascule-cloud-info-'));
  const home = join(dir, 'home');
  await mkdir(home);
  // Isolate from the developer's own configuration.
  vi.stubEnv('HOME', home);
  for (const name of [
    'OS_CLOUD',
    'OS_AUTH_URL',
    'OS_PASSWORD',
    'OS_USERNAME',
    'OS_PROJECT_NAME',
    'OS_REGION_NAME',
    'OS_CLIENT_CONFIG_FILE',
    'OS_CLIENT_SECURE_FILE',
    'OS_TOKEN',
  ])
    vi.stubEnv(name, undefined);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runWith(new AbortController().signal, ...argv);
}

const runWith = (signal: AbortSignal, ...argv: string[]) => runCli(argv, signal);

describe('bascule cloud info', () => {
  it('prints the scope, endpoints, microversions and extensions as a table', async () => {
    await startCloud();
    const { code, stdout, stderr } = await run('cloud', 'info', '--os-cloud', 'fake', '--clouds-yaml', cloudsYaml);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const pid = fake.projectId;
    expect(stdout).toContain(`cloud:      fake (${cloudsYaml})`);
    expect(stdout).toContain('user:       bascule-src-user (domain Default)');
    expect(stdout).toContain(`project:    bascule-src ${pid}`);
    expect(stdout).toContain('roles:      reader, member');
    expect(stdout).toContain('region:     RegionOne   interface: public');
    expect(stdout).toMatch(/token:\s+expires \d{4}-\d\d-\d\dT[\d:.]+Z \(methods: password\)/);
    expect(stdout).toMatch(/^service\s+type\s+version\s+microversions\s+endpoint$/m);
    expect(stdout).toMatch(new RegExp(`^identity\\s+identity\\s+v3\\s+${fake.base}/identity/v3$`, 'm'));
    expect(stdout).toMatch(
      new RegExp(`^compute\\s+compute\\s+v2\\.1\\s+2\\.1 - 2\\.93\\s+${fake.base}/compute/v2\\.1$`, 'm'),
    );
    expect(stdout).toMatch(new RegExp(`^network\\s+network\\s+v2\\.0\\s+${fake.base}/network/v2\\.0$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^image\\s+image\\s+v2\\s+${fake.base}/image/v2$`, 'm'));
    expect(stdout).toMatch(
      new RegExp(`^block-storage\\s+block-storage\\s+v3\\s+3\\.0 - 3\\.70\\s+${fake.base}/volume/v3/${pid}$`, 'm'),
    );
    const aliases = fixtureBody<{ extensions: { alias: string }[] }>('network/extensions').extensions.map(
      (e) => e.alias,
    );
    expect(stdout).toContain(`neutron extensions (${aliases.length}): ${[...aliases].sort().join(', ')}`);
    expect(stdout).toContain('image import methods: glance-direct, web-download, copy-image');
    expect(stdout).not.toContain(SECRETS.password);
    expect(stdout).not.toContain(fake.issuedTokens[0]);
  });

  it('--format json gives the same facts as data', async () => {
    await startCloud({ release: 'pike' });
    const { code, stdout } = await run(
      'cloud',
      'info',
      '--os-cloud',
      'fake',
      '--clouds-yaml',
      cloudsYaml,
      '--format',
      'json',
    );
    expect(code).toBe(0);
    const info = JSON.parse(stdout) as CloudInfo;
    expect(info.cloud).toBe('fake');
    expect(info.project).toEqual({ id: fake.projectId, name: 'helion-project', domain: 'Default' });
    expect(info.user).toMatchObject({ name: 'helion-user', domain: 'Default' });
    expect(info.authMethods).toEqual(['password']);
    expect(info.roles).toEqual(['_member_']);
    const byService = Object.fromEntries(info.services.map((s) => [s.service, s]));
    expect(byService.compute).toMatchObject({
      serviceType: 'compute',
      apiVersion: 'v2.1',
      microversions: { min: '2.1', max: '2.53' },
    });
    // Pike: Cinder v3 under the volumev3 type; Neutron and Glance catalog URLs without a version.
    expect(byService['block-storage']).toMatchObject({
      serviceType: 'volumev3',
      apiVersion: 'v3',
      microversions: { min: '3.0', max: '3.40' },
      url: `${fake.base}/volume/v3/${fake.projectId}`,
    });
    expect(byService.network).toMatchObject({ url: `${fake.base}/network/v2.0` });
    expect(byService.image).toMatchObject({ url: `${fake.base}/image/v2` });
    expect(info.networkExtensions).toContain('router');
    expect(info.imageImportMethods).toEqual(['glance-direct', 'web-download', 'copy-image']);
    // The expiry date is not a secret even though its name says token.
    expect(info.tokenExpiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('--format yaml', async () => {
    await startCloud();
    const { code, stdout } = await run(
      'cloud',
      'info',
      '--os-cloud',
      'fake',
      '--clouds-yaml',
      cloudsYaml,
      '--format',
      'yaml',
    );
    expect(code).toBe(0);
    const info = parseYaml(stdout) as CloudInfo;
    expect(info.services.find((s) => s.service === 'compute')?.microversions).toEqual({ min: '2.1', max: '2.93' });
  });

  it('a service missing from the catalog is shown as an error and the exit code is 1', async () => {
    await startCloud({ editCatalog: (catalog) => catalog.filter((e) => e.type !== 'image') });
    const { code, stdout } = await run('cloud', 'info', '--os-cloud', 'fake', '--clouds-yaml', cloudsYaml);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^image\s+error: no public endpoint for image/m);
    expect(stdout).toContain('image import methods: (none: plain upload)');
  });

  it("bad credentials: exit 1 with Keystone's message and no secret anywhere", async () => {
    await startCloud({ checkAuth: () => false });
    const { code, stdout, stderr } = await run('cloud', 'info', '--os-cloud', 'fake', '--clouds-yaml', cloudsYaml);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^bascule: identity: authentication as user bascule-src-user \(password\) failed with 401: The request you have made requires authentication\./,
    );
    expect(stderr).toContain('hint: check the credentials');
    expect(stderr).not.toContain(SECRETS.password);
  });

  it('interrupted (Ctrl-C): exit 130, no partial table', async () => {
    await startCloud();
    const controller = new AbortController();
    controller.abort();
    const { code, stdout, stderr } = await runWith(
      controller.signal,
      'cloud',
      'info',
      '--os-cloud',
      'fake',
      '--clouds-yaml',
      cloudsYaml,
    );
    expect(code).toBe(130);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^bascule: .*aborted/);
  });

  it('interrupted while Keystone answers: exit 130', async () => {
    await startCloud();
    const controller = new AbortController();
    fake.on('POST', '/identity/v3/auth/tokens', () => {
      controller.abort();
      return new Promise(() => undefined);
    });
    const { code, stdout } = await runWith(
      controller.signal,
      'cloud',
      'info',
      '--os-cloud',
      'fake',
      '--clouds-yaml',
      cloudsYaml,
    );
    expect(code).toBe(130);
    expect(stdout).toBe('');
  });

  it('--log-file and --verbose: JSON lines and stderr lines without a password or token', async () => {
    await startCloud();
    const log = join(dir, 'bascule.log');
    const { code, stdout, stderr } = await run(
      'cloud',
      'info',
      '--os-cloud',
      'fake',
      '--clouds-yaml',
      cloudsYaml,
      '--verbose',
      '--log-file',
      log,
    );
    expect(code).toBe(0);
    const lines = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.event === 'authenticated')).toBe(true);
    // The Neutron extensions and the Glance import methods (version discovery is not an API call).
    const http = lines.filter((l) => l.event === 'http');
    expect(http.map((l) => l.url)).toEqual(
      expect.arrayContaining([`${fake.base}/network/v2.0/extensions`, `${fake.base}/image/v2/info/import`]),
    );
    expect(http[0]).toMatchObject({ level: 'debug', method: 'GET', status: 200 });
    expect(stderr).toContain('debug: http');
    expect(fake.issuedTokens).toHaveLength(1);
    const everything = [stdout, stderr, await readFile(log, 'utf8')].join('\n');
    for (const value of [SECRETS.password, ...fake.issuedTokens]) expect(everything).not.toContain(value);
  });
});

describe('bascule cloud info with a log file that cannot be written', () => {
  it('exit 2 naming the file, before any call', async () => {
    await startCloud();
    const log = join(dir, 'missing-dir', 'bascule.log');
    const { code, stdout, stderr } = await run(
      'cloud',
      'info',
      '--os-cloud',
      'fake',
      '--clouds-yaml',
      cloudsYaml,
      '--log-file',
      log,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`--log-file ${log}: cannot write it (ENOENT)`);
    expect(stderr).not.toContain('internal error');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('bascule cloud info with a bad clouds.yaml: exit 2 naming the file and the key', () => {
  beforeEach(async () => {
    fake = await FakeOpenStack.start();
  });

  it('malformed YAML', async () => {
    const path = join(dir, 'clouds.yaml');
    await copyFile(cloudsFixture('malformed.yaml'), path);
    const { code, stdout, stderr } = await run('cloud', 'info', '--os-cloud', 'broken', '--clouds-yaml', path);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^bascule: ${path.replace(/[.]/g, '\\.')}:\\d+:\\d+: malformed YAML`));
    expect(fake.requests).toHaveLength(0);
  });

  it('a missing key', async () => {
    const path = join(dir, 'clouds.yaml');
    await copyFile(cloudsFixture('missing-keys.yaml'), path);
    const { code, stderr } = await run('cloud', 'info', '--os-cloud', 'no-password', '--clouds-yaml', path);
    expect(code).toBe(2);
    expect(stderr).toContain(`${path}: clouds.no-password.auth.password: missing`);
    expect(stderr).toContain('hint: put it in secure.yaml');
  });

  it('an unknown cloud lists the known ones', async () => {
    const path = join(dir, 'clouds.yaml');
    await copyFile(cloudsFixture('clouds.yaml'), path);
    const { code, stderr } = await run('cloud', 'info', '--os-cloud', 'nope', '--clouds-yaml', path);
    expect(code).toBe(2);
    expect(stderr).toContain(`unknown cloud "nope" in ${path}`);
    expect(stderr).toContain('known clouds: helion, zed, appcred, tokencloud, lab');
  });

  it('no cloud at all', async () => {
    const { code, stderr } = await run('cloud', 'info');
    expect(code).toBe(2);
    expect(stderr).toContain('no cloud named');
  });
});
