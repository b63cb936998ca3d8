/**
 * Digests (md5, sha512, ...) of a byte stream computed in a worker thread beside the code that moves the bytes, so
 * that the copy and the hash overlap instead of taking turns on one thread (node:crypto's `update` runs on the
 * calling thread, and md5 + sha512 cost about 2.6 ms of CPU per MiB: more than the copy itself).
 *
 * A job copies each chunk into one of a few staging buffers of its own (CHUNK bytes each) and transfers a full
 * buffer to the worker (no second copy), which hashes it and transfers it back. When every buffer is with the worker,
 * `write` returns a promise that settles when one comes back: at most DEPTH buffers per job are in flight, so memory
 * stays flat and a hash that falls behind slows the copy (back-pressure) instead of queueing bytes.
 *
 * A stream shorter than `inlineBelow` (default 1 MiB) is hashed on the calling thread at its end: the worker's
 * messages would cost more than the hash. The workers are shared by all jobs of a pool, started when first
 * needed and unreferenced while no job is running, so they never keep a process alive; a worker that fails fails
 * every job it had (their `write` and `end` reject) and the next job starts a new one.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Bytes per staging buffer (one message to the worker and one back). 4 MiB: in the transfer bench 1 MiB cost a
 * tenth more CPU than hashing inline did (messages and wake-ups), 4 MiB about the same.
 */
export const HASH_CHUNK = 4 << 20;
/** Staging buffers per job: the most bytes a job has in flight is DEPTH x CHUNK (12 MiB). */
export const HASH_DEPTH = 3;
/** A stream shorter than this is hashed inline, at its end (default of HashJobOptions.inlineBelow). */
export const HASH_INLINE_BELOW = 1 << 20;

/**
 * The worker, as a CommonJS script (eval, without the parent's flags such as --input-type or loaders), so that the
 * same code runs from dist/ and from the TypeScript sources
 * under the tests. Messages: start {id, algorithms}; data {id, buffer, length} (buffer transferred, sent back in
 * free); end {id} (answered by done {id, digests}); cancel {id}. An error in a job is answered by error {id, message}.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
const failed = (id, error) => {
  jobs.delete(id);
  parentPort.postMessage({ type: 'error', id, message: error instanceof Error ? error.message : String(error) });
};
parentPort.on('message', (m) => {
  if (m.type === 'start') {
    try {
      jobs.set(m.id, m.algorithms.map((a) => createHash(a)));
    } catch (error) {
      failed(m.id, error);
    }
  } else if (m.type === 'data') {
    const hashes = jobs.get(m.id);
    if (hashes) {
      try {
        const view = new Uint8Array(m.buffer, 0, m.length);
        for (const h of hashes) h.update(view);
      } catch (error) {
        failed(m.id, error);
      }
    }
    parentPort.postMessage({ type: 'free', id: m.id, buffer: m.buffer }, [m.buffer]);
  } else if (m.type === 'end') {
    const hashes = jobs.get(m.id);
    jobs.delete(m.id);
    if (hashes) parentPort.postMessage({ type: 'done', id: m.id, digests: hashes.map((h) => h.digest('hex')) });
  } else if (m.type === 'cancel') {
    jobs.delete(m.id);
  } else if (m.type === 'crash') {
    throw new Error(m.message);
  }
});
`;

type FromWorker =
  | { type: 'free'; id: number; buffer: ArrayBuffer }
  | { type: 'done'; id: number; digests: string[] }
  | { type: 'error'; id: number; message: string };

export interface HashJob {
  /**
   * Hashes `chunk` (copied: the caller may pass it on at once). Returns undefined when it was taken at once, or a
   * promise that settles when the worker has room again (back-pressure), rejecting if the job failed.
   */
  write(chunk: Uint8Array): Promise<void> | undefined;
  /** No more bytes: the hex digests, in the order of the algorithms. */
  end(): Promise<string[]>;
  /** Drops the job (an aborted or failed stream): nothing more is hashed, and a pending write or end rejects. */
  cancel(reason?: Error): void;
  /** Bytes written so far. */
  readonly bytes: number;
  /** Whether the bytes went to a worker (false: hashed on the calling thread, the stream being short). */
  readonly offThread: boolean;
}

