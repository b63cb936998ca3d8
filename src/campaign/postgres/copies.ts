/**
 * Server disk and volume copies as jobs of their own, for a campaign run by workers. A project's apply job first
 * registers the copies its saved dry run needs (one row each in `bascule.copies`) and, while any is not made,
 * queues one copy job per copy and ends: the project waits, holding no job. Each copy job runs under a lease of
 * its own (copies of a project run in parallel, on any workers), records in its row what it does to either cloud
 * as it does it (the same workload records as the journal's: temporaries, stopped servers) and, at the end, the
 * target image it made. The copy job that settles a project's last copy queues the apply again, in the
 * transaction that completes it; that apply takes the copies over (their records go into the project's journal)
 * and creates the servers and volumes from them, as it would from copies of its own.
 *
 * A copy job run again after its worker died continues from its row: a source snapshot or volume upload already
 * made is used once active (never made twice), a target image left without its bytes is removed first. Temporaries
 * carry the apply's marker and plan digest, so the apply's sweep at its end removes whatever an attempt left.
 */
import { join } from 'node:path';
import type pg from 'pg';
import {
  findTemporaryImages,
  removeTemporary,
  type PreparedCopy,
  type WorkloadEvent,
} from '../../transfer/workload.js';

const GONE = ['killed', 'deleted', 'pending_delete'];
import { ProjectPipeline, type CampaignEnv, type CopyItem } from '../pipeline.js';
import { allProjects } from '../load.js';
import { fenced, isLeaseLost, leaseGuard, type Lease } from './lease.js';
import type { JobOutcome, JobSpec, QueuedJob } from './queue.js';
import { postgresTransferSlots } from './slots.js';
import { PgCampaignStore } from './store.js';
import type { RegisteredCampaign, StageWorkerContext } from './campaign-queue.js';

/** The queue of the copy jobs (a worker serves it beside the stage queue). */
export const COPY_QUEUE = 'bascule-copies';

/** Attempts of one copy before it is recorded as failed (its project's apply then fails, naming it). */
export const COPY_ATTEMPTS = 3;

export interface CopyJobData {
  campaign: string;
  project: string;
  run: number;
  /** The digest of the plan the copy is for (the saved dry run's). */
  plan: string;
  /** The plan entry (server or volume) whose bytes are copied. */
  entry: string;
}

export interface CopyResult {
  targetImageId: string;
  bytes: number;
  crashConsistent?: boolean;
  sizeGb?: number;
}

export interface CopyRow {
  entry: string;
  item: CopyItem;
  run: number;
  status: 'pending' | 'done' | 'failed';
  attempts: number;
  events: WorkloadEvent[];
  result: CopyResult | null;
  error: string | null;
}

export function copyJobOf(
  at: { campaign: string; project: string; run: number; plan: string },
  item: CopyItem,
  leaseSeconds: number,
): JobSpec {
  const entry = encodeURIComponent(item.key);
  return {
    key: `${at.campaign}/${at.run}/${at.project}/copy/${entry}`,
    // A lease of its own: the copies of a project run at once, each fenced apart from the others.
    lease: `${at.campaign}/${at.project}/copy/${entry}`,
    data: { ...at, entry: item.key } satisfies CopyJobData,
    expireInSeconds: leaseSeconds,
  };
}

/** The copies of one project's plan (rows of `bascule.copies`); writes are fenced by the caller's lease. */
export class ProjectCopies {
  readonly #db: pg.Pool;
  readonly #at: { campaign: string; project: string; plan: string };

  constructor(db: pg.Pool, at: { campaign: string; project: string; plan: string }) {
    this.#db = db;
    this.#at = at;
  }

  get #key() {
    return [this.#at.campaign, this.#at.project, this.#at.plan];
  }

