/** Round-trip harness: simulated clouds, export through the real readers, apply through the engine, audit. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { exportProject } from '../../src/export/export.js';
import { connect, loadCloudConfig } from '../../src/openstack/index.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import type { Plan } from '../../src/plan/types.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startSimulator, type ProfileName, type SeedFile, type Simulator } from '../../src/sim/index.js';
import { FAST_DELAYS } from './seed.js';

export interface SimClouds {
  sim: Simulator;
  dir: string;
  cloudsYaml: string;
  connect(name: string): Promise<Cloud>;
  export(name: string): Promise<Plan>;
  stop(): Promise<void>;
}

/** Starts one simulator with the given clouds (name, profile, seed) and writes their clouds.yaml. */
export async function startClouds(
  clouds: { name: string; profile: ProfileName; seed: SeedFile }[],
): Promise<SimClouds> {
  const sim = await startSimulator({
    clouds: clouds.map((c) => ({ name: c.name, profile: c.profile, seed: c.seed, delays: FAST_DELAYS })),
  });
  const dir = mkdtempSync(join(tmpdir(), 'bascule-roundtrip-'));
  const cloudsYaml = join(dir, 'clouds.yaml');
  await sim.writeCloudsYaml(cloudsYaml);
  const open: Cloud[] = [];
  const connectTo = async (name: string) => {
    const config = await loadCloudConfig(name, { files: [cloudsYaml], env: {} });
    const cloud = await connect(config, { logger: silentLogger, retry: { baseMs: 5, capMs: 50 } });
    open.push(cloud);
    return cloud;
  };
  return {
    sim,
    dir,
    cloudsYaml,
    connect: connectTo,
    async export(name) {
      const cloud = await connectTo(name);
      const result = await exportProject(cloud, {
        dependencies: true,
        includeUserData: false,
        allowPartial: false,
        signal: new AbortController().signal,
        logger: silentLogger,
        cloudName: name,
      });
      return result.plan;
    },
    async stop() {
      await Promise.all(open.map((c) => c.close()));
      await sim.stop();
    },
  };
}

/** Runs the CLI in-process against these clouds (their clouds.yaml), stdout and stderr interleaved in `out`. */
export async function basculeOn(clouds: SimClouds, ...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(['--clouds-yaml', clouds.cloudsYaml, ...argv], {
    stdout: (t) => void (out += t),
    stderr: (t) => void (out += t),
    isTTY: false,
    signal: new AbortController().signal,
  });
  return { code, out };
}
