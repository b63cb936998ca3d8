import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { simCommand } from '../../src/cli/commands/sim.js';
import { main } from '../../src/cli/main.js';
import { createContext } from '../../src/cli/context.js';
import { call } from './helpers.js';

describe('bascule sim (the command)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts the sample project, writes clouds.yaml (0600), serves until aborted', async () => {
    const controller = new AbortController();
    let out = '';
    const ctx = createContext(
      { 'clouds-yaml': join(dir, 'clouds.yaml') },
      { stdout: (t) => (out += t), stderr: () => undefined, signal: controller.signal },
    );
    const running = simCommand.run(
      {
        profile: 'pike',
        seed: 'fixtures/sim/sample-project.yaml',
        name: 'pi-hos8',
        region: ['region1'],
        latency: 0,
        jitter: 0,
        'fault-rate': 0,
        'availability-zone': ['nord-az1', 'nord-az2', 'nord-az3'],
        'clouds-yaml': join(dir, 'clouds.yaml'),
      },
      ctx,
    );
    for (let i = 0; i < 500 && !out.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(out).toContain('clouds.yaml written to');
    expect(out).not.toContain('pi-ops-secret');
    const file = join(dir, 'clouds.yaml');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const y = parse(await readFile(file, 'utf8')) as { clouds: Record<string, { auth: Record<string, string> }> };
    const auth = y.clouds['pi-hos8-pi-web']!.auth;
    const res = await call('POST', `${auth.auth_url}/auth/tokens`, {
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: auth.username, domain: { name: 'Default' }, password: auth.password } },
          },
          scope: { project: { name: auth.project_name, domain: { name: 'Default' } } },
        },
      },
    });
    expect(res.status).toBe(201);
    controller.abort();
    expect(await running).toBe(0);
    await expect(call('GET', auth.auth_url!)).rejects.toThrow();
  });

  it('refuses a missing seed file with a usage error (exit 2)', async () => {
    const ctx = createContext(
      {},
      { stdout: () => undefined, stderr: () => undefined, signal: new AbortController().signal },
    );
    await expect(
      simCommand.run(
        {
          profile: 'zed',
          seed: join(dir, 'nope.yaml'),
          name: 's',
          region: ['RegionOne'],
          latency: 0,
          jitter: 0,
          'fault-rate': 0,
          'availability-zone': ['nova'],
          'clouds-yaml': join(dir, 'c2.yaml'),
        },
        ctx,
      ),
    ).rejects.toMatchObject({ exitCode: 2 });
  });

  it('starts several clouds from --config', async () => {
    const controller = new AbortController();
    let out = '';
    const file = join(dir, 'rehearsal-clouds.yaml');
    const ctx = createContext(
      { 'clouds-yaml': file },
      { stdout: (t) => (out += t), stderr: () => undefined, signal: controller.signal },
    );
    const running = simCommand.run(
      {
        config: 'fixtures/sim/rehearsal.yaml',
        profile: 'zed',
        name: 'sim',
        region: ['RegionOne'],
        latency: 0,
        jitter: 0,
        'fault-rate': 0,
        'availability-zone': ['nova'],
        'clouds-yaml': file,
      },
      ctx,
    );
    for (let i = 0; i < 500 && !out.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(out).toContain('Cloud "pi-hos8"');
    expect(out).toContain('Cloud "pi-new"');
    const y = parse(await readFile(file, 'utf8')) as { clouds: Record<string, unknown> };
    expect(Object.keys(y.clouds)).toEqual(expect.arrayContaining(['pi-hos8-pi-web', 'pi-new-pi-web', 'pi-new-admin']));
    controller.abort();
    expect(await running).toBe(0);
  });

  it('reports a bad --config with the path in the file (exit 2)', async () => {
    const bad = join(dir, 'bad-config.yaml');
    await writeFile(bad, 'clouds:\n  - { name: x, profile: havana }\n');
    const ctx = createContext(
      {},
      { stdout: () => undefined, stderr: () => undefined, signal: new AbortController().signal },
    );
    await expect(
      simCommand.run(
        {
          config: bad,
          profile: 'zed',
          name: 's',
          region: ['RegionOne'],
          latency: 0,
          jitter: 0,
          'fault-rate': 0,
          'availability-zone': ['nova'],
          'clouds-yaml': join(dir, 'c3.yaml'),
        },
        ctx,
      ),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('clouds/0/profile') });
  });

  it('is registered in the CLI (bascule sim --help)', async () => {
    let out = '';
    const code = await main(['sim', '--help'], {
      stdout: (t) => (out += t),
      stderr: (t) => (out += t),
      signal: new AbortController().signal,
    });
    expect(code).toBe(0);
    expect(out).toContain('--profile');
    expect(out).toContain('--seed');
    expect(out).toContain('--config');
  });
});