  /**
   * Records the copies the apply needs (once; a copy that failed in an earlier run is tried again in this one) and
   * returns every row.
   */
  async register(items: readonly CopyItem[], run: number, lease: Lease): Promise<CopyRow[]> {
    await fenced(this.#db, lease, async (client) => {
      for (const item of items)
        await client.query(
          `INSERT INTO bascule.copies (campaign, project, plan, entry, item, run) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (campaign, project, plan, entry) DO UPDATE
             SET status = 'pending', attempts = 0, error = NULL, run = EXCLUDED.run
             WHERE bascule.copies.status = 'failed' AND bascule.copies.run <> EXCLUDED.run`,
          [...this.#key, item.key, JSON.stringify(item), run],
        );
    });
    return this.rows();
  }

  async rows(): Promise<CopyRow[]> {
    const { rows } = await this.#db.query<CopyRow>(
      `SELECT entry, item, run, status, attempts, events, result, error FROM bascule.copies
        WHERE campaign = $1 AND project = $2 AND plan = $3 ORDER BY entry`,
      this.#key,
    );
    return rows;
  }

  async row(entry: string): Promise<CopyRow | undefined> {
    return (await this.rows()).find((r) => r.entry === entry);
  }

  /** One more attempt of a copy. */
  async attempt(entry: string, lease: Lease): Promise<void> {
    await fenced(this.#db, lease, (client) =>
      client.query(
        `UPDATE bascule.copies SET attempts = attempts + 1 WHERE campaign = $1 AND project = $2 AND plan = $3 AND entry = $4`,
        [...this.#key, entry],
      ),
    );
  }

  /** Keeps one thing a copy did to a cloud (committed before the copy goes on). */
  async record(entry: string, lease: Lease, event: WorkloadEvent): Promise<void> {
    await fenced(this.#db, lease, (client) =>
      client.query(
        `UPDATE bascule.copies SET events = events || $5::jsonb
          WHERE campaign = $1 AND project = $2 AND plan = $3 AND entry = $4`,
        [...this.#key, entry, JSON.stringify([event])],
      ),
    );
  }

  /**
   * Settles a copy (made, or failed for good) and returns how many of the project's copies are still pending,
   * counted under a lock of all of them: of two copy jobs settling the last two copies at once, one sees 0.
   */
  async settle(entry: string, lease: Lease, outcome: { result: CopyResult } | { error: string }): Promise<number> {
    return fenced(this.#db, lease, async (client) => {
      await client.query(
        `SELECT 1 FROM bascule.copies WHERE campaign = $1 AND project = $2 AND plan = $3 FOR UPDATE`,
        this.#key,
      );
      await client.query(
        `UPDATE bascule.copies SET status = $5, result = $6, error = $7
          WHERE campaign = $1 AND project = $2 AND plan = $3 AND entry = $4`,
        [
          ...this.#key,
          entry,
          'result' in outcome ? 'done' : 'failed',
          'result' in outcome ? JSON.stringify(outcome.result) : null,
          'error' in outcome ? outcome.error : null,
        ],
      );
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM bascule.copies
          WHERE campaign = $1 AND project = $2 AND plan = $3 AND status = 'pending'`,
        this.#key,
      );
      return Number(rows[0]!.n);
    });
  }

  /** How many copies are still pending (read only). */
  async pending(): Promise<number> {
    return (await this.rows()).filter((r) => r.status === 'pending').length;
  }
}

/** The apply's hook: the copy made of a server's disk or a volume, from the rows. */
export function preparedFrom(rows: readonly CopyRow[]) {
  return async (what: { type: 'server' | 'volume'; sourceId: string }): Promise<PreparedCopy | undefined> => {
    const row = rows.find((r) => r.status === 'done' && r.item.type === what.type && r.item.sourceId === what.sourceId);
    if (!row?.result) return undefined;
    return { ...row.result, events: row.events };
  };
}

/** The source image an earlier attempt made (snapshot or volume upload), unless it was removed since. */
function earlierSourceImage(events: readonly WorkloadEvent[]): string | undefined {
  const removed = new Set(events.filter((e) => e.event === 'removed').map((e) => e.id));
  return events.find((e) => e.event === 'temporary' && e.side === 'source' && e.type === 'image' && !removed.has(e.id))
    ?.id;
}

/**
 * Runs one copy job (the handler of `bascule worker`'s copy queue). Returns the project's apply job when this
 * copy was its last pending one.
 */
export async function runCopyJob(
  job: QueuedJob,
  ctx: StageWorkerContext,
  /** The project's apply job, queued again once its copies are settled. */
  continueWith: (data: CopyJobData, leaseSeconds: number) => NonNullable<JobOutcome['then']>,
): Promise<JobOutcome> {
  const data = job.data as unknown as CopyJobData;
  const store = new PgCampaignStore(ctx.db, ctx.url, data.campaign, {
    workDir: join(ctx.workDir, data.campaign),
  }).withLease(job.lease, ctx.owner);
  const registered = await store.definition<RegisteredCampaign>();
  const found = registered && allProjects(registered.campaign).find((p) => p.id === data.project);
  if (!registered || !found) return {};
  const state = await store.get(data.project);
  // A copy of an older run (or of a project that failed or was rolled back since) does nothing.
  if (!state || state.run !== data.run || state.status !== 'running') return {};
  const copies = new ProjectCopies(ctx.db, data);
  const row = await copies.row(data.entry);
  if (!row) return {};
  const then = (pending: number): JobOutcome =>
    pending === 0 ? { then: continueWith(data, registered.options.leaseSeconds) } : {};
  // Settled already by a worker that died before completing this job: only what comes next is left to do.
  if (row.status !== 'pending') return then(await copies.pending());
  await copies.attempt(data.entry, job.lease);
  const options = registered.options;
  const env: CampaignEnv = {
    ...ctx.env,
    signal: job.signal,
    beforeMutation: leaseGuard(job.lease, Math.min(30, options.leaseSeconds / 4) * 1000),
    slots: postgresTransferSlots(ctx.db, {
      holder: `${ctx.owner}/${data.project}/${data.entry}`,
      scopes: [
        { scope: `transfer:${data.campaign}`, cap: options.maxTransfers },
        { scope: `transfer:${data.campaign}:source:${found.source.cloud}`, cap: options.maxTransfersPerSource },
      ],
      signal: job.signal,
    }),
  };
  const pipeline = new ProjectPipeline(found, store, env);
  const record = (e: WorkloadEvent) => copies.record(data.entry, job.lease, e);
  try {
    // A target image an earlier attempt made is incomplete (it recorded no result): removed, made again.
    const removed = new Set(row.events.filter((e) => e.event === 'removed').map((e) => e.id));
    for (const e of row.events) {
      if (e.event !== 'temporary' || e.side !== 'target' || removed.has(e.id)) continue;
      if (
        await removeTemporary(await pipeline.target(), {
          imageId: e.id,
          ...(e.type !== 'server' ? { type: e.type } : {}),
        })
      )
        await record({ event: 'removed', side: 'target', type: e.type, id: e.id });
    }
    let earlier = earlierSourceImage(row.events);
    if (!earlier && row.attempts > 0 && row.item.type === 'server') {
      // Killed between its snapshot call and the record of it: the snapshot is found by its marker and plan.
      const left = await findTemporaryImages(await pipeline.source(), new Set([row.item.marker]), job.signal, {
        plan: data.plan,
      });
      const snapshot = left.find(
        (i) => i.name === `bascule-snapshot-${row.item.name}` && !GONE.includes(String(i.status)),
      );
      if (snapshot) {
        await record({
          event: 'temporary',
          side: 'source',
          type: 'image',
          id: snapshot.id,
          what: `snapshot of server ${row.item.name}`,
        });
        earlier = snapshot.id;
      }
    }
    const made = await pipeline.copy(row.item, data.plan, earlier, record);
    return then(await copies.settle(data.entry, job.lease, { result: made }));
  } catch (error) {
    if (isLeaseLost(error) || job.signal.aborted) throw error;
    // Tried again (by any worker) until COPY_ATTEMPTS; then recorded as failed, for the apply to report.
    if (row.attempts + 1 < COPY_ATTEMPTS) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return then(await copies.settle(data.entry, job.lease, { error: message }));
  } finally {
    await pipeline.close();
  }
}
