// Issue 14, regions: a project that spans two regions of one cloud (Nubo: RIE and Internet) is exported with
// --all-regions into one plan (each entry's source facts carry its region, keys end in @<region>), and the mapping's
// `regions` table sends each region where it belongs: one apply per target region takes the parts that go there,
// maps each with the rules scoped to its own source region, and names what it leaves for the other region.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, loadCloudConfig } from '../../src/openstack/index.js';
import type { Plan } from '../../src/plan/types.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runCli } from '../support/cli.js';

const FAST = { serverBuildMs: 0, volumeCreateMs: 0, imageActiveMs: 0, serverPowerMs: 0, volumeAttachMs: 0 };
const identity = (externals: string[]) => ({
  projects: [{ name: 'shop' }],
  users: [{ name: 'ops', password: 'ops-pw' }],
  role_assignments: [{ user: 'ops', project: 'shop', role: 'member' }],
  flavors: [{ id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }],
  external_networks: externals.map((name, i) => ({ name, cidr: `203.0.${113 + i}.0/24` })),
});

let sim: Simulator;
let dir: string;
let clouds: string;
const cli = (...argv: string[]) => runCli(['--clouds-yaml', clouds, ...argv]);

/** The network API of `cloud` in `region`, as ops in shop. */
async function network(cloud: string, region: string) {
  const c = await connect(
    { ...(await loadCloudConfig(cloud, { files: [clouds], env: {} })), regionName: region },
    {
      logger: silentLogger,
    },
  );
  return c;
}

async function names(cloud: string, region: string, path: string, field: string): Promise<string[]> {
  const c = await network(cloud, region);
  try {
    const body = await c.network.get<Record<string, { name: string }[]>>(path);
    return body[field]!.map((x) => x.name).sort();
  } finally {
    await c.close();
  }
}

