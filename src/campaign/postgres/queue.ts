/**
 * The job queue of a campaign run by several hosts: pg-boss 10 on the campaign's database, plus what it lacks
 * (docs/architecture.md): each job is fenced by a lease generation (lease.ts), completed in the same transaction
 * that checks the lease (a worker that lost its job completes nothing), and handed back on a graceful stop.
 *
 * A job is small (one project stage, one disk copy) and idempotent: its handler resumes from what the store and
 * the project's journal record, so a job run again after its worker died continues where that worker stopped.
 */
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import type pg from 'pg';
import { scrubText } from '../../shared/secret.js';
import { claimLease, confirmLease, fenced, isLeaseLost, releaseLease, type Lease } from './lease.js';
import type { StoreUrl } from './connection.js';
import { withClient } from './client.js';

export interface QueueOptions {
  /** How often a pg-boss supervisor looks for expired jobs (seconds; default 30). */
  maintenanceIntervalSeconds?: number;
  /** How often an idle worker asks for a job (seconds; default 2). */
  pollingIntervalSeconds?: number;
}

export interface JobSpec {
  /** The job's identity in the campaign (one job per key while it is queued or running). */
  key: string;
  /**
   * The lease the job runs under (default: its key). Jobs that work on the same thing one after the other (a
   * project's stages) share one, so that a worker that lost any of them is fenced out of all.
   */
  lease?: string;
  data: Record<string, unknown>;
  /** Its lease: how long a worker may run it before another may take it over. Jobs are sized well inside it. */
  expireInSeconds: number;
  /** Runs after a failure (default 5). */
  retryLimit?: number;
  retryDelaySeconds?: number;
}

/**
 * What a job's handler may ask for when it ends: jobs to queue in the transaction that completes it (a
 * project's next stage). Queued any earlier, the next job could start, and take the shared lease, before this
 * one is completed, fencing this one's completion out; any later, a crash in between would lose it.
 */
export interface JobOutcome {
  then?: { queue: string; jobs: JobSpec[] };
}

export interface QueuedJob {
  id: string;
  key: string;
  data: Record<string, unknown>;
  lease: Lease;
  signal: AbortSignal;
}

/** Starts pg-boss on the campaign database. Its errors are reported scrubbed of the database password. */
export async function startBoss(
  url: StoreUrl,
  options: QueueOptions & { onError?: (message: string) => void } = {},
): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url.connectionString,
    supervise: true,
    schedule: false,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
    max: 4,
  });
  boss.on('error', (error: Error) => options.onError?.(scrubText(error.message)));
  await boss.start();
  return boss;
}

/** Sends one job in the caller's transaction, unless its key was ever queued; true when it was sent. */
async function sendOnce(boss: PgBoss, client: pg.PoolClient, queue: string, job: JobSpec): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO bascule.queued (queue, key) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [queue, job.key],
  );
  if (rowCount !== 1) return false;
  const tx = { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
  await boss.send(
    queue,
    { ...job.data, key: job.key, ...(job.lease !== undefined ? { lease: job.lease } : {}) },
    {
      expireInSeconds: job.expireInSeconds,
      retryLimit: job.retryLimit ?? 5,
      retryDelay: job.retryDelaySeconds ?? 1,
      db: tx,
    },
  );
  return true;
}

/**
 * Puts jobs on a queue (created if missing). A key is queued once for the life of the campaign (recorded in
 * bascule.queued in the transaction that sends the job): enqueueing a campaign twice queues nothing new.
 * pg-boss 10's singleton keys do not give that (a `stately` queue still allows one queued and one active job).
 */
export async function enqueue(boss: PgBoss, db: pg.Pool, queue: string, jobs: readonly JobSpec[]): Promise<number> {
  await boss.createQueue(queue, { name: queue, policy: 'standard' }).catch(() => undefined);
  let queued = 0;
  await withClient(db, async (client) => {
    for (const job of jobs) {
      await client.query('BEGIN');
      if (await sendOnce(boss, client, queue, job)) queued += 1;
      await client.query('COMMIT');
    }
  });
  return queued;
}

