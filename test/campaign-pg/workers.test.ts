// A campaign of 30 projects in 2 waves on two simulated clouds, queued with `bascule batch run --store` and run by
// three `bascule worker` processes sharing the test PostgreSQL. One worker is killed with SIGKILL while one of its
// projects has a server disk copy in flight, another while one of its projects is applying; each is replaced (as
// systemd would restart it). A third is stopped with SIGSTOP past its lease while it applies, another worker takes
// the job over, and it is continued (SIGCONT): it writes nothing more. In the end every project is done exactly
// once, the target clouds hold one of each object and no temporary, the report is complete, the transfer cap held
// at every instant of the simulator's request log, and the database password appeared in no output.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { REPO_ROOT } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { cli, startCampaignClouds, writeCampaign, type SimCampaign } from '../campaign/sim-campaign.js';

const PROJECTS = 30;
const MAX_TRANSFERS = 2;
const LEASE = 12;
const PARALLEL = 8;

interface Worker {
  name: string;
  child: ChildProcess;
  lines: string[];
  exited: Promise<void>;
  /** Stage job keys started and not yet done, lost or handed back. */
  active(): string[];
}

let c: SimCampaign;
let db: TestDatabase;
let sql: pg.Pool;
let password: string;
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
      '3',
      '--poll-seconds',
      '0.3',
      '--maintenance-seconds',
      '1',
      '--grace',
      '5',
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, OS_CLOUD: '', BASCULE_STORE: db.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const w: Worker = {
    name,
    child,
    lines,
    exited,
    active() {
      const open = new Map<string, number>();
      for (const l of lines) {
        const m = /: (start|done|lost|failed|handed-back) (\S+)$/.exec(l) ?? /: (failed|lost) (\S+):/.exec(l);
        if (!m) continue;
        open.set(m[2]!, (open.get(m[2]!) ?? 0) + (m[1] === 'start' ? 1 : -1));
      }
      return [...open].filter(([, n]) => n > 0).map(([k]) => k);
    },
  };
  workers.push(w);
  return w;
}

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 120_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not in ${ms / 1000} s\n${workers.map((w) => `${w.name}: ${w.lines.slice(-8).join('\n')}`).join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

function objects(
  cloud: 'src' | 'dst',
  kind: 'networks' | 'subnets' | 'securityGroups' | 'servers' | 'images' | 'volumes',
) {
  const state = c.sim.regionState(cloud) as unknown as Record<string, { all(): { name?: unknown }[] }>;
  return state[kind]!.all().map((o) => String(o.name));
}

const stageOf = (key: string) => key.split('/')[3];
const projectOf = (key: string) => key.split('/')[2]!;

async function journalRows(project: string): Promise<number> {
  const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM bascule.journal WHERE project = $1`, [
    project,
  ]);
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  db = await createTestDatabase('workers');
  password = decodeURIComponent(new URL(db.url).password);
  // A source snapshot takes 1.5 s to become active: a copy job (short, now that copies are jobs of their own) lasts
  // long enough to be seen running, and killed, even when a loaded machine delivers its start and end lines at once.
  c = await startCampaignClouds(PROJECTS, { latency: { fixedMs: 10 }, sourceDelays: { imageActiveMs: 1500 } });
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await sql?.end();
  await c?.stop();
  await db?.drop();
});

describe('a campaign run by three bascule worker processes on one PostgreSQL store', () => {
  it(
    'survives kill -9 during a disk copy and during an apply, and fences a worker stopped past its lease',
    { timeout: 600_000 },
    async () => {
      const file = writeCampaign(c.dir, c.names, 2);
      const store = ['--store', db.url];
      const queued = await cli(c.cloudsYaml, [
        'batch',
        'run',
        file,
        ...store,
        '--approve-all',
        '--max-transfers',
        String(MAX_TRANSFERS),
        '--parallel-projects',
        String(PARALLEL),
        '--lease-seconds',
        String(LEASE),
      ]);
      expect(queued.code, queued.err).toBe(0);
      expect(queued.out).toMatch(/30 projects queued/);
      // Queueing again while it runs queues nothing twice.
      const again = await cli(c.cloudsYaml, [
        'batch',
        'run',
        file,
        ...store,
        '--approve-all',
        '--lease-seconds',
        String(LEASE),
      ]);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toMatch(/0 projects queued/);

      const [a, b, s] = [startWorker('a'), startWorker('b'), startWorker('s')];

      // kill -9 of worker a while a disk of one of its projects is being copied (a copy job of its own).
      const copying = await until('a disk copy on worker a', () =>
        a
          .active()
          .find(
            (k) => stageOf(k) === 'copy' && objects('src', 'images').includes(`bascule-snapshot-${projectOf(k)}-app`),
          ),
      );
      expect(copying).toMatch(/\/copy\//);
      a.child.kill('SIGKILL');
      await a.exited;
      startWorker('a2');

      // kill -9 of worker b while one of its projects is applying (its journal has records).
      await until('an apply on worker b', async () => {
        for (const k of b.active()) if (stageOf(k) === 'apply' && (await journalRows(projectOf(k))) > 2) return k;
        return undefined;
      });
      b.child.kill('SIGKILL');
      await b.exited;
      startWorker('b2');

      // SIGSTOP worker s past its lease while it applies; another worker takes the project over; SIGCONT.
      const paused = await until('an apply on worker s', async () => {
        for (const k of s.active()) if (stageOf(k) === 'apply' && (await journalRows(projectOf(k))) > 2) return k;
        return undefined;
      });
      s.child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      // Only a start after the stop counts: the same job key may have run on another worker before (an apply job
      // is queued again by its project's last disk copy), and that earlier start is not a take-over.
      const seenBefore = new Map(workers.map((w) => [w, w.lines.length]));
      const taker = await until(
        'the paused job taken over',
        () =>
          workers.find(
            (w) => w !== s && w.lines.slice(seenBefore.get(w) ?? 0).some((l) => l.endsWith(`start ${paused}`)),
          ),
        // The lease must run out, then pg-boss's maintenance retry the job, then a worker have a free slot: on a
        // loaded machine every slot of the other workers can be busy with slow applies for a while.
        (LEASE + 120) * 1000,
      );
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(LEASE * 1000 - 1000);
      const { rows: lease } = await sql.query<{ generation: string }>(
        `SELECT generation FROM bascule.leases WHERE job_key = $1`,
        [`test-campaign/${projectOf(paused)}`],
      );
      s.child.kill('SIGCONT');
      await until('worker s told it lost its job', () => s.lines.some((l) => l.includes(`lost ${paused}`)), 60_000);
      expect(taker.name).not.toBe('s');

      // The campaign ends: every project done.
      await until(
        'every project done',
        async () => {
          const r = await cli(c.cloudsYaml, ['--format', 'json', 'batch', 'status', file, ...store]);
          const totals = JSON.parse(r.out).totals as { done: number; failed: number };
          if (totals.failed > 0) throw new Error(`failed projects: ${r.out}`);
          return totals.done === PROJECTS;
        },
        400_000,
      );
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      for (const w of workers.filter((x) => x !== a && x !== b)) expect(w.lines.at(-1), w.name).toMatch(/stopped$/);

      // Every project done exactly once (one project.done event each), all on run 1.
      const { rows: done } = await sql.query<{ project: string; n: string }>(
        `SELECT project, count(*) AS n FROM bascule.events WHERE type = 'project.done' GROUP BY project`,
      );
      expect(done).toHaveLength(PROJECTS);
      for (const d of done) expect(Number(d.n), d.project).toBe(1);
      // No duplicate, no orphan: one of each object per project on the target, no temporary on either cloud.
      for (const name of c.names) {
        expect(
          objects('dst', 'networks').filter((n) => n === `${name}-net`),
          name,
        ).toHaveLength(1);
        expect(
          objects('dst', 'servers').filter((n) => n === `${name}-app`),
          name,
        ).toHaveLength(1);
        expect(
          objects('dst', 'images').filter((n) => n === `${name}-img`),
          name,
        ).toHaveLength(1);
        expect(
          objects('dst', 'subnets').filter((n) => n === `${name}-sub`),
          name,
        ).toHaveLength(1);
        expect(
          objects('dst', 'securityGroups').filter((n) => n === `${name}-web`),
          name,
        ).toHaveLength(1);
      }
      expect(objects('dst', 'servers')).toHaveLength(PROJECTS);
      expect(objects('dst', 'networks')).toHaveLength(PROJECTS);
      for (const cloud of ['src', 'dst'] as const) {
        expect(
          objects(cloud, 'images').filter((n) => n.startsWith('bascule-')),
          cloud,
        ).toEqual([]);
        expect(
          objects(cloud, 'volumes').filter((n) => n.startsWith('bascule-')),
          cloud,
        ).toEqual([]);
      }
      // The stopped worker wrote nothing once the job was taken over: no journal row of its generation after it.
      const { rows: late } = await sql.query<{ n: string }>(
        `SELECT count(*) AS n FROM bascule.journal WHERE project = $1 AND generation < $2 AND written_at > to_timestamp($3 / 1000.0)`,
        [projectOf(paused), Number(lease[0]!.generation), stoppedAt],
      );
      expect(Number(late[0]!.n)).toBe(0);
      // One result per intent in each journal: nothing done twice.
      const { rows: twice } = await sql.query(
        `SELECT project, record->>'run' AS run, record->>'seq' AS seq FROM bascule.journal WHERE record->>'t' = 'result'
        GROUP BY 1, 2, 3 HAVING count(*) > 1`,
      );
      expect(twice).toEqual([]);

      // Waves in order, and never more than --parallel-projects projects in flight, across all workers.
      const { rows: events } = await sql.query<{ data: { type: string; project?: string; wave?: string; at: string } }>(
        `SELECT data FROM bascule.events WHERE project IS NOT NULL ORDER BY id`,
      );
      const span = new Map<string, { wave: string; from: number; to: number }>();
      for (const { data: e } of events) {
        const at = Date.parse(e.at);
        const p = span.get(e.project!) ?? { wave: e.wave!, from: at, to: Number.POSITIVE_INFINITY };
        if (e.type === 'project.done') p.to = at;
        span.set(e.project!, p);
      }
      const spans = [...span.values()];
      const w1End = Math.max(...spans.filter((x) => x.wave === 'w1').map((x) => x.to));
      expect(Math.min(...spans.filter((x) => x.wave === 'w2').map((x) => x.from))).toBeGreaterThanOrEqual(w1End);
      const inFlight = Math.max(...spans.map((x) => spans.filter((y) => y.from <= x.from && x.from < y.to).length));
      expect(inFlight).toBeLessThanOrEqual(PARALLEL);

      // The report, from the store, is complete.
      const report = await cli(c.cloudsYaml, ['batch', 'report', file, ...store]);
      expect(report.code, report.err).toBe(0);
      const json = JSON.parse(readFileSync(join(c.dir, 'report.json'), 'utf8'));
      // On failure, name the projects whose audit is not clean (or missing) and what their state says of it.
      const unclean = (json.waves as { projects: { id: string; status: string; audit?: unknown }[] }[])
        .flatMap((w) => w.projects)
        .filter((p) => (p.audit as { clean?: boolean } | undefined)?.clean !== true)
        .map((p) => ({ id: p.id, status: p.status, audit: p.audit ?? 'none recorded' }));
      // ... and what each such audit found (the audit.json the store keeps), with the project's journal tail.
      const found: unknown[] = [];
      for (const u of unclean) {
        const { rows } = await sql.query<{ body: string }>(
          `SELECT body FROM bascule.artifacts WHERE project = $1 AND name = 'audit.json'`,
          [u.id],
        );
        const audit = rows[0] ? (JSON.parse(rows[0].body) as { differences?: unknown[] }) : undefined;
        const { rows: tail } = await sql.query<{ record: unknown; generation: string }>(
          `SELECT record, generation FROM bascule.journal WHERE project = $1 ORDER BY n DESC LIMIT 12`,
          [u.id],
        );
        found.push({ id: u.id, differences: audit?.differences ?? 'no audit.json', journal: tail.reverse() });
      }
      expect(json.totals, JSON.stringify({ unclean, found })).toMatchObject({
        projects: PROJECTS,
        done: PROJECTS,
        failed: 0,
        audits_clean: PROJECTS,
      });

      // The transfer cap held at every instant: image data read from the source, as the simulator logged it.
      const reads = c.sim
        .requestLog('src')
        .filter((e) => e.method === 'GET' && e.route.endsWith('/file'))
        .map((e) => [e.at, e.at + e.ms] as const);
      expect(reads.length).toBeGreaterThanOrEqual(PROJECTS * 2);
      let most = 0;
      for (const [start] of reads) most = Math.max(most, reads.filter(([s0, e0]) => s0 <= start && start < e0).length);
      expect(most).toBeLessThanOrEqual(MAX_TRANSFERS);

      // The database password is in no output of any command or worker.
      const everything = [
        queued.out,
        queued.err,
        again.out,
        again.err,
        report.out,
        report.err,
        ...workers.flatMap((w) => w.lines),
      ].join('\n');
      expect(everything).toContain(':***@');
      expect(everything).not.toContain(password);
    },
  );
});