beforeAll(async () => {
  sim = await startSimulator({
    clouds: [
      {
        name: 'nubo',
        profile: 'zed',
        regions: ['rie', 'internet'],
        delays: FAST,
        seed: identity(['rie-net', 'internet-net']) as never,
      },
      {
        name: 'pi',
        profile: 'zed',
        regions: ['pi-rie', 'pi-internet'],
        delays: FAST,
        seed: identity(['rie-nord', 'internet-nord']) as never,
      },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'bascule-all-regions-'));
  clouds = join(dir, 'clouds.yaml');
  await sim.writeCloudsYaml(clouds);
  // The back end in RIE, the front end in Internet: a network and a router on the region's own external network.
  for (const [region, net, external] of [
    ['rie', 'back', 'rie-net'],
    ['internet', 'front', 'internet-net'],
  ] as const) {
    const c = await network('nubo-shop', region);
    const { networks } = await c.network.get<{ networks: { id: string; name: string }[] }>(
      `/networks?name=${external}`,
    );
    await c.network.post('/networks', { network: { name: net } });
    await c.network.post('/routers', {
      router: { name: `${net}-router`, external_gateway_info: { network_id: networks[0]!.id } },
    });
    await c.close();
  }
});
afterAll(async () => {
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const MAPPING = `format: bascule.mapping/v1
regions:
  - { from: rie, to: pi-rie }
  - { from: internet, to: pi-internet }
external_networks:
  - { from: rie-net, to: rie-nord, region: rie }
  - { from: internet-net, to: internet-nord, region: internet }
`;

describe('export --all-regions and regions rules per entry', () => {
  it('exports both regions into one plan: provenance.regions, source.region on each entry, keys @<region>', async () => {
    const planPath = join(dir, 'shop.plan.json');
    const r = await cli('export', '--os-cloud', 'nubo-shop', '--all-regions', '-o', planPath);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('regions of nubo-shop: internet, rie');
    const plan = JSON.parse(await readFile(planPath, 'utf8')) as Plan;
    expect(plan.provenance.region).toBeNull();
    expect(plan.provenance.regions).toEqual(['internet', 'rie']);
    for (const entry of plan.resources) {
      const region = entry.source?.['region'];
      expect(['internet', 'rie'], entry.key).toContain(region);
      expect(entry.key.endsWith(`@${String(region)}`), entry.key).toBe(true);
    }
    const keys = plan.resources.map((e) => e.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'network:back@rie',
        'router:back-router@rie',
        'network:rie-net@rie',
        'network:front@internet',
        'router:front-router@internet',
        'network:internet-net@internet',
      ]),
    );
    // references stay inside their region
    const router = plan.resources.find((e) => e.key === 'router:front-router@internet')!;
    expect(JSON.stringify(router.refs)).toContain('network:internet-net@internet');
    expect(JSON.stringify(router.refs)).not.toContain('@rie');
  }, 60_000);

  it('--all-regions with --os-region-name is exit 2, and nothing is read', async () => {
    sim.clearLog();
    const r = await cli('--os-region-name', 'rie', 'export', '--os-cloud', 'nubo-shop', '--all-regions');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--all-regions');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(sim.requestLog('nubo')).toEqual([]);
  });

  it('without a mapping no region goes to pi-rie: exit 2 naming each route, nothing sent', async () => {
    sim.clearLog();
    const r = await cli('apply', join(dir, 'shop.plan.json'), '--to', 'pi-shop', '--to-region', 'pi-rie', '--dry-run');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('no region of');
    expect(r.stderr).toContain('internet -> internet, rie -> rie');
    expect(sim.requestLog('pi')).toEqual([]);
  });

  it('each apply takes the regions that go to its target region, with the rules scoped to them', async () => {
    const planPath = join(dir, 'shop.plan.json');
    const mapping = join(dir, 'shop.yaml');
    await writeFile(mapping, MAPPING);
    const internet = await cli(
      'apply',
      planPath,
      '--to',
      'pi-shop',
      '--to-region',
      'pi-internet',
      '--mapping',
      mapping,
      '--yes',
    );
    expect(internet.code, internet.stdout + internet.stderr).toBe(0);
    expect(internet.stderr).toContain('to region pi-internet: region internet');
    expect(internet.stderr).toContain('not in this run: region rie');
    expect(internet.stderr).toContain('apply again with --to-region pi-rie');
    expect(existsSync(join(dir, 'shop.plan.pi-internet.journal.jsonl'))).toBe(true);
    // only the Internet part is in pi-internet, on the external network its region's rule names
    expect(await names('pi-shop', 'pi-internet', '/networks?router:external=false', 'networks')).toEqual(['front']);
    expect(await names('pi-shop', 'pi-rie', '/networks?router:external=false', 'networks')).toEqual([]);

    const rie = await cli('apply', planPath, '--to', 'pi-shop', '--to-region', 'pi-rie', '--mapping', mapping, '--yes');
    expect(rie.code, rie.stdout + rie.stderr).toBe(0);
    expect(existsSync(join(dir, 'shop.plan.pi-rie.journal.jsonl'))).toBe(true);
    expect(await names('pi-shop', 'pi-rie', '/networks?router:external=false', 'networks')).toEqual(['back']);
    const c = await network('pi-shop', 'pi-rie');
    const { routers } = await c.network.get<{
      routers: { name: string; external_gateway_info: { network_id: string } | null }[];
    }>('/routers');
    const { networks } = await c.network.get<{ networks: { id: string }[] }>('/networks?name=rie-nord');
    await c.close();
    expect(routers.map((x) => [x.name, x.external_gateway_info?.network_id])).toEqual([
      ['back-router', networks[0]!.id],
    ]);
    // each region's apply is its own: a second run to pi-rie has nothing to change
    const again = await cli(
      'apply',
      planPath,
      '--to',
      'pi-shop',
      '--to-region',
      'pi-rie',
      '--mapping',
      mapping,
      '--yes',
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to change');
  }, 120_000);

  it('mapping validate --plan maps a plan of several regions region by region', async () => {
    const r = await cli(
      '--format',
      'json',
      'mapping',
      'validate',
      join(dir, 'shop.yaml'),
      '--plan',
      join(dir, 'shop.plan.json'),
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('rie-nord');
    expect(r.stdout).toContain('internet-nord');
  });

  it('audit of the plan against each target region takes the regions routed there: clean', async () => {
    const mapping = join(dir, 'shop.yaml');
    for (const region of ['pi-rie', 'pi-internet']) {
      const r = await cli(
        'audit',
        '--plan',
        join(dir, 'shop.plan.json'),
        '--to',
        'pi-shop',
        '--to-region',
        region,
        '--mapping',
        mapping,
        '--journal',
        join(dir, `shop.plan.${region}.journal.jsonl`),
      );
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`against region ${region}`);
    }
  }, 60_000);

  it('a plan of several regions with an entry of no region is exit 2 with the path into the plan', async () => {
    const plan = JSON.parse(await readFile(join(dir, 'shop.plan.json'), 'utf8')) as Plan;
    const index = plan.resources.findIndex((e) => e.key === 'network:front@internet');
    delete plan.resources[index]!.source!['region'];
    const bad = join(dir, 'bad.plan.json');
    await writeFile(bad, JSON.stringify(plan));
    sim.clearLog();
    const r = await cli('apply', bad, '--to', 'pi-shop', '--to-region', 'pi-rie', '--dry-run');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`/resources/${index}/source/region`);
    expect(sim.requestLog('pi')).toEqual([]);
  });
});
