import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, describeCloud, loadCloudConfig, type Cloud } from '../../src/openstack/index.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import * as serverGroups from '../../src/openstack/compute/server-groups/requests.js';
import * as images from '../../src/openstack/image/images/requests.js';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BASIC_SEED } from './helpers.js';

/** Bascule's own client against the simulator, through a clouds.yaml the simulator wrote. */
describe('the Bascule client against the simulator', () => {
  let sim: Simulator;
  let dir: string;
  const clouds: Record<string, Cloud> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-client-'));
    sim = await startSimulator({
      clouds: [
        { name: 'old', profile: 'pike', seed: BASIC_SEED, delays: { volumeCreateMs: 20 } },
        { name: 'new', profile: 'zed', seed: BASIC_SEED, delays: { volumeCreateMs: 20 } },
      ],
    });
    const file = join(dir, 'clouds.yaml');
    await sim.writeCloudsYaml(file);
    for (const name of ['old-demo', 'new-demo']) {
      const config = await loadCloudConfig(name, { files: [file], env: {}, cwd: dir, home: dir });
      clouds[name] = await connect(config, { retry: { baseMs: 1, capMs: 5, maxRetries: 3 } });
    }
  });
  afterAll(async () => {
    for (const c of Object.values(clouds)) await c.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('authenticates, finds the endpoints and reads each service version and microversion range', async () => {
    const old = await describeCloud(clouds['old-demo']!);
    const nu = await describeCloud(clouds['new-demo']!);
    const compute = (info: typeof old) => info.services.find((s) => s.service === 'compute');
    expect(compute(old)?.microversions).toEqual({ min: '2.1', max: '2.53' });
    expect(compute(nu)?.microversions).toEqual({ min: '2.1', max: '2.93' });
    const storage = (info: typeof old) => info.services.find((s) => s.service === 'block-storage');
    expect(storage(old)?.error).toBeUndefined();
    expect(storage(old)?.microversions?.max).toBe('3.43');
    expect(storage(nu)?.microversions?.max).toBe('3.70');
    expect(nu.imageImportMethods).toContain('glance-direct');
    expect(old.imageImportMethods).toEqual([]);
    expect(old.networkExtensions).toContain('tag-ext');
    expect(nu.project?.name).toBe('demo');
  });

  it('creates server groups in one shape on Pike (policies) and Zed (policy)', async () => {
    sim.clearLog();
    const a = await serverGroups.create(clouds['old-demo']!.compute, { name: 'g', policy: 'anti-affinity' });
    const b = await serverGroups.create(clouds['new-demo']!.compute, {
      name: 'g',
      policy: 'anti-affinity',
      rules: { max_server_per_host: 1 },
    });
    expect(a.policy).toBe('anti-affinity');
    expect(b).toMatchObject({ policy: 'anti-affinity', rules: { max_server_per_host: 1 } });
    const negotiated = sim
      .requestLog()
      .filter((e) => e.route === 'POST /v2.1/os-server-groups')
      .map((e) => `${e.cloud} ${e.microversion}`);
    expect(negotiated).toEqual(['old 2.53', 'new 2.64']);
  });

  it('pages through networks with the links strategy', async () => {
    const c = clouds['new-demo']!;
    for (let i = 0; i < 5; i++) await networks.create(c.network, { name: `cli-${i}` });
    sim.clearLog();
    const all = await collect(networks.list(c.network, { tags: undefined }, { pageSize: 2 }));
    expect(all.filter((n) => (n.name ?? '').startsWith('cli-'))).toHaveLength(5);
    expect(sim.counts('new')['GET /v2.0/networks']).toBeGreaterThanOrEqual(3);
  });

  it('retries GETs on 503 and on 429 with Retry-After', async () => {
    const c = clouds['new-demo']!;
    sim.setFaults('new', [
      { kind: 'error', status: 503, count: 2, retryAfterSeconds: 0, service: 'network', method: 'GET' },
    ]);
    sim.clearLog();
    const got = await collect(networks.list(c.network, { name: 'cli-1' }));
    expect(got).toHaveLength(1);
    expect(
      sim
        .requestLog('new')
        .filter((e) => e.service === 'network')
        .map((e) => e.status),
    ).toEqual([503, 503, 200]);
    sim.setFaults('new', [{ kind: 'error', status: 429, count: 1, retryAfterSeconds: 0, service: 'network' }]);
    expect(await collect(networks.list(c.network, { name: 'cli-2' }))).toHaveLength(1);
    sim.setFaults('new', []);
  });

  it('does not retry a POST on 500 (the create may have happened)', async () => {
    const c = clouds['new-demo']!;
    sim.setFaults('new', [{ kind: 'error', status: 500, count: 1, service: 'network', method: 'POST' }]);
    await expect(networks.create(c.network, { name: 'once' })).rejects.toMatchObject({ status: 500 });
    sim.setFaults('new', []);
    expect(await collect(networks.list(c.network, { name: 'once' }))).toHaveLength(0);
  });

  it('re-authenticates once when the token expires', async () => {
    const c = clouds['new-demo']!;
    const before = c.session.authCount;
    sim.expireTokens('new');
    expect(await collect(networks.list(c.network, { name: 'cli-3' }))).toHaveLength(1);
    expect(c.session.authCount).toBe(before + 1);
  });

  it('uploads and downloads image bytes, and creates a volume from the image', async () => {
    const c = clouds['old-demo']!;
    const bytes = randomBytes(200_000);
    const img = await images.create(c.image, { name: 'client-img', disk_format: 'raw', container_format: 'bare' });
    await images.upload(c.image, img.id, bytes, bytes.length);
    const shown = await images.get(c.image, img.id);
    expect(shown.checksum).toBe(createHash('md5').update(bytes).digest('hex'));
    const down = await images.download(c.image, img.id);
    const chunks: Buffer[] = [];
    for await (const chunk of down.body) chunks.push(Buffer.from(chunk as Uint8Array));
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    const vol = await volumes.create(c.blockStorage, { size: 1, name: 'from-client', imageRef: img.id } as Parameters<
      typeof volumes.create
    >[1]);
    expect(['creating', 'downloading']).toContain(vol.status);
  });
});
