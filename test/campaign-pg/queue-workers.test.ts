// Three worker processes share one pg-boss queue of 12 small jobs (each a "project" of 5 journaled steps). One
// worker is killed with SIGKILL in the middle of a step, another is stopped with SIGSTOP past its lease and
// continued later. Every job completes exactly once, every step is done exactly once on the "cloud" and has one
// result in its journal, and the stopped worker writes nothing once its job was taken over.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { openPool, parseStoreUrl } from '../../src/campaign/postgres/connection.js';
import { readPgJournal } from '../../src/campaign/postgres/journal.js';
import { enqueue, startBoss } from '../../src/campaign/postgres/queue.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { seedCampaign } from './support/seed.js';

const script = fileURLToPath(new URL('./support/queue-worker.ts', import.meta.url));
const register = fileURLToPath(new URL('../support/ts-register.mjs', import.meta.url));

interface Proc {
  child: ChildProcess;
  lines: string[];
  waitFor(p: RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
  stderr(): string;
}

function startWorker(url: string, concurrency = 2, env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, ['--import', register, script, String(concurrency), '150'], {
    env: { ...process.env, BASCULE_STORE: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { p: RegExp; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (!w.p.test(line)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    waitFor: (p, ms = 60_000) => {
      const hit = lines.find((l) => p.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line ${p} in 60 s; stderr: ${stderr}`)), ms);
        waiters.push({ p, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}

/** The state letter of a process (R, S, T for stopped...), from /proc. */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
}

let db: TestDatabase;
let pool: pg.Pool;
let boss: PgBoss;
const procs: Proc[] = [];
const keys = Array.from({ length: 12 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);

beforeAll(async () => {
  db = await createTestDatabase('queue');
  pool = await openPool(parseStoreUrl(db.url));
  await seedCampaign(pool, { campaign: 'c1', project: 'x' });
  await pool.query(`CREATE TABLE test_effects (id serial PRIMARY KEY, marker text NOT NULL, worker text NOT NULL)`);
  boss = await startBoss(parseStoreUrl(db.url), { maintenanceIntervalSeconds: 1 });
});
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await boss?.stop({ graceful: false, wait: true });
  await pool?.end();
  await db?.drop();
});

async function completed(): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM pgboss.job WHERE name = 'projects' AND state = 'completed'`,
  );
  return Number(rows[0]!.n);
}

describe('workers on a shared PostgreSQL queue', () => {
  it('survive a SIGKILL mid-step and a SIGSTOP past the lease: every job done once, no step twice', async () => {
    const queued = await enqueue(
      boss,
      pool,
      'projects',
      keys.map((key) => ({ key, data: {}, expireInSeconds: 3, retryLimit: 10, retryDelaySeconds: 0 })),
    );
    expect(queued).toBe(12);
    // Enqueued twice: still 12 jobs (one per key while queued).
    expect(await enqueue(boss, pool, 'projects', [{ key: 'p01', data: {}, expireInSeconds: 3 }])).toBe(0);

    const [w1, w2, w3] = [startWorker(db.url), startWorker(db.url, 2, { STOP_SELF_AT_STEP: '1' }), startWorker(db.url)];
    procs.push(w1!, w2!, w3!);
    await Promise.all(procs.map((p) => p.waitFor(/^ready$/)));

    // kill -9 the first worker in the middle of a step (after its intent, before its result)
    const killedStep = await w1!.waitFor(/^step p\d+ [2-4]$/);
    const killedKey = killedStep.split(' ')[1]!;
    w1!.child.kill('SIGKILL');
    // the second stops itself inside a step (after its intent, before its lease check) and stays stopped past its
    // 3 s lease; it is let go on once another worker has taken its job
    const stoppedStep = await w2!.waitFor(/^step p\d+ [2-4]$/);
    const stoppedKey = stoppedStep.split(' ')[1]!;
    for (let i = 0; i < 50 && processState(w2!.child.pid!) !== 'T'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(processState(w2!.child.pid!)).toBe('T');
    for (let i = 0; i < 100 && !w3!.lines.includes(`start ${stoppedKey}`); i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(w3!.lines).toContain(`start ${stoppedKey}`);
    w2!.child.kill('SIGCONT');

    for (let i = 0; i < 300 && (await completed()) < 12; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await completed()).toBe(12);

    for (const p of [w2!, w3!]) p.child.kill('SIGTERM');
    expect(await w2!.exited, w2!.stderr()).toBe(0);
    expect(await w3!.exited, w3!.stderr()).toBe(0);

    // the killed worker's job and the stopped worker's job were finished by another worker
    const doneBy = (key: string) => [w2!, w3!].filter((p) => p.lines.includes(`done ${key}`)).length;
    expect(w1!.lines).not.toContain(`done ${killedKey}`);
    expect(doneBy(killedKey)).toBe(1);
    expect(w2!.lines).not.toContain(`done ${stoppedKey}`);
    expect(w2!.lines.some((l) => l.startsWith(`lost ${stoppedKey}`) || l.startsWith(`failed ${stoppedKey}`))).toBe(
      true,
    );
    // every job is reported done exactly once across the workers
    const dones = procs.flatMap((p) => p.lines.filter((l) => l.startsWith('done ')));
    expect(dones.sort()).toEqual(keys.map((k) => `done ${k}`));

    // each step happened once on the "cloud", and each project's journal has one result per step
    const { rows: effects } = await pool.query<{ marker: string; n: string }>(
      `SELECT marker, count(*) AS n FROM test_effects GROUP BY marker`,
    );
    expect(effects).toHaveLength(12 * 5);
    expect(effects.every((e) => e.n === '1')).toBe(true);
    for (const key of keys) {
      const results = (await readPgJournal(pool, { campaign: 'c1', project: key })).filter((r) => r.t === 'result');
      expect(results.map((r) => (r as { key: string }).key).sort()).toEqual([1, 2, 3, 4, 5].map((n) => `step-${n}`));
    }
    // the stopped worker's generation wrote nothing after the new owner's first record
    const { rows } = await pool.query<{ generation: string }>(
      `SELECT generation FROM bascule.journal WHERE job_key = $1 ORDER BY n`,
      [stoppedKey],
    );
    const gens = rows.map((r) => Number(r.generation));
    const last = Math.max(...gens);
    expect(gens.slice(gens.indexOf(last)).every((g) => g === last)).toBe(true);
  }, 120_000);
});
