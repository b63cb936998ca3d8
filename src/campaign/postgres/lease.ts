/**
 * Fencing. pg-boss 10 has no heartbeat: a job's lease is its expiry, after which another worker may fetch it
 * again, while the first one (paused by SIGSTOP, cut off by a partition) may still believe it owns it. So each
 * job key has a lease row with a generation: a worker that starts a job bumps the generation and remembers it,
 * and every write it makes for that job runs in a transaction that first locks the lease row (FOR SHARE) and
 * checks that the generation is still its own and the lease has not run out. A stale worker's writes are then
 * refused with LEASE_LOST, in the same transaction, so nothing of it is committed.
 */
import type pg from 'pg';
import { BasculeError } from '../../shared/errors.js';
import { withClient } from './client.js';

export interface Lease {
  readonly jobKey: string;
  readonly generation: number;
  readonly owner: string;
}

export class LeaseLostError extends BasculeError {
  constructor(lease: Lease, why: string) {
    super('LEASE_LOST', `${lease.owner} no longer owns ${lease.jobKey} (generation ${lease.generation}): ${why}`);
    this.name = 'LeaseLostError';
  }
}

export function isLeaseLost(error: unknown): error is LeaseLostError {
  return error instanceof BasculeError && error.code === 'LEASE_LOST';
}

/**
 * Until when (this process's monotonic clock, ms) each lease is surely still ours: the latest expiry the database
 * confirmed, counted from before the query that confirmed it. Only a successful claim, renewal or fenced write moves
 * it on; a lost lease sets it to 0. The cloud calls of a job are checked against it (leaseGuard).
 */
const surelyOurs = new WeakMap<Lease, number>();
const clock = () => performance.now();

/** Records that the database confirmed `lease` ours for `remainingSeconds` from `from` (performance.now()). */
export function confirmLease(lease: Lease, from: number, remainingSeconds: number): void {
  surelyOurs.set(lease, Math.max(surelyOurs.get(lease) ?? 0, from + remainingSeconds * 1000));
}

/**
 * A check to run right before each cloud mutation of a job (synchronously, just before the request is sent): it
 * throws LEASE_LOST when the lease is not surely ours any more, that is when less than \`marginMs\` of it is left by
 * the last expiry the database confirmed. The fenced writes do not cover this: a worker paused (SIGSTOP, a long
 * freeze) after journaling an intent and before sending its call would send it when it comes back, after another
 * worker took the job over and made the same object, a duplicate on the cloud. With this check it sends nothing:
 * paused past its lease, its local clock is past what the database last confirmed. A live worker keeps it ahead
 * with its heartbeat (every third of the lease).
 */
export function leaseGuard(lease: Lease, marginMs: number): () => void {
  return () => {
    const until = surelyOurs.get(lease) ?? 0;
    if (clock() > until - marginMs)
      throw new LeaseLostError(
        lease,
        until === 0
          ? 'another worker took it over'
          : 'its lease may have run out (the worker was paused or could not renew it): no call is sent',
      );
  };
}

/**
 * Takes the lease of a job for `owner`, for `ttlSeconds`: the generation goes up by one whoever held it
 * before (pg-boss hands a job to one worker at a time; a new fetch means the previous holder's time is over).
 */
export async function claimLease(db: pg.Pool, jobKey: string, owner: string, ttlSeconds: number): Promise<Lease> {
  const from = clock();
  const { rows } = await db.query<{ generation: string }>(
    `INSERT INTO bascule.leases (job_key, generation, owner, expires_at)
       VALUES ($1, 1, $2, clock_timestamp() + make_interval(secs => $3))
     ON CONFLICT (job_key) DO UPDATE
       SET generation = bascule.leases.generation + 1, owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
     RETURNING generation`,
    [jobKey, owner, ttlSeconds],
  );
  const lease = { jobKey, owner, generation: Number(rows[0]!.generation) };
  confirmLease(lease, from, ttlSeconds);
  return lease;
}

/** Extends a lease that is still ours (a long job's own heartbeat); LEASE_LOST when it is not. */
export async function renewLease(db: pg.Pool, lease: Lease, ttlSeconds: number): Promise<void> {
  const from = clock();
  await fenced(db, lease, async (client) => {
    await client.query(
      `UPDATE bascule.leases SET expires_at = clock_timestamp() + make_interval(secs => $2) WHERE job_key = $1`,
      [lease.jobKey, ttlSeconds],
    );
  });
  confirmLease(lease, from, ttlSeconds);
}

/** Ends a lease we hold (the job is done or handed back): it expires now, the generation stays. */
export async function releaseLease(db: pg.Pool, lease: Lease): Promise<void> {
  surelyOurs.set(lease, 0);
  await db.query(
    `UPDATE bascule.leases SET expires_at = clock_timestamp() WHERE job_key = $1 AND generation = $2 AND owner = $3`,
    [lease.jobKey, lease.generation, lease.owner],
  );
}

/**
 * Runs `write` in a transaction that holds the lease row (FOR SHARE, so no claim can slip in before COMMIT)
 * and only if the lease is still ours and unexpired. Otherwise rolls back and throws LEASE_LOST.
 */
export async function fenced<T>(db: pg.Pool, lease: Lease, write: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const from = clock();
  // withClient: a session the server ended while we were stopped (idle_in_transaction_session_timeout) fails this
  // write, not the process, and is closed rather than handed back to the pool.
  return withClient(db, async (client) => {
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ generation: string; owner: string; live: boolean; remaining: number }>(
        `SELECT generation, owner, expires_at > clock_timestamp() AS live,
                extract(epoch FROM expires_at - clock_timestamp())::float8 AS remaining
           FROM bascule.leases WHERE job_key = $1 FOR SHARE`,
        [lease.jobKey],
      );
      const row = rows[0];
      if (!row) throw new LeaseLostError(lease, 'no lease is recorded for it');
      if (Number(row.generation) !== lease.generation)
        throw new LeaseLostError(lease, `${row.owner} took it over (generation ${row.generation})`);
      if (!row.live) throw new LeaseLostError(lease, 'its lease ran out');
      const result = await write(client);
      await client.query('COMMIT');
      confirmLease(lease, from, Number(row.remaining));
      return result;
    } catch (error) {
      if (isLeaseLost(error)) surelyOurs.set(lease, 0);
      throw error;
    }
  });
}

/** Throws LEASE_LOST unless the lease is still ours (a fenced transaction that writes nothing). */
export async function assertLease(db: pg.Pool, lease: Lease): Promise<void> {
  await fenced(db, lease, async () => undefined);
}