export interface WorkerOptions {
  queue: string;
  /**
   * Renew the lease and the pg-boss job's expiry every third of it while the handler runs (default true): a
   * long job stays its worker's while that worker is alive, and a worker that stops (kill -9, SIGSTOP) loses it
   * one expiry later. pg-boss 10 has no heartbeat of its own.
   */
  heartbeat?: boolean;
  /** Jobs run at once by this worker (default 1). */
  concurrency?: number;
  /** The worker's name in leases and events (default host:pid). */
  owner?: string;
  pollingIntervalSeconds?: number;
  onEvent?: (event: {
    type:
      'job.start' | 'job.done' | 'job.failed' | 'job.lost' | 'job.handed-back' | 'fetch.failed' | 'heartbeat.failed';
    key: string;
    message?: string;
  }) => void;
}

/**
 * Runs a queue's jobs on this host until `stop()`: fetches up to `concurrency` jobs, takes each one's lease,
 * runs the handler and completes the job in the transaction that checks the lease. A handler that throws fails
 * the job (pg-boss retries it); one whose lease was lost leaves the job to its new owner.
 */
export class QueueWorker {
  readonly owner: string;
  readonly #boss: PgBoss;
  readonly #db: pg.Pool;
  readonly #options: WorkerOptions;
  /** Resolves to a JobOutcome, or to nothing. */
  readonly #handler: (job: QueuedJob) => Promise<unknown>;
  readonly #running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  #stopping = false;
  #handBack = false;
  #wake: (() => void) | undefined;

  constructor(boss: PgBoss, db: pg.Pool, options: WorkerOptions, handler: (job: QueuedJob) => Promise<unknown>) {
    this.#boss = boss;
    this.#db = db;
    this.#options = options;
    this.#handler = handler;
    this.owner = options.owner ?? `${hostname()}:${process.pid}`;
  }

  get running(): number {
    return this.#running.size;
  }

