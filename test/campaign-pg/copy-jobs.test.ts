// Server disk copies as jobs of their own: a project's apply queues one copy job per server disk and ends; the copy
// jobs run on any worker, each under its own lease; the last one queues the apply again, which creates the servers
// from the copies. A worker killed with SIGKILL in the middle of a copy (its source snapshot made, not yet active)
// leaves the copy to another worker, which continues it from the copy's records: the same snapshot is used (no
// second one is made), and the campaign ends with every project done and audited clean, one server each, and no
// temporary left on either cloud.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { REPO_ROOT } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { cli, startCampaignClouds, writeCampaign, type SimCampaign } from '../campaign/sim-campaign.js';

const PROJECTS = 4;
const LEASE = 10;

interface Worker {
  name: string;
  child: ChildProcess;
  lines: string[];
  exited: Promise<void>;
}

let c: SimCampaign;
let db: TestDatabase;
let sql: pg.Pool;
const workers: Worker[] = [];

function startWorker(name: string): Worker {
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(REPO_ROOT, 'test/support/ts-register.mjs'),
      join(REPO_ROOT, 'src/bin.ts'),
      '--clouds-yaml',
      c.cloudsYaml,
      'worker',
      '--concurrency',
      '2',
      '--poll-seconds',
      '0.3',
      '--maintenance-seconds',
      '1',
      '--grace',
      '5',
    ],
    { cwd: REPO_ROOT, env: { ...process.env, OS_CLOUD: '', BASCULE_STORE: db.url }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const w = { name, child, lines, exited };
  workers.push(w);
  return w;
}

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 90_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not in ${ms / 1000} s\n${workers.map((w) => `${w.name}: ${w.lines.join('\n')}`).join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
}

const images = (cloud: 'src' | 'dst') =>
  (c.sim.regionState(cloud).images.all() as { name?: string; status?: string }[]).map((i) => ({
    name: String(i.name),
    status: String(i.status),
  }));

beforeAll(async () => {
  db = await createTestDatabase('copies');
  // A source snapshot takes 3 s to become active: long enough to kill a worker in the middle of one.
  c = await startCampaignClouds(PROJECTS, { latency: { fixedMs: 5 }, sourceDelays: { imageActiveMs: 3000 } });
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await sql?.end();
  await c?.stop();
  await db?.drop();
});

describe('server disk copies as jobs of their own, run by bascule worker processes', () => {
  it('are continued by another worker after a kill -9 in the middle of one, with no second snapshot', async () => {
    const file = writeCampaign(c.dir, c.names, 1);
    const store = ['--store', db.url];
    const queued = await cli(c.cloudsYaml, [
      'batch',
      'run',
      file,
      ...store,
      '--approve-all',
      '--lease-seconds',
      String(LEASE),
    ]);
    expect(queued.code, queued.err).toBe(0);

    const a = startWorker('a');
    // A copy job on worker a whose snapshot is made and recorded, and not active yet: kill -9 there.
    const copying = await until('a copy job on worker a with its snapshot in the making', async () => {
      const started = a.lines.map((l) => / start (\S+\/copy\/\S+)$/.exec(l)?.[1]).filter((k): k is string => !!k);
      for (const k of started) {
        const project = k.split('/')[2];
        const making = images('src').some((i) => i.name === `bascule-snapshot-${project}-app` && i.status !== 'active');
        const { rows } = await sql.query(
          `SELECT 1 FROM bascule.copies, jsonb_array_elements(events) e
            WHERE project = $1 AND e->>'event' = 'temporary' AND e->>'side' = 'source'`,
          [project],
        );
        if (making && rows.length > 0) return k;
      }
      return undefined;
    });
    a.child.kill('SIGKILL');
    await a.exited;
    const project = copying.split('/')[2]!;
    const b = startWorker('b');

    await until(
      'every project done',
      async () => {
        const r = await cli(c.cloudsYaml, ['--format', 'json', 'batch', 'status', file, ...store]);
        const totals = JSON.parse(r.out).totals as { done: number; failed: number };
        if (totals.failed > 0) throw new Error(`failed projects: ${r.out}`);
        return totals.done === PROJECTS;
      },
      120_000,
    );
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));

    // Each project's disk was copied by a copy job, and its apply ran again once the copy was made.
    const lines = workers.flatMap((w) => w.lines);
    for (const name of c.names) {
      expect(
        lines.some((l) => new RegExp(` done test-campaign/1/${name}/copy/\\S+$`).test(l)),
        name,
      ).toBe(true);
      expect(
        lines.some((l) => l.endsWith(` done test-campaign/1/${name}/apply/copied`)),
        name,
      ).toBe(true);
    }
    // The killed copy was taken over by b, which used a's snapshot: one snapshot per server, ever.
    expect(b.lines.some((l) => l.endsWith(`start ${copying}`))).toBe(true);
    const { rows } = await sql.query<{ attempts: number; events: { event: string; side: string; type: string }[] }>(
      `SELECT attempts, events FROM bascule.copies WHERE project = $1`,
      [project],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.attempts).toBe(2);
    expect(rows[0]!.events.filter((e) => e.event === 'temporary' && e.side === 'source')).toHaveLength(1);
    const snapshots = c.sim
      .requestLog('src')
      .filter((e) => e.method === 'POST' && e.route.endsWith('/action') && e.service === 'compute');
    // consistency live: the only server action is the snapshot (createImage), once per server (a's other copy,
    // killed wherever it was, did not make a second one either: an unrecorded snapshot is found by its marker).
    expect(snapshots, JSON.stringify(snapshots.map((e) => [e.path, e.status, e.at]))).toHaveLength(PROJECTS);
    expect(new Set(snapshots.map((e) => e.path)).size).toBe(PROJECTS);

    // One server per project on the target, no temporary on either cloud, every audit clean.
    const servers = (c.sim.regionState('dst').servers.all() as { name?: string }[]).map((s) => String(s.name));
    for (const name of c.names) expect(servers.filter((n) => n === `${name}-app`)).toHaveLength(1);
    expect(servers).toHaveLength(PROJECTS);
    for (const cloud of ['src', 'dst'] as const)
      expect(images(cloud).filter((i) => i.name.startsWith('bascule-'))).toEqual([]);
    const report = await cli(c.cloudsYaml, ['batch', 'report', file, ...store]);
    expect(report.code, report.err).toBe(0);
    const json = JSON.parse(readFileSync(join(c.dir, 'report.json'), 'utf8'));
    expect(json.totals).toMatchObject({ projects: PROJECTS, done: PROJECTS, failed: 0, audits_clean: PROJECTS });
    expect(json.totals.bytes_moved).toBeGreaterThan(0);
  }, 300_000);
});
