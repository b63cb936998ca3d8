/**
 * Caps across all workers, kept in PostgreSQL: a scope ("transfer", "transfer:source:<cloud>",
 * "wave:<campaign>:<n>") has `cap` slot rows, and a job holds one row of each scope it needs while it runs.
 * Several scopes are taken in one transaction, all or none (FOR UPDATE SKIP LOCKED: two workers never take
 * the same row, and neither waits on the other). A slot has a lease of its own: its holder renews it while it
 * works, and a slot whose holder died frees itself when that lease runs out. Advisory locks would not do: they
 * belong to a session, and a pool hands sessions around.
 */
import type pg from 'pg';
import { withClient } from './client.js';

export interface SlotRequest {
  scope: string;
  cap: number;
}

export interface HeldSlots {
  holder: string;
  slots: { scope: string; slot: number }[];
}

/** Makes sure `scope` has exactly slots 0..cap-1 that may be taken (rows above the cap are never handed out). */
async function ensureScope(client: pg.PoolClient, request: SlotRequest): Promise<void> {
  await client.query(
    `INSERT INTO bascule.slots (scope, slot) SELECT $1, g FROM generate_series(0, $2 - 1) AS g
     ON CONFLICT (scope, slot) DO NOTHING`,
    [request.scope, request.cap],
  );
}

/**
 * Takes one free slot in every requested scope for `holder`, for `ttlSeconds`, or none at all (null) when one
 * scope is full.
 */
export async function acquireSlots(
  db: pg.Pool,
  holder: string,
  requests: readonly SlotRequest[],
  ttlSeconds: number,
): Promise<HeldSlots | null> {
  return withClient(db, async (client) => {
    for (const request of requests) await ensureScope(client, request);
    await client.query('BEGIN');
    const slots: HeldSlots['slots'] = [];
    for (const request of requests) {
      const { rows } = await client.query<{ slot: number }>(
        `UPDATE bascule.slots s SET holder = $2, expires_at = clock_timestamp() + make_interval(secs => $4)
           FROM (SELECT slot FROM bascule.slots
                  WHERE scope = $1 AND slot < $3 AND (holder IS NULL OR expires_at < clock_timestamp())
                  ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) free
          WHERE s.scope = $1 AND s.slot = free.slot
          RETURNING s.slot`,
        [request.scope, holder, request.cap, ttlSeconds],
      );
      if (rows.length === 0) {
        await client.query('ROLLBACK');
        return null;
      }
      slots.push({ scope: request.scope, slot: rows[0]!.slot });
    }
    await client.query('COMMIT');
    return { holder, slots };
  });
}

/** Extends held slots; false when one was lost (its lease ran out and another holder took it). */
export async function renewSlots(db: pg.Pool, held: HeldSlots, ttlSeconds: number): Promise<boolean> {
  let all = true;
  for (const { scope, slot } of held.slots) {
    const { rowCount } = await db.query(
      `UPDATE bascule.slots SET expires_at = clock_timestamp() + make_interval(secs => $4)
        WHERE scope = $1 AND slot = $2 AND holder = $3`,
      [scope, slot, held.holder, ttlSeconds],
    );
    if (rowCount === 0) all = false;
  }
  return all;
}

/** Frees held slots (only those still held by this holder). */
export async function releaseSlots(db: pg.Pool, held: HeldSlots): Promise<void> {
  for (const { scope, slot } of held.slots)
    await db.query(
      `UPDATE bascule.slots SET holder = NULL, expires_at = NULL WHERE scope = $1 AND slot = $2 AND holder = $3`,
      [scope, slot, held.holder],
    );
}

/** How many slots of a scope are held right now (by live holders). */
export async function slotsInUse(db: pg.Pool, scope: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM bascule.slots WHERE scope = $1 AND holder IS NOT NULL AND expires_at > clock_timestamp()`,
    [scope],
  );
  return Number(rows[0]!.n);
}

export interface PostgresSlotsOptions {
  /** This worker's name; each transfer holds its slots as `<holder>#<n>`. */
  holder: string;
  /** The scopes every transfer needs a slot of (total, the source cloud's). */
  scopes: readonly SlotRequest[];
  /** A slot's lease; renewed every third of it while the transfer runs (default 60 s). */
  ttlSeconds?: number;
  /** How long to wait before asking again when a scope is full (default 500 ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * Transfer slots shared by every worker of a campaign, with the shape of the campaign's in-process transfer cap
 * (`run(fn)`): waits for one slot of every scope, keeps them renewed while `fn` runs, frees them after.
 */
export function postgresTransferSlots(
  db: pg.Pool,
  options: PostgresSlotsOptions,
): { run<T>(fn: () => Promise<T>): Promise<T> } {
  const ttl = options.ttlSeconds ?? 60;
  let n = 0;
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      n += 1;
      const holder = `${options.holder}#${n}`;
      let held: HeldSlots | null = null;
      while (!(held = await acquireSlots(db, holder, options.scopes, ttl))) {
        options.signal?.throwIfAborted();
        await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
      }
      const slots = held;
      const renew = setInterval(() => void renewSlots(db, slots, ttl).catch(() => undefined), (ttl * 1000) / 3);
      try {
        return await fn();
      } finally {
        clearInterval(renew);
        await releaseSlots(db, slots);
      }
    },
  };
}