  /** Fetches and runs jobs until stop() was called and every running job ended. */
  async run(): Promise<void> {
    const concurrency = Math.max(1, this.#options.concurrency ?? 1);
    const poll = (this.#options.pollingIntervalSeconds ?? 2) * 1000;
    while (!this.#stopping) {
      const free = concurrency - this.#running.size;
      let jobs: PgBoss.JobWithMetadata<Record<string, unknown>>[] = [];
      try {
        if (free > 0)
          jobs = await this.#boss.fetch<Record<string, unknown>>(this.#options.queue, {
            batchSize: free,
            includeMetadata: true,
          });
      } catch (error) {
        // The database went away for a moment (a restart, a partition): try again at the next poll.
        this.#options.onEvent?.({ type: 'fetch.failed', key: '', message: scrubText((error as Error).message) });
      }
      for (const job of jobs) this.#start(job);
      if (jobs.length === 0 || this.#running.size >= concurrency)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, poll);
          this.#wake = () => (clearTimeout(timer), resolve());
        });
    }
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  #start(job: PgBoss.JobWithMetadata<Record<string, unknown>>): void {
    const key = String(job.data.key ?? job.id);
    const abort = new AbortController();
    const done = (async () => {
      let lease: Lease | undefined;
      let beat: NodeJS.Timeout | undefined;
      try {
        const ttl = Math.max(1, Number(job.expireInSeconds) || 900);
        lease = await claimLease(this.#db, String(job.data.lease ?? key), this.owner, ttl);
        if (this.#options.heartbeat !== false) beat = this.#heartbeat(job, lease, ttl, abort);
        this.#options.onEvent?.({ type: 'job.start', key });
        const outcome = (await this.#handler({ id: job.id, key, data: job.data, lease, signal: abort.signal })) as
          JobOutcome | undefined;
        clearInterval(beat);
        await this.#finish(job, lease, 'complete', undefined, outcome ?? undefined);
        this.#options.onEvent?.({ type: 'job.done', key });
      } catch (error) {
        // Lost: its lease was taken (a write refused, or the heartbeat found it gone and aborted the handler).
        if (isLeaseLost(error) || isLeaseLost(abort.signal.reason) || !lease) {
          this.#options.onEvent?.({ type: 'job.lost', key, message: scrubText((error as Error).message) });
        } else if (this.#handBack && abort.signal.aborted) {
          await this.#finish(job, lease, 'hand-back').catch(() => undefined);
          this.#options.onEvent?.({ type: 'job.handed-back', key });
        } else {
          const message = scrubText((error as Error).message ?? String(error));
          await this.#finish(job, lease, 'fail', message).catch(() => undefined);
          this.#options.onEvent?.({ type: 'job.failed', key, message });
        }
      } finally {
        clearInterval(beat);
        this.#running.delete(job.id);
        this.#wake?.();
      }
    })();
    this.#running.set(job.id, { abort, done });
  }

  /**
   * Every third of the lease: extends the lease and the job's expiry in pg-boss (its `expire_in`, counted from
   * `started_on`), in one fenced transaction. A lost lease aborts the handler: its writes would be refused anyway.
   */
  #heartbeat(job: PgBoss.Job<Record<string, unknown>>, lease: Lease, ttl: number, abort: AbortController) {
    const beat = setInterval(
      () => {
        const from = performance.now();
        void fenced(this.#db, lease, async (client) => {
          await client.query(
            `UPDATE bascule.leases SET expires_at = clock_timestamp() + make_interval(secs => $2) WHERE job_key = $1`,
            [lease.jobKey, ttl],
          );
          await client.query(
            `UPDATE pgboss.job SET expire_in = (clock_timestamp() - started_on) + make_interval(secs => $3)
            WHERE name = $1 AND id = $2 AND state = 'active'`,
            [this.#options.queue, job.id, ttl],
          );
        })
          .then(() => confirmLease(lease, from, ttl))
          .catch((error: unknown) => {
            if (isLeaseLost(error)) abort.abort(error);
          });
      },
      (ttl * 1000) / 3,
    );
    beat.unref();
    return beat;
  }

  /** Completes, fails or hands back a job, only while its lease is still ours (in the same transaction). */
  async #finish(
    job: PgBoss.Job<Record<string, unknown>>,
    lease: Lease,
    how: 'complete' | 'fail' | 'hand-back',
    message?: string,
    outcome?: JobOutcome,
  ): Promise<void> {
    const queue = this.#options.queue;
    if (outcome?.then)
      await this.#boss
        .createQueue(outcome.then.queue, { name: outcome.then.queue, policy: 'standard' })
        .catch(() => undefined);
    await fenced(this.#db, lease, async (client) => {
      const db = { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
      if (how === 'complete') {
        await this.#boss.complete(queue, job.id, {}, { db });
        for (const next of outcome?.then?.jobs ?? []) await sendOnce(this.#boss, client, outcome!.then!.queue, next);
      } else if (how === 'fail') await this.#boss.fail(queue, job.id, { message }, { db });
      else {
        // Back to the queue at once, without spending a retry: cancelled, then resumed.
        await this.#boss.cancel(queue, job.id, { db });
        await this.#boss.resume(queue, job.id, { db });
      }
    });
    await releaseLease(this.#db, lease);
  }

  /**
   * Graceful stop (SIGTERM): no new job; running jobs get `graceMs` to finish, then are aborted and handed back
   * to the queue (another worker resumes them from the journal).
   */
  async stop(graceMs = 30_000): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    const all = Promise.all([...this.#running.values()].map((r) => r.done));
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([all.then(() => 'done' as const), timer])) === 'timeout') {
      this.#handBack = true;
      for (const r of this.#running.values()) r.abort.abort(new Error('the worker is stopping'));
      await all;
    }
  }
}
