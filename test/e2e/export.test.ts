// `bascule export` against the real OpenStack: export the seeded source project with Bascule's own CLI (built in
// dist/), validate the plan, and check it against what the official `openstack` CLI lists.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePlanFile } from '../../src/plan/io.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { cloudEnv, cloudsFile, REPO_ROOT, requireCloud } from './support/env.js';
import { osJson } from './support/openstack-cli.js';
import { SEED, seedOnce } from './support/seed.js';

type Row = Record<string, unknown>;
const list = (...args: string[]): Promise<Row[]> => osJson<Row[]>('src', args);

function bascule(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'dist/src/bin.js'), ...args],
      { env: cloudEnv(), timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

let dir: string;
let plan: Plan;
let stderr: string;

const of = (kind: string, external = false): PlanResource[] =>
  plan.resources.filter((r) => r.kind === kind && (r.external === true) === external);
const names = (kind: string): string[] =>
  of(kind)
    .map((r) => String((r.spec as { name?: string }).name))
    .sort();
const entry = (key: string): PlanResource => {
  const found = plan.resources.find((r) => r.key === key);
  if (!found) throw new Error(`no ${key} in the plan: ${plan.resources.map((r) => r.key).join(', ')}`);
  return found;
};

describe('bascule export on the real cloud', () => {
  beforeAll(async () => {
    requireCloud();
    await seedOnce();
    dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-export-'));
    const out = join(dir, 'plan.json');
    const run = await bascule(['export', '--clouds-yaml', cloudsFile(), '--os-cloud', 'src', '--output', out]);
    stderr = run.stderr;
    expect(run.code, run.stderr).toBe(0);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const checked = await validatePlanFile(out);
    expect(checked.issues.filter((i) => i.severity === 'error')).toEqual([]);
    plan = checked.plan!;
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records where the plan comes from', () => {
    expect(plan.provenance).toMatchObject({
      cloud: 'src',
      region: 'RegionOne',
      project: { name: 'bascule-src' },
      profile: { name: 'zed' },
    });
    expect(stderr).toContain('USER_DATA_NOT_EXPORTED');
  });

  it('has the servers the openstack CLI lists, with their flavor, image or boot volume, ports, groups and volumes', async () => {
    const servers = await osJson<Row[]>('src', ['server', 'list', '--long']);
    expect(names('server')).toEqual(servers.map((s) => String(s['Name'])).sort());
    const fromImage = entry(`server:${SEED.servers.fromImage.name}`);
    expect(fromImage.refs).toMatchObject({
      flavor: `flavor:${SEED.servers.fromImage.flavor}`,
      image: `image:${SEED.servers.fromImage.image}`,
      keypair: `keypair:${SEED.servers.fromImage.keypair}`,
      server_group: `server_group:${SEED.serverGroup.name}`,
      security_groups: SEED.servers.fromImage.securityGroups.map((g) => `security_group:${g}`).sort(),
      volumes: SEED.servers.fromImage.attachedVolumes.map((v) => `volume:${v}`),
    });
    // The power state as Nova shows it now (other e2e steps may stop a source server).
    const status = String(servers.find((s) => s['Name'] === SEED.servers.fromImage.name)?.['Status']);
    expect(fromImage.spec).toMatchObject({
      metadata: SEED.servers.fromImage.metadata,
      tags: [...SEED.servers.fromImage.tags].sort(),
      power_state: status === 'SHUTOFF' ? 'stopped' : 'running',
    });
    const fromVolume = entry(`server:${SEED.servers.fromVolume.name}`);
    expect(fromVolume.refs).toMatchObject({
      boot_volume: `volume:${SEED.servers.fromVolume.bootVolume}`,
      ports: [`port:${SEED.servers.fromVolume.port}`],
    });
    expect(fromVolume.refs).not.toHaveProperty('image');
    const flavors = await osJson<Row[]>('src', ['flavor', 'list', '--long']);
    const tiny = flavors.find((f) => f['Name'] === SEED.servers.fromImage.flavor)!;
    expect(entry(`flavor:${SEED.servers.fromImage.flavor}`)).toMatchObject({
      external: true,
      spec: { vcpus: tiny['VCPUs'], ram: tiny['RAM'], disk: tiny['Disk'] },
    });
  });

  it('has the networks, subnets, router, security groups and rules the openstack CLI lists', async () => {
    const networks = await list('network', 'list', '--project', plan.provenance.project.id);
    expect(names('network')).toEqual(networks.map((n) => String(n['Name'])).sort());
    const subnets = await list('subnet', 'list', '--project', plan.provenance.project.id);
    expect(names('subnet')).toEqual(subnets.map((s) => String(s['Name'])).sort());
    const app = entry(`subnet:${SEED.subnets.app.name}`);
    expect(app.spec).toMatchObject({
      cidr: SEED.subnets.app.cidr,
      gateway_ip: SEED.subnets.app.gateway,
      dns_nameservers: SEED.subnets.app.dns,
      host_routes: SEED.subnets.app.hostRoutes,
      allocation_pools: [SEED.subnets.app.pool],
    });
    const routers = await list('router', 'list', '--project', plan.provenance.project.id);
    expect(names('router')).toEqual(routers.map((r) => String(r['Name'])).sort());
    expect(entry(`router:${SEED.router.name}`).refs).toMatchObject({
      external_network: `network:${SEED.router.externalNetwork}`,
      interfaces: [`subnet:${SEED.subnets.app.name}`, `subnet:${SEED.subnets.db.name}`],
    });
    expect(entry(`network:${SEED.router.externalNetwork}`).external).toBe(true);
    const groups = await list('security', 'group', 'list', '--project', plan.provenance.project.id);
    expect(names('security_group')).toEqual(groups.map((g) => String(g['Name'])).sort());
    // Rules per group (the CLI lists rules of one group, or of every group the user sees).
    for (const group of groups) {
      const rules = await list('security', 'group', 'rule', 'list', String(group['ID']));
      expect(
        of('security_group_rule').filter((r) => r.refs?.security_group === `security_group:${String(group['Name'])}`),
        String(group['Name']),
      ).toHaveLength(rules.length);
    }
  });

  it('keeps server and standalone ports and leaves out DHCP and router ports', async () => {
    const ports = await list('port', 'list', '--project', plan.provenance.project.id, '--long');
    const kept = ports.filter((p) => {
      const owner = String(p['Device Owner'] ?? '');
      return owner === '' || owner.startsWith('compute:');
    });
    expect(of('port')).toHaveLength(kept.length);
    const vip = entry(`port:${SEED.port.name}`);
    expect(vip.spec).toMatchObject({
      fixed_ips: [{ ip_address: SEED.port.fixedIp }],
      allowed_address_pairs: SEED.port.allowedAddressPairs.map((ip) => ({ ip_address: ip })),
    });
    expect(vip.lossy).toEqual(['mac_address']);
    const fips = await list('floating', 'ip', 'list', '--project', plan.provenance.project.id);
    expect(of('floating_ip')).toHaveLength(fips.length);
    expect(plan.resources.find((r) => r.kind === 'floating_ip')!.refs).toMatchObject({
      port: `port:${SEED.floatingIp.port}`,
      floating_network: `network:${SEED.floatingIp.network}`,
    });
  });

  it('has the images, volumes, keypair and server group the openstack CLI lists', async () => {
    const images = await list('image', 'list', '--private');
    expect(names('image')).toEqual(images.map((i) => String(i['Name'])).sort());
    const image = entry(`image:${SEED.image.name}`);
    expect(image.spec).toMatchObject({
      disk_format: SEED.image.diskFormat,
      size: SEED.image.sizeBytes,
      min_disk: SEED.image.minDisk,
      properties: SEED.image.properties,
      tags: [...SEED.image.tags],
    });
    const volumes = await list('volume', 'list');
    expect(names('volume')).toEqual(volumes.map((v) => String(v['Name'])).sort());
    expect(entry(`volume:${SEED.volumes.data.name}`)).toMatchObject({
      refs: { volume_type: `volume_type:${SEED.volumes.data.type}` },
      spec: { size: SEED.volumes.data.sizeGiB, metadata: SEED.volumes.data.metadata, bootable: false },
    });
    expect(entry(`volume:${SEED.volumes.boot.name}`)).toMatchObject({
      refs: { image: `image:${SEED.volumes.boot.image}` },
      spec: { bootable: true },
    });
    const keypairs = await list('keypair', 'list');
    expect(names('keypair')).toEqual(keypairs.map((k) => String(k['Name'])).sort());
    expect(entry(`server_group:${SEED.serverGroup.name}`).spec).toEqual({
      name: SEED.serverGroup.name,
      policy: SEED.serverGroup.policy,
    });
  });

  it('exports the same plan twice but for the export time', async () => {
    const second = join(dir, 'again.json');
    const run = await bascule([
      'export',
      '--clouds-yaml',
      cloudsFile(),
      '--os-cloud',
      'src',
      '--output',
      second,
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const again = (await validatePlanFile(second)).plan!;
    expect({ ...again, provenance: { ...again.provenance, exported_at: '' } }).toEqual({
      ...plan,
      provenance: { ...plan.provenance, exported_at: '' },
    });
  });
});
