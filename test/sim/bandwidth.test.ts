// The simulator's per-client bandwidth cap (clientBandwidth), which the workers benchmark uses to model one network
// card per worker host: a client is a Keystone user; its image downloads share its cap, another user's do not.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Cloud } from '../../src/openstack/cloud.js';
import { loadCloudConfig } from '../../src/openstack/config/clouds-yaml.js';
import * as images from '../../src/openstack/image/images/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

const MIB = 1024 * 1024;
let sim: Simulator;
let dir: string;
const open: Cloud[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    clientBandwidth: MIB,
    clouds: [
      {
        name: 'src',
        profile: 'zed',
        seed: {
          projects: [{ name: 'p1' }],
          users: [{ name: 'ops', password: 'ops-pw' }],
          role_assignments: [{ user: 'ops', project: 'p1', role: 'member' }],
          resources: {
            p1: {
              images: [
                { name: 'big', disk_format: 'raw', container_format: 'bare', data: { size: '1MiB', seed: 'b' } },
              ],
            },
          },
        } as never,
      },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'bascule-bw-'));
  await sim.writeCloudsYaml(join(dir, 'clouds.yaml'));
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function as(entry: string): Promise<Cloud> {
  const cloud = await connect(await loadCloudConfig(entry, { files: [join(dir, 'clouds.yaml')], env: {} }), {
    logger: silentLogger,
  });
  open.push(cloud);
  return cloud;
}

async function read(cloud: Cloud, id: string): Promise<number> {
  const r = await images.download(cloud.image, id);
  let n = 0;
  for await (const chunk of r.body as AsyncIterable<Buffer>) n += chunk.length;
  return n;
}

describe('the simulator’s per-client bandwidth cap', () => {
  it('paces one user’s downloads together, and leaves another user’s apart', async () => {
    const ops = await as('src');
    const admin = await as('src-admin');
    const id = (await collect(images.list(ops.image, { name: 'big' })))[0]!.id;
    let t = performance.now();
    expect(await Promise.all([read(ops, id), read(ops, id)])).toEqual([MIB, MIB]);
    const same = performance.now() - t;
    t = performance.now();
    expect(await Promise.all([read(ops, id), read(admin, id)])).toEqual([MIB, MIB]);
    const apart = performance.now() - t;
    // 2 MiB through one 1 MiB/s link: at least 2 s. 1 MiB each through two: about 1 s.
    expect(same).toBeGreaterThanOrEqual(1900);
    expect(apart).toBeGreaterThanOrEqual(900);
    expect(apart).toBeLessThan(same * 0.75);
  }, 30_000);
});
