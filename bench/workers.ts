/**
 * A campaign on many workers: the same campaign (BENCH_WORKERS_PROJECTS projects, default 12, each an image, a
 * network with a subnet, a security group and a server whose disk is copied) moved between two simulated clouds
 * at 20 ms per request, queued with `batch run --store` in the test PostgreSQL and run by 1, 2 and 4
 * `bascule worker` processes (concurrency 2 each), side by side in one run, each on fresh clouds and a fresh
 * database. Reported: seconds from queueing to every project done, and the speed-up against one worker.
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
import { startSimulator } from '../src/sim/index.js';
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

function seeds(names: string[]) {
  const common = {
    projects: names.map((name) => ({ name })),
    users: [{ name: 'ops', password: 'ops-pw' }],
    role_assignments: names.map((project) => ({ user: 'ops', project, role: 'member' })),
    flavors: [{ id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }],
  };
  const resources: Record<string, unknown> = {};
  for (const [i, name] of names.entries())
    resources[name] = {
      images: [
        { name: `${name}-img`, disk_format: 'qcow2', container_format: 'bare', data: { size: '2MiB', seed: name } },
      ],
      networks: [{ name: `${name}-net`, subnets: [{ name: `${name}-sub`, cidr: `10.${i + 1}.0.0/24` }] }],
      security_groups: [{ name: `${name}-web` }],
      servers: [
        { name: `${name}-app`, flavor: 'm1.tiny', image: `${name}-img`, networks: [{ network: `${name}-net` }] },
      ],
    };
  return { source: { ...common, resources }, target: common };
}

async function campaignOn(workers: number, projects: number): Promise<{ ms: number; done: number }> {
  const names = Array.from({ length: projects }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
  const { source, target } = seeds(names);
  const latency = { fixedMs: LATENCY_MS };
  const delays = { serverBuildMs: 0, volumeCreateMs: 5, imageActiveMs: 5, serverPowerMs: 5, volumeAttachMs: 0 };
  const sim = await startSimulator({
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
    const file = join(dir, 'campaign.json');
    await atomicWriteFile(
      file,
      JSON.stringify({
        format: 'bascule.campaign/v1',
        name: 'bench',
        defaults: { source: { cloud: 'src' }, target: { cloud: 'dst' }, options: { consistency: 'live' } },
        waves: [{ name: 'all', projects: names.map((project) => ({ source: { project } })) }],
      }),
    );
    const quiet = { stdout: () => undefined, stderr: () => undefined, signal: new AbortController().signal };
    for (let i = 0; i < workers; i += 1)
      children.push(
        spawn(
          process.execPath,
          [BIN, '--quiet', '--clouds-yaml', cloudsYaml, 'worker', '--concurrency', '2', '--poll-seconds', '0.2'],
          { env: { ...process.env, OS_CLOUD: '', BASCULE_STORE: db.url }, stdio: 'ignore' },
        ),
      );
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
  const projects = Number(process.env['BENCH_WORKERS_PROJECTS'] ?? 12);
  const runs: { workers: number; ms: number }[] = [];
  for (const workers of [1, 2, 4]) {
    const r = await campaignOn(workers, projects);
    if (r.done !== projects) throw new Error(`${workers} worker(s): ${r.done} of ${projects} projects done`);
    runs.push({ workers, ms: r.ms });
  }
  const one = runs[0]!.ms;
  return runs.map((r) => ({
    name: `workers: ${projects} projects (image, network, security group, server disk), ${LATENCY_MS} ms/request, ${r.workers} worker process${r.workers === 1 ? '' : 'es'} x concurrency 2; ratio = speed-up against 1`,
    value: r.ms / 1000,
    unit: 's',
    baseline_or_limit: one / 1000,
    ratio: one / r.ms,
  }));
}
