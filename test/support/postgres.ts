/**
 * The test PostgreSQL (test/postgres/up.sh, `npm run postgres:up`): its URL comes from BASCULE_TEST_PG_URL or
 * test/postgres/state/url. Tests that need it FAIL when it is absent (never skip): the suite brings it up
 * (scripts/test-all.sh), so its absence is a broken set-up to see, not a reason to pass.
 *
 * Each caller gets a database of its own (CREATE DATABASE, dropped by `drop()`), so test files can run in
 * parallel and never see each other's queues or leases.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const URL_FILE = fileURLToPath(new URL('../postgres/state/url', import.meta.url));

export function testPostgresUrl(): string {
  const fromEnv = process.env.BASCULE_TEST_PG_URL;
  if (fromEnv) return fromEnv;
  if (!existsSync(URL_FILE))
    throw new Error(
      `no test PostgreSQL: ${URL_FILE} is missing. Run \`npm run postgres:up\` (test/postgres/up.sh) or set BASCULE_TEST_PG_URL`,
    );
  return readFileSync(URL_FILE, 'utf8').trim();
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates a fresh database for one test file and returns its URL. */
export async function createTestDatabase(prefix = 'bt'): Promise<TestDatabase> {
  const base = testPostgresUrl();
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `the test PostgreSQL does not answer (${(error as Error).message}). Run \`npm run postgres:up\` (test/postgres/up.sh)`,
    );
  }
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
