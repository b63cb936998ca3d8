/**
 * A campaign on many workers: the same campaign (BENCH_WORKERS_PROJECTS projects, default 8, each an image of
 * BENCH_WORKERS_MIB MiB, default 8, a network with a subnet, a security group and a server whose disk, a snapshot of
 * that image, is copied) moved between two simulated clouds at 20 ms per request, queued with `batch run --store` in
 * the test PostgreSQL and run by 1, 2 and 4 `bascule worker` processes (concurrency 2 each), side by side in one
 * run, each on fresh clouds and a fresh database. Each worker stands for one host: it reads its own clouds.yaml, with
 * a user of its own, and the simulator caps each user's image bytes at BENCH_WORKERS_MIBPS MiB/s (default 4) each
 * way, as one host's network card would (`clientBandwidth`). Reported: seconds from queueing to every project done,
 * and the speed-up against one worker.
 * Needs the test PostgreSQL (`npm run postgres:up`; BASCULE_TEST_PG_URL or test/postgres/state/url) and a build
 * (`npm run bench` builds first: the workers run dist/src/bin.js).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { main } from '../src/cli/main.js';
import { atomicWriteFile } from '../src/shared/fs.js';
import { startSimulator, type Simulator } from '../src/sim/index.js';
import { stringify } from 'yaml';
import { writeBenchCampaign } from './campaign-file.js';
import type { BenchResult } from './run.js';

const LATENCY_MS = 20;
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const BIN = join(ROOT, 'dist/src/bin.js');

function baseUrl(): string {
  const env = process.env['BASCULE_TEST_PG_URL'];
  if (env) return env;
  const file = join(ROOT, 'test/postgres/state/url');
  if (!existsSync(file)) throw new Error(`no test PostgreSQL (${file}): run npm run postgres:up`);
  return readFileSync(file, 'utf8').trim();
}

async function database(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = baseUrl();
  const name = `bench_workers_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

const WORKER_USERS = ['worker1', 'worker2', 'worker3', 'worker4'];

function seeds(names: string[], mib: number) {
  const users = ['ops', ...WORKER_USERS];
  const common = {
    projects: names.map((name) => ({ name })),
    users: users.map((name) => ({ name, password: `${name}-pw` })),
    role_assignments: users.flatMap((user) => names.map((project) => ({ user, project, role: 'member' }))),
    flavors: [{ id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }],
  };
  const resources: Record<string, unknown> = {};
  for (const [i, name] of names.entries())
    resources[name] = {
      images: [
        {
          name: `${name}-img`,
          disk_format: 'qcow2',
          container_format: 'bare',
          data: { size: `${mib}MiB`, seed: name },
        },
      ],
      networks: [{ name: `${name}-net`, subnets: [{ name: `${name}-sub`, cidr: `10.${i + 1}.0.0/24` }] }],
      security_groups: [{ name: `${name}-web` }],
      servers: [
        { name: `${name}-app`, flavor: 'm1.tiny', image: `${name}-img`, networks: [{ network: `${name}-net` }] },
      ],
    };
  return { source: { ...common, resources }, target: common };
}

/** One host's clouds.yaml: the entries `src` and `dst` with that host's own user. */
async function hostCloudsYaml(sim: Simulator, dir: string, user: string): Promise<string> {
  const { clouds } = sim.cloudsYaml();
  const own: Record<string, unknown> = {};
  for (const name of ['src', 'dst']) {
    const entry = clouds[name] as { auth: Record<string, unknown> };
    own[name] = { ...entry, auth: { ...entry.auth, username: user, password: `${user}-pw` } };
  }
  const path = join(dir, `clouds-${user}.yaml`);
  await atomicWriteFile(path, stringify({ clouds: own }));
  return path;
}

interface Settings {
  projects: number;
  mib: number;
  mibps: number;
}

