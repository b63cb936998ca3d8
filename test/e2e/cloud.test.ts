// The end-to-end cloud itself: what test/e2e/openstack/up.sh promises every other e2e test, and the source
// project seeded by test/e2e/seed-source.sh, checked with the official `openstack` CLI (not with Bascule).
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLOUDS, dataDir, PROJECTS, requireCloud } from './support/env.js';
import type { CloudName } from './support/env.js';
import { osJson, osRun } from './support/openstack-cli.js';
import { SEED, seedImageSha256, seedOnce } from './support/seed.js';

type Row = Record<string, unknown>;
const show = (cloud: CloudName, ...args: string[]): Promise<Row> => osJson<Row>(cloud, args);
const list = (cloud: CloudName, ...args: string[]): Promise<Row[]> => osJson<Row[]>(cloud, args);
const byName = (rows: readonly Row[], name: string): Row | undefined =>
  rows.find((r) => r['Name'] === name || r['name'] === name);

async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
async function md5File(path: string): Promise<string> {
  return createHash('md5')
    .update(await readFile(path))
    .digest('hex');
}

describe('the e2e cloud (test/e2e/openstack/up.sh)', () => {
  beforeAll(() => {
    requireCloud();
  });

  it('authenticates every cloud of clouds.yaml, each scoped to its own project', async () => {
    const tokens = await Promise.all(Object.values(CLOUDS).map((cloud) => show(cloud, 'token', 'issue')));
    const projectIds = tokens.map((t) => t['project_id']);
    for (const token of tokens) {
      expect(token['id']).toMatch(/^\S{20,}$/);
      expect(Date.parse(String(token['expires']))).toBeGreaterThan(Date.now());
    }
    expect(new Set(projectIds).size).toBe(4);
    const projects = await list(CLOUDS.admin, 'project', 'list');
    for (const [cloud, project] of Object.entries(PROJECTS)) {
      const row = byName(projects, project);
      expect(row, `project ${project}`).toBeDefined();
      expect(tokens[Object.values(CLOUDS).indexOf(cloud as CloudName)]!['project_id']).toBe(row!['ID']);
    }
  });

  it('gives each member user the member and reader roles on its project (and load-balancer_member with Octavia), and nothing else', async () => {
    // The launcher gives load-balancer_member too when Octavia is in the catalog (lib/bootstrap.py): Octavia's
    // default policy refuses a plain member.
    const catalog = await list(CLOUDS.src, 'catalog', 'list');
    const octavia = catalog.some((s) => s['Type'] === 'load-balancer');
    for (const project of Object.values(PROJECTS)) {
      const user = `${project}-user`;
      const assignments = await list(CLOUDS.admin, 'role', 'assignment', 'list', '--user', user, '--names');
      expect(assignments.map((a) => `${String(a['Role'])} on ${String(a['Project'])}`).sort()).toEqual([
        ...(octavia ? [`load-balancer_member on ${project}@Default`] : []),
        `member on ${project}@Default`,
        `reader on ${project}@Default`,
      ]);
    }
  });

  it('has the six services in the catalog, on 127.0.0.1 in RegionOne', async () => {
    const catalog = await list(CLOUDS.src, 'catalog', 'list');
    const types = catalog.map((s) => String(s['Type']));
    for (const type of ['identity', 'image', 'placement', 'compute', 'network', 'volumev3'])
      expect(types).toContain(type);
    for (const service of catalog) {
      const endpoints = service['Endpoints'] as Row[];
      expect(endpoints.map((e) => e['interface']).sort()).toEqual(['admin', 'internal', 'public']);
      for (const ep of endpoints) {
        expect(ep['region_id']).toBe('RegionOne');
        expect(String(ep['url'])).toMatch(/^http:\/\/127\.0\.0\.1:\d+(\/|$)/);
      }
    }
  });

  it('has the external network public with a TEST-NET-3 subnet', async () => {
    const net = await show(CLOUDS.admin, 'network', 'show', 'public');
    expect(net['router:external']).toBe(true);
    expect(net['provider:network_type']).toBe('flat');
    const subnet = await show(CLOUDS.admin, 'subnet', 'show', 'public-subnet');
    expect(subnet['cidr']).toBe('203.0.113.0/24');
    expect(subnet['network_id']).toBe(net['id']);
    // a member project sees it, as it must to attach routers and allocate floating IPs
    expect(byName(await list(CLOUDS.dst, 'network', 'list', '--external'), 'public')).toBeDefined();
  });

  it('has the Pike-era public flavors', async () => {
    const flavors = await list(CLOUDS.dst, 'flavor', 'list');
    const tiny = byName(flavors, 'm1.tiny');
    const small = byName(flavors, 'm1.small');
    expect(tiny).toMatchObject({ ID: '1', VCPUs: 1, RAM: 512, Disk: 1, 'Is Public': true });
    expect(small).toMatchObject({ ID: '2', VCPUs: 1, RAM: 2048, Disk: 20, 'Is Public': true });
  });

  it('has the public image cirros, whose bytes download back identical', async () => {
    const image = await show(CLOUDS.dst, 'image', 'show', 'cirros');
    expect(image).toMatchObject({ status: 'active', visibility: 'public', disk_format: 'qcow2' });
    expect(Number(image['size'])).toBeGreaterThan(1024 * 1024);
    const dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-'));
    try {
      const file = join(dir, 'cirros.qcow2');
      await osRun(CLOUDS.dst, ['image', 'save', '--file', file, 'cirros']);
      const md5 = await md5File(file);
      expect(md5).toBe(image['checksum']);
      expect(md5).toBe((await readFile(join(dataDir(), 'cirros.md5'), 'utf8')).trim());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has the volume type standard on the NFS backend', async () => {
    const type = await show(CLOUDS.admin, 'volume', 'type', 'show', 'standard');
    expect(type['is_public']).toBe(true);
    expect(type['properties']).toMatchObject({ volume_backend_name: 'nfs1' });
  });
});

describe('the seeded source project (test/e2e/seed-source.sh)', () => {
  beforeAll(async () => {
    await seedOnce();
  });

  it('has the keypair', async () => {
    const key = await show(CLOUDS.src, 'keypair', 'show', SEED.keypair);
    expect(key['type']).toBe('ssh');
    expect(String(key['fingerprint'])).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  });

  it('has the security groups and their rules, one from the other group', async () => {
    const groups = await list(CLOUDS.src, 'security', 'group', 'list');
    const web = byName(groups, SEED.securityGroups.web.name);
    expect(web).toBeDefined();
    for (const spec of Object.values(SEED.securityGroups)) {
      const group = await show(CLOUDS.src, 'security', 'group', 'show', spec.name);
      expect(group['description']).toBe(spec.description);
      const ingress = (group['rules'] as Row[]).filter((r) => r['direction'] === 'ingress');
      const actual = ingress.map((r) => ({
        ethertype: r['ethertype'],
        protocol: r['protocol'],
        portMin: r['port_range_min'],
        portMax: r['port_range_max'],
        ...(r['remote_group_id'] !== null
          ? { remoteGroup: r['remote_group_id'] }
          : { remoteIp: r['remote_ip_prefix'] }),
      }));
      const expected = spec.rules.map((rule) =>
        'remoteGroup' in rule ? { ...rule, remoteGroup: byName(groups, rule.remoteGroup)!['ID'] } : rule,
      );
      expect(actual).toHaveLength(expected.length);
      expect(actual).toEqual(expect.arrayContaining(expected));
    }
  });

  it('has two networks with their subnets', async () => {
    const networks = await list(CLOUDS.src, 'network', 'list');
    for (const spec of Object.values(SEED.subnets)) {
      const subnet = await show(CLOUDS.src, 'subnet', 'show', spec.name);
      expect(subnet).toMatchObject({
        cidr: spec.cidr,
        gateway_ip: spec.gateway,
        enable_dhcp: spec.dhcp,
        ip_version: 4,
      });
      expect(subnet['network_id']).toBe(byName(networks, spec.network)?.['ID']);
      if ('pool' in spec) {
        expect(subnet['allocation_pools']).toEqual([spec.pool]);
        expect(subnet['dns_nameservers']).toEqual(spec.dns);
        expect(subnet['host_routes']).toEqual(spec.hostRoutes);
      }
    }
    for (const spec of Object.values(SEED.networks)) {
      expect((await show(CLOUDS.src, 'network', 'show', spec.name))['description']).toBe(spec.description);
    }
  });

  it('has the router with its gateway, both interfaces and the static route', async () => {
    const router = await show(CLOUDS.src, 'router', 'show', SEED.router.name);
    const publicNet = await show(CLOUDS.src, 'network', 'show', SEED.router.externalNetwork);
    expect(router['description']).toBe(SEED.router.description);
    expect((router['external_gateway_info'] as Row)['network_id']).toBe(publicNet['id']);
    expect((router['interfaces_info'] as Row[]).map((i) => i['ip_address']).sort()).toEqual(
      [...SEED.router.interfaces].sort(),
    );
    expect(router['routes']).toEqual(SEED.router.routes);
  });

  it('has the port with a fixed IP, an allowed address pair and a floating IP', async () => {
    const port = await show(CLOUDS.src, 'port', 'show', SEED.port.name);
    const web = await show(CLOUDS.src, 'security', 'group', 'show', SEED.port.securityGroups[0]);
    expect(port['description']).toBe(SEED.port.description);
    expect((port['fixed_ips'] as Row[]).map((f) => f['ip_address'])).toEqual([SEED.port.fixedIp]);
    expect((port['allowed_address_pairs'] as Row[]).map((p) => p['ip_address'])).toEqual(SEED.port.allowedAddressPairs);
    expect(port['security_group_ids']).toEqual([web['id']]);
    const fips = await list(CLOUDS.src, 'floating', 'ip', 'list', '--long', '--port', SEED.port.name);
    expect(fips).toHaveLength(1);
    expect(fips[0]).toMatchObject({ 'Fixed IP Address': SEED.port.fixedIp, Description: SEED.floatingIp.description });
    expect(String(fips[0]!['Floating IP Address'])).toMatch(/^203\.0\.113\.\d+$/);
  });

  it('has the image with its real bytes', async () => {
    const image = await show(CLOUDS.src, 'image', 'show', SEED.image.name);
    expect(image).toMatchObject({
      status: 'active',
      disk_format: SEED.image.diskFormat,
      container_format: SEED.image.containerFormat,
      visibility: SEED.image.visibility,
      size: SEED.image.sizeBytes,
      min_disk: SEED.image.minDisk,
      min_ram: SEED.image.minRam,
      tags: [...SEED.image.tags],
    });
    expect(image['properties']).toMatchObject(SEED.image.properties);
    const dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-'));
    try {
      const file = join(dir, 'seed-image.raw');
      await osRun(CLOUDS.src, ['image', 'save', '--file', file, SEED.image.name]);
      expect(await sha256File(file)).toBe(await seedImageSha256());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has a blank volume and a bootable volume made from the image', async () => {
    const image = await show(CLOUDS.src, 'image', 'show', SEED.image.name);
    const data = await show(CLOUDS.src, 'volume', 'show', SEED.volumes.data.name);
    expect(data).toMatchObject({
      size: SEED.volumes.data.sizeGiB,
      type: SEED.volumes.data.type,
      description: SEED.volumes.data.description,
      bootable: 'false',
      properties: SEED.volumes.data.metadata,
    });
    const boot = await show(CLOUDS.src, 'volume', 'show', SEED.volumes.boot.name);
    expect(boot).toMatchObject({
      size: SEED.volumes.boot.sizeGiB,
      description: SEED.volumes.boot.description,
      bootable: 'true',
      properties: SEED.volumes.boot.metadata,
    });
    expect((boot['volume_image_metadata'] as Row)['image_id']).toBe(image['id']);
    expect((boot['volume_image_metadata'] as Row)['checksum']).toBe(image['checksum']);
  });

  it('has the servers, booted from an image and from a volume, with metadata, tags, group and volumes', async () => {
    const mv = { computeApiVersion: '2.52' };
    const vm = await osJson<Row>(CLOUDS.src, ['server', 'show', SEED.servers.fromImage.name], mv);
    const spec = SEED.servers.fromImage;
    expect(vm).toMatchObject({ status: 'ACTIVE', key_name: spec.keypair, properties: spec.metadata });
    expect((vm['flavor'] as Row)['original_name']).toBe(spec.flavor);
    expect(String(vm['image'])).toContain(spec.image);
    expect([...(vm['tags'] as string[])].sort()).toEqual([...spec.tags].sort());
    expect((vm['security_groups'] as Row[]).map((g) => g['name']).sort()).toEqual([...spec.securityGroups].sort());
    expect(Object.keys(vm['addresses'] as Row)).toEqual([spec.network]);
    const dataVolume = await show(CLOUDS.src, 'volume', 'show', SEED.volumes.data.name);
    expect(dataVolume['status']).toBe('in-use');
    expect((vm['volumes_attached'] as Row[]).map((v) => v['id'])).toEqual([dataVolume['id']]);
    const group = await show(CLOUDS.src, 'server', 'group', 'show', SEED.serverGroup.name);
    expect(group['policy']).toBe(SEED.serverGroup.policy);
    expect(group['members']).toEqual([vm['id']]);

    const bfv = await osJson<Row>(CLOUDS.src, ['server', 'show', SEED.servers.fromVolume.name], mv);
    const bfvSpec = SEED.servers.fromVolume;
    expect(bfv).toMatchObject({
      status: 'ACTIVE',
      key_name: bfvSpec.keypair,
      properties: bfvSpec.metadata,
      tags: [...bfvSpec.tags],
    });
    expect(String(bfv['image'])).toMatch(/booted from volume/); // the CLI's words for "no image"
    const bootVolume = await show(CLOUDS.src, 'volume', 'show', bfvSpec.bootVolume);
    expect((bfv['volumes_attached'] as Row[]).map((v) => v['id'])).toEqual([bootVolume['id']]);
    const port = await show(CLOUDS.src, 'port', 'show', bfvSpec.port);
    expect(port['device_id']).toBe(bfv['id']);
  });
});
