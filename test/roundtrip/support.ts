/** Round-trip harness: simulated clouds, export through the real readers, apply through the engine, audit. */
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AuditReport } from '../../src/diff/report.js';
import type { ChangeSet } from '../../src/engine/dry-run.js';
import { exportProject } from '../../src/export/export.js';
import { connect, loadCloudConfig } from '../../src/openstack/index.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startSimulator, type ProfileName, type SeedFile, type Simulator } from '../../src/sim/index.js';
import { FAST_DELAYS, OLD, platformSeed } from './seed.js';

export interface SimClouds {
  sim: Simulator;
  dir: string;
  cloudsYaml: string;
  connect(name: string): Promise<Cloud>;
  export(name: string): Promise<Plan>;
  /** Closes the clients and stops the simulator (once: a second call does nothing). */
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
  let stopped = false;
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
      if (stopped) return;
      stopped = true;
      await Promise.all(open.map((c) => c.close()));
      await sim.stop();
    },
  };
}

/** startClouds for the tests of one file: the clouds a test starts are stopped after it (an afterEach). */
export function startCloudsPerTest(): typeof startClouds {
  const started: SimClouds[] = [];
  afterEach(async () => {
    for (const clouds of started.splice(0)) await clouds.stop();
  });
  return async (clouds) => {
    const made = await startClouds(clouds);
    started.push(made);
    return made;
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

/** A path in these clouds' working directory. */
export const fileIn = (clouds: SimClouds, name: string): string => join(clouds.dir, name);

/** The platform of OLD with the project `shop` holding `shop`: the source seed of a round trip. */
export function shopSeed(shop: NonNullable<SeedFile['resources']>[string]): SeedFile {
  const base = platformSeed(OLD);
  return { ...base, resources: { ...base.resources, shop } };
}

/** The entry of `plan` under `key`; throws naming the keys there are when there is none. */
export function entryOf(plan: Plan, key: string): PlanResource {
  const found = plan.resources.find((r) => r.key === key);
  if (!found) throw new Error(`no ${key} in ${plan.resources.map((r) => r.key).join(', ')}`);
  return found;
}

/** `bascule export --os-cloud <cloud> -o <dir>/<cloud>.plan.json`, which must succeed; the plan and the output. */
export async function exportPlan(clouds: SimClouds, cloud = 'a'): Promise<{ plan: Plan; out: string }> {
  const file = fileIn(clouds, `${cloud}.plan.json`);
  const exported = await basculeOn(clouds, 'export', '--os-cloud', cloud, '-o', file);
  expect(exported.code, exported.out).toBe(0);
  return { plan: JSON.parse(await readFile(file, 'utf8')) as Plan, out: exported.out };
}

/** `bascule apply <dir>/a.plan.json --from a --to b <more>`: the exported plan applied (or dry-run) on b. */
export function applyAtoB(clouds: SimClouds, ...more: string[]): Promise<{ code: number; out: string }> {
  return basculeOn(clouds, 'apply', fileIn(clouds, 'a.plan.json'), '--from', 'a', '--to', 'b', ...more);
}

/** The apply on b journaled in <dir>/<journal> (`--yes`), which must succeed; its output. */
export async function applyJournaled(clouds: SimClouds, more: string[] = [], journal = 'j.jsonl'): Promise<string> {
  const applied = await applyAtoB(clouds, ...more, '--journal', fileIn(clouds, journal), '--yes');
  expect(applied.code, applied.out).toBe(0);
  return applied.out;
}

/** The dry run on b written to <dir>/<out>, which must succeed; the change set and the output. */
export async function dryRunChanges(
  clouds: SimClouds,
  out: string,
  more: string[] = [],
): Promise<{ changes: ChangeSet; out: string }> {
  const dry = await applyAtoB(clouds, ...more, '--dry-run', '--out', fileIn(clouds, out));
  expect(dry.code, dry.out).toBe(0);
  return { changes: JSON.parse(await readFile(fileIn(clouds, out), 'utf8')) as ChangeSet, out: dry.out };
}

/** The actions of a change set that would change something (`key action`): none after a complete apply. */
export const pendingActions = (changes: ChangeSet): string[] =>
  changes.actions.filter((a) => a.action !== 'no-op').map((a) => `${a.key} ${a.action}`);

/** `bascule audit --from a --to b --journal <dir>/j.jsonl --format json <more>`: its exit code, output and report. */
export async function auditAtoB(
  clouds: SimClouds,
  ...more: string[]
): Promise<{ code: number; out: string; report: AuditReport }> {
  const audit = await basculeOn(
    clouds,
    'audit',
    '--from',
    'a',
    '--to',
    'b',
    ...more,
    '--journal',
    fileIn(clouds, 'j.jsonl'),
    '--format',
    'json',
  );
  // The JSON report follows whatever was logged before it.
  return { ...audit, report: JSON.parse(audit.out.slice(audit.out.indexOf('{'))) as AuditReport };
}

/** The audit of b against a succeeds and finds no difference but the expected-lossy ones. */
export async function expectAuditClean(clouds: SimClouds, ...more: string[]): Promise<void> {
  const audit = await auditAtoB(clouds, ...more);
  expect(audit.code, audit.out).toBe(0);
  expect(audit.report.differences.filter((x) => x.type !== 'expected-lossy')).toEqual([]);
}

/** `bascule rollback --os-cloud b --journal <dir>/j.jsonl --yes`, which must succeed. */
export async function rollBackB(clouds: SimClouds): Promise<void> {
  const rolled = await basculeOn(
    clouds,
    'rollback',
    '--os-cloud',
    'b',
    '--journal',
    fileIn(clouds, 'j.jsonl'),
    '--yes',
  );
  expect(rolled.code, rolled.out).toBe(0);
}
