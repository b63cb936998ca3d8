/**
 * The campaign database: a `postgres://` URL (from `--store` or BASCULE_STORE) and the pool on it. The URL's
 * password is registered as a secret at once (scrubbed from every message that leaves Bascule) and only the
 * redacted form is ever shown.
 */
import pg from 'pg';
import { rememberSecret, scrubText } from '../../shared/secret.js';
import { UsageError } from '../../shared/errors.js';
import { migrate } from './schema.js';

export interface StoreUrl {
  /** The full URL, password included: give it to the driver only. */
  readonly connectionString: string;
  /** The URL with its password replaced by `***`: the only form that is printed. */
  readonly display: string;
}

/** Parses a store URL (postgres:// or postgresql://); `where` names its origin for the error (`--store`). */
export function parseStoreUrl(value: string, where = '--store'): StoreUrl {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('STORE_URL_INVALID', `${where}: not a URL (expected postgres://user:password@host/db)`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new UsageError('STORE_URL_INVALID', `${where}: ${url.protocol} is not a store (expected postgres://)`);
  if (url.password) {
    rememberSecret(url.password);
    rememberSecret(decodeURIComponent(url.password));
  }
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  return { connectionString: url.href, display: shown.href };
}

export interface PoolOptions {
  max?: number;
  /**
   * The server ends a session left idle inside a transaction this long (default 10 s). A worker stopped
   * (SIGSTOP) in the middle of a fenced write would otherwise hold its lease row locked, and the worker taking
   * the job over would wait for it forever.
   */
  idleInTransactionSeconds?: number;
}

/** A pool on the campaign database, its schema migrated. Errors from the driver are scrubbed of the password. */
export async function openPool(url: StoreUrl, options: PoolOptions = {}): Promise<pg.Pool> {
  const idle = Math.round((options.idleInTransactionSeconds ?? 10) * 1000);
  const pool = new pg.Pool({
    connectionString: url.connectionString,
    max: options.max ?? 5,
    options: `-c idle_in_transaction_session_timeout=${idle}`,
  });
  // An idle client that loses its server must not crash the process: the next query reports it.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw storeError(error, url);
  }
  return pool;
}

/** Wraps a driver error as a BasculeError that names the redacted URL and carries no password. */
export function storeError(error: unknown, url: StoreUrl): Error {
  const message = scrubText(error instanceof Error ? error.message : String(error));
  return new UsageError('STORE_UNREACHABLE', `the campaign store ${url.display}: ${message}`);
}
