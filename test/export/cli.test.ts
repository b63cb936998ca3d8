import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { validatePlanFile } from '../../src/plan/io.js';
import { startFakeServer, type FakeServer } from '../kinds/read/support/fake-openstack.js';

let server: FakeServer;
let dir: string;
let clouds: string;

beforeAll(async () => {
  server = await startFakeServer('zed');
  dir = mkdtempSync(join(tmpdir(), 'bascule-export-'));
  clouds = join(dir, 'clouds.yaml');
  writeFileSync(clouds, server.cloudsYaml);
});
afterAll(async () => {
  await server.close();
});

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    isTTY: false,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

describe('bascule export', () => {
  it('writes a valid plan file with mode 0600 and prints a summary table on stderr', async () => {
    const out = join(dir, 'plan.json');
    const { code, stdout, stderr } = await run([
      'export',
      '--clouds-yaml',
      clouds,
      '--os-cloud',
      'fake',
      '--output',
      out,
    ]);
    expect(stderr).toContain('kind');
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const checked = await validatePlanFile(out);
    expect(checked.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(checked.plan!.resources.length).toBe(42);
    expect(checked.plan!.provenance.cloud).toBe('fake');
    expect(stderr).toMatch(/server\s+2\s+0\s+2/);
    expect(stderr).toContain('USER_DATA_NOT_EXPORTED');
    expect(stderr).not.toContain('fake-password-for-tests');
  });

  it('writes the plan to stdout without --output, and a JSON summary with --format json', async () => {
    const plain = await run(['export', '--clouds-yaml', clouds, '--os-cloud', 'fake', '--kinds', 'keypair,network']);
    expect(plain.code).toBe(0);
    const plan = JSON.parse(plain.stdout) as { resources: { key: string }[] };
    // A network brings its subnets (children), even without dependencies.
    expect(plan.resources.map((r) => r.key)).toEqual([
      'keypair:ops',
      'network:db-net',
      'network:private',
      'subnet:db-net/10.1.0.0/24',
      'subnet:private-v4',
    ]);
    const out = join(dir, 'json.json');
    const json = await run([
      'export',
      '--clouds-yaml',
      clouds,
      '--os-cloud',
      'fake',
      '--kinds',
      'keypair',
      '-o',
      out,
      '--format',
      'json',
    ]);
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout) as {
      resources: number;
      kinds: { kind: string; resources: number }[];
      warnings: unknown[];
    };
    expect(summary.resources).toBe(1);
    expect(summary.kinds).toEqual([{ kind: 'keypair', resources: 1, external: 0, requests: 1 }]);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ format: 'bascule.plan/v1' });
  });

  it('passes selection flags through: --kinds, --select, --no-dependencies', async () => {
    const { code, stdout } = await run([
      'export',
      '--clouds-yaml',
      clouds,
      '--os-cloud',
      'fake',
      '--kinds',
      'server',
      '--select',
      'web-*',
      '--no-dependencies',
      '--quiet',
    ]);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as { resources: { key: string; external?: boolean }[] };
    expect(plan.resources.filter((r) => !r.external).map((r) => r.key)).toEqual(['server:web-1']);
    expect(plan.resources.filter((r) => r.external).map((r) => r.key)).toEqual(['flavor:m1.small', 'image:cirros']);
  });

  it('exits 2 on an unknown kind and 1 when a whole kind cannot be read', async () => {
    const bad = await run(['export', '--clouds-yaml', clouds, '--os-cloud', 'fake', '--kinds', 'servers']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown kind "servers"');
    server.failures.set('GET /v2.1/os-keypairs', 403);
    try {
      const failed = await run([
        'export',
        '--clouds-yaml',
        clouds,
        '--os-cloud',
        'fake',
        '--kinds',
        'keypair',
        '-o',
        join(dir, 'never.json'),
      ]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('could not read keypair');
      expect(() => statSync(join(dir, 'never.json'))).toThrow();
      const partial = await run([
        'export',
        '--clouds-yaml',
        clouds,
        '--os-cloud',
        'fake',
        '--kinds',
        'keypair',
        '--allow-partial',
      ]);
      expect(partial.code).toBe(0);
      expect(partial.stderr).toContain('KIND_UNREADABLE');
    } finally {
      server.failures.clear();
    }
  });
});
