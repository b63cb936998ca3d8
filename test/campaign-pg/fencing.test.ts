// Fencing: a worker that lost its job (another worker took it over, or its lease ran out) cannot write to the
// project's journal any more; the check is in the same transaction as the write. The last case is a real
// process stopped with SIGSTOP past its lease, whose job another worker takes, then continued with SIGCONT.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { openPool, parseStoreUrl } from '../../src/campaign/postgres/connection.js';
import { withClient } from '../../src/campaign/postgres/client.js';
import { claimLease, fenced, isLeaseLost, releaseLease, renewLease } from '../../src/campaign/postgres/lease.js';
import { PgJournal, readPgJournal } from '../../src/campaign/postgres/journal.js';
import type { JournalRecord } from '../../src/engine/journal.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { seedCampaign } from './support/seed.js';

let db: TestDatabase;
let a: pg.Pool;
let b: pg.Pool;
const ref = { campaign: 'c1', project: 'p1' };
const end = (run: string, n: number): JournalRecord => ({
  t: 'end',
  run,
  at: new Date().toISOString(),
  ok: true,
  interrupted: false,
  counts: { n },
});

beforeAll(async () => {
  db = await createTestDatabase('fencing');
  a = await openPool(parseStoreUrl(db.url));
  b = await openPool(parseStoreUrl(db.url));
  await seedCampaign(a, ref);
});
afterAll(async () => {
  await a?.end();
  await b?.end();
  await db?.drop();
});

describe('lease fencing of journal writes', () => {
  it('refuses the writes of a worker whose job another worker took over, and keeps the new owner’s', async () => {
    const key = 'c1/p1/apply#1';
    const first = await claimLease(a, key, 'worker-a', 60);
    const ja = new PgJournal(a, ref, first, 'run-a');
    await ja.append(end('run-a', 1));

    const second = await claimLease(b, key, 'worker-b', 60);
    expect(second.generation).toBe(first.generation + 1);
    const jb = new PgJournal(b, ref, second, 'run-b', await readPgJournal(b, ref));

    const refused = await ja.append(end('run-a', 2)).catch((e: unknown) => e);
    expect(isLeaseLost(refused)).toBe(true);
    expect((refused as Error).message).toContain('worker-b took it over');
    await jb.append(end('run-b', 1));
    await expect(renewLease(a, first, 60)).rejects.toMatchObject({ code: 'LEASE_LOST' });

    const runs = (await readPgJournal(a, ref)).map((r) => r.run);
    expect(runs).toEqual(['run-a', 'run-b']);
  });

  it('refuses writes once the lease ran out, even before anyone else took the job', async () => {
    const lease = await claimLease(a, 'c1/p1/expiring', 'worker-a', 1);
    const journal = new PgJournal(a, ref, lease, 'run-x');
    await journal.append(end('run-x', 1));
    await new Promise((r) => setTimeout(r, 1300));
    await expect(journal.append(end('run-x', 2))).rejects.toMatchObject({ code: 'LEASE_LOST' });
    const mine = (await readPgJournal(a, ref)).filter((r) => r.run === 'run-x');
    expect(mine).toHaveLength(1);
  });

  it('a released lease writes nothing more, and the next claim goes on from its generation', async () => {
    const lease = await claimLease(a, 'c1/p1/released', 'worker-a', 60);
    await releaseLease(a, lease);
    await expect(new PgJournal(a, ref, lease, 'run-r').append(end('run-r', 1))).rejects.toMatchObject({
      code: 'LEASE_LOST',
    });
    expect((await claimLease(b, 'c1/p1/released', 'worker-b', 60)).generation).toBe(lease.generation + 1);
  });
});