async function campaignOn(workers: number, settings: Settings): Promise<{ ms: number; done: number }> {
  const { projects } = settings;
  const names = Array.from({ length: projects }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
  const { source, target } = seeds(names, settings.mib);
  const latency = { fixedMs: LATENCY_MS };
  const delays = { serverBuildMs: 0, volumeCreateMs: 5, imageActiveMs: 5, serverPowerMs: 5, volumeAttachMs: 0 };
  const sim = await startSimulator({
    clientBandwidth: settings.mibps * 1024 * 1024,
    clouds: [
      { name: 'src', profile: 'zed', latency, delays, seed: source as never },
      { name: 'dst', profile: 'zed', latency, delays, seed: target as never },
    ],
  });
  const db = await database();
  const dir = await mkdtemp(join(tmpdir(), 'bascule-bench-workers-'));
  const children: ChildProcess[] = [];
  try {
    const cloudsYaml = join(dir, 'clouds.yaml');
    await sim.writeCloudsYaml(cloudsYaml);
    const file = await writeBenchCampaign(dir, names, { consistency: 'live' });
    const quiet = { stdout: () => undefined, stderr: () => undefined, signal: new AbortController().signal };
    for (let i = 0; i < workers; i += 1) {
      const own = await hostCloudsYaml(sim, dir, WORKER_USERS[i]!);
      children.push(
        spawn(
          process.execPath,
          [BIN, '--quiet', '--clouds-yaml', own, 'worker', '--concurrency', '2', '--poll-seconds', '0.2'],
          { env: { ...process.env, OS_CLOUD: '', BASCULE_STORE: db.url }, stdio: 'ignore' },
        ),
      );
    }
    const started = performance.now();
    const queued = await main(
      ['--clouds-yaml', cloudsYaml, 'batch', 'run', file, '--store', db.url, '--approve-all'].concat([
        '--parallel-projects',
        String(projects),
        '--max-transfers',
        '16',
      ]),
      quiet,
    );
    if (queued !== 0) throw new Error(`batch run --store ended with ${queued}`);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    let done = 0;
    try {
      for (;;) {
        const { rows } = await pool.query<{ status: string; n: string }>(
          `SELECT state->>'status' AS status, count(*) AS n FROM bascule.project_states GROUP BY 1`,
        );
        const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
        done = by['done'] ?? 0;
        if (done + (by['failed'] ?? 0) >= projects) break;
        if (performance.now() - started > 900_000) throw new Error('the campaign did not end in 15 minutes');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await pool.end();
    }
    return { ms: performance.now() - started, done };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))));
    await sim.stop();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: npm run build first`);
  const settings: Settings = {
    projects: Number(process.env['BENCH_WORKERS_PROJECTS'] ?? 8),
    mib: Number(process.env['BENCH_WORKERS_MIB'] ?? 8),
    mibps: Number(process.env['BENCH_WORKERS_MIBPS'] ?? 4),
  };
  const runs: { workers: number; ms: number }[] = [];
  for (const workers of [1, 2, 4]) {
    const r = await campaignOn(workers, settings);
    if (r.done !== settings.projects)
      throw new Error(`${workers} worker(s): ${r.done} of ${settings.projects} projects done`);
    runs.push({ workers, ms: r.ms });
  }
  const one = runs[0]!.ms;
  // Each project moves its image and its server's disk (a snapshot of the same size) through one worker.
  const perWorker = (settings.projects * 2 * settings.mib) / settings.mibps;
  return runs.map((r) => ({
    name: `workers: ${settings.projects} projects (${settings.mib} MiB image + ${settings.mib} MiB server disk, network, security group), ${LATENCY_MS} ms/request, ${settings.mibps} MiB/s per worker each way; ${r.workers} worker process${r.workers === 1 ? '' : 'es'} x concurrency 2 (bytes alone: ${(perWorker / r.workers).toFixed(1)} s); ratio = speed-up against 1`,
    value: r.ms / 1000,
    unit: 's',
    baseline_or_limit: one / 1000,
    ratio: one / r.ms,
  }));
}
