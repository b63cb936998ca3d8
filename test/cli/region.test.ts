// --os-region-name (and OS_REGION_NAME) on every command that talks to a cloud, as the openstack CLI: one clouds.yaml
// entry serves both regions of a cloud; apply and audit take a region per side (--from-region, --to-region).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runCli } from '../support/cli.js';

const FAST = { serverBuildMs: 0, volumeCreateMs: 0, imageActiveMs: 0, serverPowerMs: 0, volumeAttachMs: 0 };
let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({
    clouds: [
      {
        name: 'nubo',
        profile: 'zed',
        regions: ['rie', 'internet'],
        delays: FAST,
        seed: {
          projects: [{ name: 'shop' }],
          users: [{ name: 'ops', password: 'ops-pw' }],
          role_assignments: [{ user: 'ops', project: 'shop', role: 'member' }],
          resources: {
            shop: {
              region: 'internet',
              networks: [{ name: 'front', subnets: [{ name: 'front-v4', cidr: '10.9.0.0/24' }] }],
              security_groups: [{ name: 'web' }],
            },
          },
        } as never,
      },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'bascule-region-'));
  await sim.writeCloudsYaml(join(dir, 'clouds.yaml'));
});
afterAll(async () => {
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env.OS_REGION_NAME;
});

const cli = (...argv: string[]) => runCli(['--clouds-yaml', join(dir, 'clouds.yaml'), ...argv]);
const names = async (file: string) =>
  ((JSON.parse(await readFile(file, 'utf8')) as Plan).resources ?? [])
    .filter((e) => !e.external && e.kind === 'network')
    .map((e) => (e.spec as { name: string }).name);

describe('regions', () => {
  it('export reads the region --os-region-name or OS_REGION_NAME names, over the entry', async () => {
    // The entry's region_name is the first region, where the project has nothing.
    const first = join(dir, 'rie.plan.json');
    expect((await cli('export', '--os-cloud', 'nubo', '-o', first)).code).toBe(0);
    expect(await names(first)).toEqual([]);
    const second = join(dir, 'internet.plan.json');
    const r = await cli('--os-region-name', 'internet', 'export', '--os-cloud', 'nubo', '-o', second);
    expect(r.code, r.stderr).toBe(0);
    expect(await names(second)).toEqual(['front']);
    expect((JSON.parse(await readFile(second, 'utf8')) as Plan).provenance.region).toBe('internet');
    process.env.OS_REGION_NAME = 'internet';
    const env = join(dir, 'env.plan.json');
    expect((await cli('export', '--os-cloud', 'nubo', '-o', env)).code).toBe(0);
    expect(await names(env)).toEqual(['front']);
  }, 60_000);

  it('moves a project between two regions of one cloud with one entry, and audits it', async () => {
    const plan = join(dir, 'internet.plan.json');
    const applied = await cli(
      'apply',
      plan,
      '--to',
      'nubo',
      '--to-region',
      'rie',
      '--yes',
      '--journal',
      join(dir, 'j'),
    );
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const moved = join(dir, 'moved.plan.json');
    expect((await cli('--os-region-name', 'rie', 'export', '--os-cloud', 'nubo', '-o', moved)).code).toBe(0);
    expect(await names(moved)).toEqual(['front']);
    const audit = await cli(
      'audit',
      '--from',
      'nubo',
      '--from-region',
      'internet',
      '--to',
      'nubo',
      '--to-region',
      'rie',
    );
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  }, 60_000);

  it('an unknown region is a clear error that names it', async () => {
    const r = await cli('--os-region-name', 'nowhere', 'export', '--os-cloud', 'nubo', '-o', join(dir, 'x.json'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('nowhere');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