describe('a session the server ends while its client is out of the pool', () => {
  // The driver reports it as an 'error' event outside any query; a client taken out of the pool has no listener of
  // the pool's, so without ours that event crashes the worker process (it did, in campaign-pg/workers.test.ts:
  // worker s, stopped past idle_in_transaction_session_timeout inside a transaction, died when continued).
  it('fails the work at hand, not the process, and the pool goes on with a new session', async () => {
    const crashes: unknown[] = [];
    const onUncaught = (error: unknown) => crashes.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const failed = await withClient(a, async (client) => {
        await client.query('BEGIN');
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await b.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        // the session's end reaches the client as an event while no query runs
        await new Promise((r) => setTimeout(r, 300));
        await client.query('SELECT 1');
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(Error);
      expect(crashes).toEqual([]);
      const { rows } = await a.query<{ one: number }>('SELECT 1 AS one');
      expect(rows[0]!.one).toBe(1);
      // the same through a fenced write: it fails, the process does not
      const lease = await claimLease(a, 'c1/p1/broken#1', 'worker-a', 60);
      const fencedFailure = await fenced(a, lease, async (client) => {
        const { rows: me } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await b.query('SELECT pg_terminate_backend($1)', [me[0]!.pid]);
        await new Promise((r) => setTimeout(r, 300));
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(fencedFailure).toBeInstanceOf(Error);
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

describe('a worker process stopped past its lease (SIGSTOP), its job taken over, then continued (SIGCONT)', () => {
  const script = fileURLToPath(new URL('./support/fenced-writer.ts', import.meta.url));
  const register = fileURLToPath(new URL('../support/ts-register.mjs', import.meta.url));

  function startWriter(
    key: string,
    ttl: number,
  ): { child: ChildProcess; lines: string[]; waitFor(p: RegExp): Promise<string> } {
    const child = spawn(process.execPath, ['--import', register, script, key, String(ttl)], {
      env: { ...process.env, BASCULE_STORE: db.url },
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
    child.on('exit', (code) => {
      for (const w of waiters) w.resolve(`exit ${code} ${stderr}`);
    });
    return {
      child,
      lines,
      waitFor: (p) => {
        const hit = lines.find((l) => p.test(l));
        return hit ? Promise.resolve(hit) : new Promise((resolve) => waiters.push({ p, resolve }));
      },
    };
  }

  it('cannot write once it comes back: no record of it after the takeover, and it stops', async () => {
    const key = 'c1/p1/disk:vol-1';
    const writer = startWriter(key, 2);
    expect(await writer.waitFor(/^ready /)).toBe('ready 1');
    await writer.waitFor(/^ok 3$/);
    writer.child.kill('SIGSTOP');
    const stoppedAt = writer.lines.filter((l) => l.startsWith('ok ')).length;
    // Past its 2 s lease (and the server's 1 s idle-in-transaction limit, should it be stopped inside a write).
    await new Promise((r) => setTimeout(r, 3000));

    const mine = await claimLease(b, key, 'worker-b', 60);
    expect(mine.generation).toBe(2);
    const journal = new PgJournal(b, ref, mine, 'run-b2');
    await journal.append(end('run-b2', 1));

    const exited = new Promise<number | null>((resolve) => writer.child.on('exit', (code) => resolve(code)));
    writer.child.kill('SIGCONT');
    const code = await exited;
    expect(writer.lines.at(-1)).toMatch(/^(refused LEASE_LOST|error .+)$/);
    expect([3, 4]).toContain(code);
    await journal.append(end('run-b2', 2));

    // What the stopped worker wrote is exactly what it had acknowledged before the stop, all before the takeover.
    const { rows } = await b.query<{ generation: string; run: string }>(
      `SELECT generation, record->>'run' AS run FROM bascule.journal WHERE job_key = $1 ORDER BY n`,
      [key],
    );
    const gens = rows.map((r) => Number(r.generation));
    const firstNew = gens.indexOf(2);
    expect(firstNew).toBeGreaterThan(0);
    expect(gens.slice(firstNew).every((g) => g === 2)).toBe(true);
    expect(gens.slice(0, firstNew).length).toBeGreaterThanOrEqual(stoppedAt);
    expect(gens.slice(0, firstNew).length).toBeLessThanOrEqual(stoppedAt + 1);
    expect(rows.filter((r) => r.run === 'run-b2')).toHaveLength(2);
  }, 30_000);
});
