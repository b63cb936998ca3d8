/**
 * Two simulated clouds for the tests that move a project: `src` holds the project `shop` with the given resources,
 * `dst` only the platform both share (COMMON); both answer with the short FAST delays. A temporary folder holds
 * their clouds.yaml; `stop()` closes the connections, stops the simulator and removes the folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportProject } from '../../src/export/export.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import { connect } from '../../src/openstack/cloud.js';
import { loadCloudConfig } from '../../src/openstack/config/clouds-yaml.js';
import type { Plan } from '../../src/plan/types.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startSimulator, type Delays, type ProjectResources, type Simulator } from '../../src/sim/index.js';
import { COMMON, FAST } from '../transfer/sim-seed.js';

export interface TwoSimClouds {
  sim: Simulator;
  /** The temporary folder, removed by stop(). */
  dir: string;
  /** `<dir>/clouds.yaml`, naming the clouds `src` and `dst`. */
  cloudsYaml: string;
  source: Cloud;
  target: Cloud;
  /** Exports the source project as `bascule export` does (dependencies, no user data, nothing partial). */
  exportSource(): Promise<Plan>;
  stop(): Promise<void>;
}

export async function twoSimClouds(options: {
  /** The temporary folder's name prefix. */
  prefix: string;
  /** What the source project `shop` holds. */
  shop: ProjectResources | Record<string, unknown>;
  /** The source's delays, when not FAST. */
  sourceDelays?: Delays;
}): Promise<TwoSimClouds> {
  const sim = await startSimulator({
    clouds: [
      {
        name: 'src',
        profile: 'zed',
        delays: options.sourceDelays ?? FAST,
        seed: { ...COMMON, resources: { shop: options.shop } } as never,
      },
      { name: 'dst', profile: 'zed', delays: FAST, seed: COMMON as never },
    ],
  });
  let dir: string | undefined;
  const open: Cloud[] = [];
  const stop = async () => {
    await Promise.all(open.map((c) => c.close()));
    await sim.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    dir = await mkdtemp(join(tmpdir(), options.prefix));
    const cloudsYaml = join(dir, 'clouds.yaml');
    await sim.writeCloudsYaml(cloudsYaml);
    const connectTo = async (name: string) => {
      const config = await loadCloudConfig(name, { files: [cloudsYaml], env: {} });
      const cloud = await connect(config, { logger: silentLogger, retry: { baseMs: 5, capMs: 50 } });
      open.push(cloud);
      return cloud;
    };
    const source = await connectTo('src');
    const target = await connectTo('dst');
    const exportSource = async () =>
      (
        await exportProject(source, {
          dependencies: true,
          includeUserData: false,
          allowPartial: false,
          signal: new AbortController().signal,
          logger: silentLogger,
        })
      ).plan;
    return { sim, dir, cloudsYaml, source, target, exportSource, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