export interface HashJobOptions {
  /** A stream whose total stays under this many bytes is hashed on the calling thread. Default HASH_INLINE_BELOW. */
  inlineBelow?: number;
}

class PoolWorker {
  readonly worker: Worker;
  readonly jobs = new Map<number, WorkerJob>();
  #dead = false;

  readonly pool: HashPool;
  readonly index: number;

  constructor(pool: HashPool, index: number) {
    this.pool = pool;
    this.index = index;
    this.worker = new Worker(WORKER_SOURCE, { eval: true, name: 'bascule-hash', execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.jobs.get(m.id)?.receive(m));
    this.worker.on('error', (error) => this.die(error));
    this.worker.on('exit', (code) => this.die(new Error(`it stopped (exit code ${code})`)));
  }

  get dead(): boolean {
    return this.#dead;
  }

  add(job: WorkerJob): void {
    this.jobs.set(job.id, job);
    if (this.jobs.size === 1) this.worker.ref();
  }

  remove(id: number): void {
    if (this.jobs.delete(id) && this.jobs.size === 0) this.worker.unref();
  }

  post(message: object, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }

  private die(error: Error): void {
    if (this.#dead) return;
    this.#dead = true;
    this.pool.forget(this);
    const failure = new Error(`the hashing worker thread failed: ${error.message}`, { cause: error });
    for (const job of [...this.jobs.values()]) job.fail(failure);
    this.jobs.clear();
    void this.worker.terminate().catch(() => undefined);
  }
}

let nextId = 1;

/** A job's state on the calling thread: its staging buffers, its worker once it needs one, its pending promises. */
class WorkerJob implements HashJob {
  readonly id = nextId++;
  #bytes = 0;
  #worker: PoolWorker | undefined;
  /** Staging buffers back from the worker (or never sent). */
  #free: ArrayBuffer[] = [];
  #allocated = 0;
  #current: Uint8Array | undefined;
  #filled = 0;
  #error: Error | undefined;
  #ended = false;
  #waiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  #done: { resolve: (d: string[]) => void; reject: (e: Error) => void } | undefined;

  readonly pool: HashPool;
  readonly algorithms: readonly string[];
  readonly inlineBelow: number;

  constructor(pool: HashPool, algorithms: readonly string[], inlineBelow: number) {
    this.pool = pool;
    this.algorithms = algorithms;
    this.inlineBelow = inlineBelow;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get offThread(): boolean {
    return this.#worker !== undefined;
  }

  write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.reject(new Error('write after end'));
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.#current) {
        const buffer = this.#free.pop() ?? (this.#allocated < HASH_DEPTH ? this.#allocate() : undefined);
        if (!buffer) {
          const rest = chunk.subarray(offset);
          return new Promise<void>((resolve, reject) => {
            this.#waiter = { resolve, reject };
          }).then(() => this.write(rest));
        }
        this.#current = new Uint8Array(buffer);
        this.#filled = 0;
      }
      const n = Math.min(chunk.length - offset, HASH_CHUNK - this.#filled);
      this.#current.set(offset === 0 && n === chunk.length ? chunk : chunk.subarray(offset, offset + n), this.#filled);
      this.#filled += n;
      this.#bytes += n;
      offset += n;
      if (this.#filled === HASH_CHUNK) this.#send();
    }
    return undefined;
  }

  end(): Promise<string[]> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.reject(new Error('end called twice'));
    this.#ended = true;
    if (!this.#worker && this.#bytes < this.inlineBelow) {
      // Short: hash here, now (what is staged is the whole stream).
      const hashes = this.algorithms.map((a) => createHash(a));
      const staged = this.#current?.subarray(0, this.#filled);
      if (staged) for (const h of hashes) h.update(staged);
      return Promise.resolve(hashes.map((h) => h.digest('hex')));
    }
    const done = new Promise<string[]>((resolve, reject) => {
      this.#done = { resolve, reject };
    });
    if (this.#filled > 0 || !this.#worker) this.#send();
    this.#worker!.post({ type: 'end', id: this.id });
    return done;
  }

  cancel(reason?: Error): void {
    if (this.#error) return;
    this.fail(reason ?? new Error('the hash was cancelled'));
    this.#worker?.post({ type: 'cancel', id: this.id });
  }

  /** Sends the current staging buffer (starting the job on a worker first if it has none yet). */
  #send(): void {
    if (!this.#worker) {
      this.#worker = this.pool.pick();
      this.pool.offThreadJobs += 1;
      this.#worker.add(this);
      this.#worker.post({ type: 'start', id: this.id, algorithms: this.algorithms });
    }
    const buffer = (this.#current ?? new Uint8Array(0)).buffer as ArrayBuffer;
    this.#worker.post({ type: 'data', id: this.id, buffer, length: this.#filled }, [buffer]);
    this.#current = undefined;
    this.#filled = 0;
  }

  #allocate(): ArrayBuffer {
    this.#allocated += 1;
    return new ArrayBuffer(HASH_CHUNK);
  }

  receive(m: FromWorker): void {
    if (m.type === 'free') {
      if (this.#error) return;
      this.#free.push(m.buffer);
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter?.resolve();
    } else if (m.type === 'done') {
      this.#worker?.remove(this.id);
      this.#done?.resolve(m.digests);
      this.#done = undefined;
    } else {
      this.fail(new Error(`hashing failed in the worker thread: ${m.message}`));
    }
  }

  /** Settles everything pending with `error`; the job is over. */
  fail(error: Error): void {
    if (this.#error) return;
    this.#error = error;
    this.#worker?.remove(this.id);
    this.#free = [];
    this.#current = undefined;
    const waiter = this.#waiter;
    const done = this.#done;
    this.#waiter = undefined;
    this.#done = undefined;
    waiter?.reject(error);
    done?.reject(error);
  }
}

/** Worker threads that hash for the jobs started on them; see the module's comment. */
export class HashPool {
  readonly size: number;
  /** Jobs that went to a worker since the pool was made (the others were short and hashed inline). */
  offThreadJobs = 0;
  #workers: (PoolWorker | undefined)[] = [];

  /** `size`: the most workers; default one per core but one, between 1 and 4. */
  constructor(size?: number) {
    this.size = Math.max(1, size ?? Math.min(4, availableParallelism() - 1));
  }

  /** A new job; its first full staging buffer (or its end, past `inlineBelow`) puts it on a worker. */
  start(algorithms: readonly string[], options: HashJobOptions = {}): HashJob {
    return new WorkerJob(this, [...algorithms], Math.min(options.inlineBelow ?? HASH_INLINE_BELOW, HASH_CHUNK));
  }

  /** The worker with the fewest jobs (started when a slot has none). */
  pick(): PoolWorker {
    let best: PoolWorker | undefined;
    for (let i = 0; i < this.size; i++) {
      const w = this.#workers[i];
      if (!w) {
        const fresh = new PoolWorker(this, i);
        this.#workers[i] = fresh;
        return fresh;
      }
      if (!best || w.jobs.size < best.jobs.size) best = w;
    }
    return best!;
  }

  forget(worker: PoolWorker): void {
    if (this.#workers[worker.index] === worker) this.#workers[worker.index] = undefined;
  }

  /** Workers running now (tests: none is left behind). */
  get running(): number {
    return this.#workers.filter((w) => w && !w.dead).length;
  }

  /** Jobs holding a worker now (tests: an aborted stream leaves none). */
  get activeJobs(): number {
    return this.#workers.reduce((n, w) => n + (w?.jobs.size ?? 0), 0);
  }

  /** Makes every worker throw (tests: a failing worker fails its jobs). */
  crashForTests(message: string): void {
    for (const w of this.#workers) w?.post({ type: 'crash', message });
  }

  /** Stops the workers (their jobs fail). */
  async close(): Promise<void> {
    const workers = this.#workers.filter((w): w is PoolWorker => w !== undefined);
    this.#workers = [];
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

let shared: HashPool | undefined;

/** The process's pool for Bascule's own transfers. */
export function hashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}
