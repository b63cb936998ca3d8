import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSeedFile, SeedError, startSimulator, validateSeed, type Simulator } from '../../src/sim/index.js';
import { call, login, type Session } from './helpers.js';

const SAMPLE = 'fixtures/sim/sample-project.yaml';
const TARGET = 'fixtures/sim/target-platform.yaml';

describe('the shipped sample project and target platform', () => {
  let sim: Simulator;
  let s: Session;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-seed-test-'));
    sim = await startSimulator({
      dataDir: dir,
      clouds: [
        {
          name: 'pi-hos8',
          profile: 'pike',
          regions: ['region1'],
          seed: SAMPLE,
          availabilityZones: ['nord-az1', 'nord-az2', 'nord-az3'],
          computeHosts: 6,
        },
        { name: 'pi-new', profile: '2025.1', regions: ['nord'], seed: TARGET },
      ],
    });
    s = await login(sim, 'pi-hos8', 'pi-ops', 'pi-ops-secret', 'pi-web');
  });
  afterAll(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('seeds the two-tier application on Pike', async () => {
    const servers = await call('GET', `${s.url('compute')}/servers/detail`, {
      token: s.token,
      headers: { 'openstack-api-version': 'compute 2.53' },
    });
    const byName = Object.fromEntries(servers.body.servers.map((x: { name: string }) => [x.name, x]));
    expect(Object.keys(byName).sort()).toEqual(['pi-app-1', 'pi-db-1', 'pi-web-1', 'pi-web-2']);
    expect(byName['pi-db-1'].image).toBe('');
    expect(byName['pi-db-1']['os-extended-volumes:volumes_attached']).toHaveLength(2);
    expect(byName['pi-web-1']['OS-EXT-AZ:availability_zone']).toBe('nord-az1');
    expect(byName['pi-web-1'].addresses['pi-front'].map((a: { addr: string }) => a.addr)).toContain('10.10.1.50');
    expect(
      byName['pi-web-1'].addresses['pi-front'].some(
        (a: { 'OS-EXT-IPS:type': string }) => a['OS-EXT-IPS:type'] === 'floating',
      ),
    ).toBe(true);
    expect(byName['pi-app-1'].addresses['pi-back'][0].addr).toBe('10.10.2.10');
    expect(byName['pi-web-1'].status).toBe('ACTIVE');
    const sgs = await call('GET', `${s.url('network')}/v2.0/security-groups?name=pi-db`, { token: s.token });
    const app = await call('GET', `${s.url('network')}/v2.0/security-groups?name=pi-app`, { token: s.token });
    const dbRule = sgs.body.security_groups[0].security_group_rules.find(
      (r: { port_range_min: number }) => r.port_range_min === 5432,
    );
    expect(dbRule.remote_group_id).toBe(app.body.security_groups[0].id);
    const vol = await call('GET', `${s.url('volumev2')}/volumes/detail?name=pi-db-data`, { token: s.token });
    expect(vol.body.volumes[0]).toMatchObject({
      status: 'in-use',
      volume_type: '3par-ssd',
      metadata: { backup: 'daily', owner: 'dba' },
    });
    const fips = await call('GET', `${s.url('network')}/v2.0/floatingips`, { token: s.token });
    expect(fips.body.floatingips).toHaveLength(2);
    const images = await call('GET', `${s.url('image')}/v2/images`, { token: s.token });
    expect(images.body.images.map((i: { name: string }) => i.name).sort()).toEqual([
      'cirros-0.4.0-x86_64',
      'pi-app-golden',
      'ubuntu-16.04',
    ]);
  });

  it('gives the target the same cirros bytes under its new name, and differently named flavors and networks', async () => {
    const t = await login(sim, 'pi-new', 'pi-ops', 'pi-ops-new-secret', 'pi-web');
    const src = (await call('GET', `${s.url('image')}/v2/images?name=cirros-0.4.0-x86_64`, { token: s.token })).body
      .images[0];
    const dst = (await call('GET', `${t.url('image')}/v2/images?name=cirros`, { token: t.token })).body.images[0];
    expect(dst.checksum).toBe(src.checksum);
    expect(dst.visibility).toBe('public');
    const flavors = await call('GET', `${t.url('compute')}/flavors`, { token: t.token });
    expect(flavors.body.flavors.map((f: { name: string }) => f.name)).toContain('s1.small');
    const ext = await call('GET', `${t.url('network')}/v2.0/networks?router:external=true`, { token: t.token });
    expect(ext.body.networks.map((n: { name: string }) => n.name).sort()).toEqual(['internet-nord', 'rie-nord']);
    expect((await call('GET', `${t.url('compute')}/servers`, { token: t.token })).body.servers).toEqual([]);
  });

  it('writes a clouds.yaml naming each cloud, project and user', async () => {
    const path = join(dir, 'clouds.yaml');
    await sim.writeCloudsYaml(path);
    const y = parse(await readFile(path, 'utf8')) as {
      clouds: Record<string, { auth: { username: string; auth_url: string }; region_name: string }>;
    };
    expect(Object.keys(y.clouds).sort()).toEqual([
      'pi-hos8',
      'pi-hos8-admin',
      'pi-hos8-pi-batch',
      'pi-hos8-pi-web',
      'pi-hos8-pi-web-pi-audit',
      'pi-new',
      'pi-new-admin',
      'pi-new-pi-web',
      'pi-new-platform',
    ]);
    expect(y.clouds['pi-hos8-pi-web']!.region_name).toBe('region1');
    expect(y.clouds['pi-new-pi-web']!.auth.auth_url).toBe(sim.endpoints('pi-new').identity);
  });

  it('dumps a seed that recreates the same resources', async () => {
    const dump = sim.dump('pi-hos8', { includePasswords: true });
    const again = await startSimulator({
      clouds: [
        {
          name: 'copy',
          profile: 'pike',
          regions: ['region1'],
          seed: dump,
          availabilityZones: ['nord-az1', 'nord-az2', 'nord-az3'],
          computeHosts: 6,
        },
      ],
    });
    try {
      const t = await login(again, 'copy', 'pi-ops', 'pi-ops-secret', 'pi-web');
      for (const path of [
        '/v2.0/networks',
        '/v2.0/subnets',
        '/v2.0/security-groups',
        '/v2.0/routers',
        '/v2.0/floatingips',
      ]) {
        const a = await call('GET', `${s.url('network')}${path}`, { token: s.token });
        const b = await call('GET', `${t.url('network')}${path}`, { token: t.token });
        const key = Object.keys(a.body)[0]!;
        const ids = (x: { body: Record<string, { id: string }[]> }): string[] => x.body[key]!.map((r) => r.id).sort();
        expect(ids(b)).toEqual(ids(a));
      }
      const names = async (sess: Session): Promise<string[]> =>
        (await call('GET', `${sess.url('compute')}/servers`, { token: sess.token })).body.servers
          .map((x: { name: string }) => x.name)
          .sort();
      expect(await names(t)).toEqual(await names(s));
      const img = async (sess: Session): Promise<string[]> =>
        (await call('GET', `${sess.url('image')}/v2/images`, { token: sess.token })).body.images
          .map((i: { checksum: string }) => i.checksum)
          .sort();
      expect(await img(t)).toEqual(await img(s));
    } finally {
      await again.stop();
    }
  });

  it('reports a bad seed with the path of the problem', async () => {
    expect(() => validateSeed({ resources: { p: { networks: 'x' } } })).toThrow(
      'seed/resources/p/networks: expected a list',
    );
    expect(() => validateSeed({ flavors: [{ ram: 1 }] })).toThrow('seed/flavors/0/name: required');
    expect(() => validateSeed({ bogus: 1 })).toThrow(SeedError);
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'projects: [{name: p}]\nusers: [{name: u, password: x}]\nrole_assignments: [{user: u, project: p, role: member}]\nresources:\n  p:\n    routers: [{name: r, external_gateway: nowhere}]\n',
    );
    await expect(startSimulator({ clouds: [{ name: 'b', profile: 'zed', seed: bad }] })).rejects.toThrow(
      'seed/resources/p/routers/0/external_gateway: no network named nowhere',
    );
    const loaded = await loadSeedFile(SAMPLE);
    expect(loaded.seed.resources?.['pi-web']?.servers).toHaveLength(4);
  });
});
