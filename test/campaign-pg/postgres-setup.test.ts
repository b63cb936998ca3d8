// The test PostgreSQL of test/postgres/up.sh is there and is what the design relies on: PostgreSQL 15, a
// database per test file, pg-boss 10 queues on it (fetch hands a job to one worker only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('setup');
});
afterAll(async () => {
  await db?.drop();
});

describe('the test PostgreSQL', () => {
  it('is PostgreSQL 15 on 127.0.0.1, reached with a password over TCP', async () => {
    const url = new URL(db.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.password).not.toBe('');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ v: string; d: string }>(
        `SELECT current_setting('server_version_num') AS v, current_database() AS d`,
      );
      expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(150000);
      expect(Number(rows[0]!.v)).toBeLessThan(160000);
      expect(rows[0]!.d).toBe(db.name);
    } finally {
      await client.end();
    }
  });

  it('runs pg-boss 10: a job sent once is fetched by one of two workers only', async () => {
    const a = new PgBoss({ connectionString: db.url, supervise: false, schedule: false });
    const b = new PgBoss({ connectionString: db.url, supervise: false, schedule: false });
    a.on('error', () => undefined);
    b.on('error', () => undefined);
    await a.start();
    await b.start();
    try {
      await a.createQueue('setup');
      const id = await a.send('setup', { n: 1 });
      expect(id).toBeTruthy();
      const [fa, fb] = await Promise.all([a.fetch('setup'), b.fetch('setup')]);
      const got = [...(fa ?? []), ...(fb ?? [])];
      expect(got.map((j) => j.id)).toEqual([id]);
    } finally {
      await a.stop({ graceful: false, close: true, wait: true });
      await b.stop({ graceful: false, close: true, wait: true });
    }
  });
});
