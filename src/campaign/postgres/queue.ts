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
import { claimLease, fenced, isLeaseLost, releaseLease, type Lease } from './lease.js';
import type { StoreUrl } from './connection.js';

export interface QueueOptions {
  /** How often a pg-boss supervisor looks for expired jobs (seconds; default 30). */
  maintenanceIntervalSeconds?: number;
  /** How often an idle worker asks for a job (seconds; default 2). */
  pollingIntervalSeconds?: number;
}

export interface JobSpec {
  /** The job's identity in the campaign (one job per key while it is queued or running). */
  key: string;
  data: Record<string, unknown>;
  /** Its lease: how long a worker may run it before another may take it over. Jobs are sized well inside it. */
  expireInSeconds: number;
  /** Runs after a failure (default 5). */
  retryLimit?: number;
  retryDelaySeconds?: number;
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

/**
 * Puts jobs on a queue (created if missing). A key is queued once for the life of the campaign (recorded in
 * bascule.queued in the transaction that sends the job): enqueueing a campaign twice queues nothing new.
 * pg-boss 10's singleton keys do not give that (a `stately` queue still allows one queued and one active job).
 */
export async function enqueue(boss: PgBoss, db: pg.Pool, queue: string, jobs: readonly JobSpec[]): Promise<number> {
  await boss.createQueue(queue, { name: queue, policy: 'standard' }).catch(() => undefined);
  let queued = 0;
  const client = await db.connect();
  try {
    for (const job of jobs) {
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        `INSERT INTO bascule.queued (queue, key) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [queue, job.key],
      );
      if (rowCount === 1) {
        const tx = { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
        await boss.send(
          queue,
          { ...job.data, key: job.key },
          {
            expireInSeconds: job.expireInSeconds,
            retryLimit: job.retryLimit ?? 5,
            retryDelay: job.retryDelaySeconds ?? 1,
            db: tx,
          },
        );
        queued += 1;
      }
      await client.query('COMMIT');
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return queued;
}

export interface WorkerOptions {
  queue: string;
  /** Jobs run at once by this worker (default 1). */
  concurrency?: number;
  /** The worker's name in leases and events (default host:pid). */
  owner?: string;
  pollingIntervalSeconds?: number;
  onEvent?: (event: {
    type: 'job.start' | 'job.done' | 'job.failed' | 'job.lost' | 'job.handed-back' | 'fetch.failed';
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
  readonly #handler: (job: QueuedJob) => Promise<void>;
  readonly #running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  #stopping = false;
  #handBack = false;
  #wake: (() => void) | undefined;

  constructor(boss: PgBoss, db: pg.Pool, options: WorkerOptions, handler: (job: QueuedJob) => Promise<void>) {
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
      try {
        lease = await claimLease(this.#db, key, this.owner, Math.max(1, Number(job.expireInSeconds) || 900));
        this.#options.onEvent?.({ type: 'job.start', key });
        await this.#handler({ id: job.id, key, data: job.data, lease, signal: abort.signal });
        await this.#finish(job, lease, 'complete');
        this.#options.onEvent?.({ type: 'job.done', key });
      } catch (error) {
        if (isLeaseLost(error) || !lease) {
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
        this.#running.delete(job.id);
        this.#wake?.();
      }
    })();
    this.#running.set(job.id, { abort, done });
  }

  /** Completes, fails or hands back a job, only while its lease is still ours (in the same transaction). */
  async #finish(
    job: PgBoss.Job<Record<string, unknown>>,
    lease: Lease,
    how: 'complete' | 'fail' | 'hand-back',
    message?: string,
  ): Promise<void> {
    const queue = this.#options.queue;
    await fenced(this.#db, lease, async (client) => {
      const db = { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
      if (how === 'complete') await this.#boss.complete(queue, job.id, {}, { db });
      else if (how === 'fail') await this.#boss.fail(queue, job.id, { message }, { db });
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
