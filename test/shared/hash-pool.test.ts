// The hashing worker pool (src/shared/hash-pool.ts): digests equal node:crypto's on this thread whatever the
// chunking, short streams stay inline, at most HASH_DEPTH staging buffers are in flight (back-pressure), a cancelled
// job leaves no work or reference behind, a failing worker fails its jobs (and the next job gets a new one), and a
// process that used the pool exits by itself.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { HASH_CHUNK, HASH_DEPTH, HASH_INLINE_BELOW, HashPool } from '../../src/shared/hash-pool.js';

const MIB = 1024 * 1024;
let pool: HashPool;

afterEach(async () => {
  await pool?.close();
});

function reference(bytes: Buffer): string[] {
  return [createHash('md5').update(bytes).digest('hex'), createHash('sha512').update(bytes).digest('hex')];
}

/** Writes `bytes` in chunks of the given sizes (cycled), waiting where the job asks to. */
async function feed(job: ReturnType<HashPool['start']>, bytes: Buffer, sizes: number[]): Promise<void> {
  let i = 0;
  for (let offset = 0; offset < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    const wait = job.write(bytes.subarray(offset, offset + n));
    if (wait) await wait;
    offset += n;
  }
}

describe('HashPool', () => {
  it('gives the digests node:crypto gives on this thread, for any length and chunking', async () => {
    pool = new HashPool(2);
    for (const length of [
      0,
      1,
      HASH_INLINE_BELOW - 1,
      HASH_INLINE_BELOW,
      HASH_CHUNK - 1,
      HASH_CHUNK,
      HASH_CHUNK + 1,
      9 * MIB + 12345,
    ]) {
      const bytes = randomBytes(length);
      for (const sizes of [[65536], [1, 7000, 3 * MIB], [HASH_CHUNK]]) {
        const job = pool.start(['md5', 'sha512']);
        await feed(job, bytes, sizes);
        expect(await job.end(), `${length} bytes in chunks of ${sizes.join(',')}`).toEqual(reference(bytes));
        expect(job.offThread).toBe(length >= HASH_INLINE_BELOW);
      }
    }
    expect(pool.activeJobs).toBe(0);
  });

  it('sends even a short stream to the worker when inlineBelow is 0', async () => {
    pool = new HashPool(1);
    const bytes = randomBytes(1000);
    const job = pool.start(['md5', 'sha512'], { inlineBelow: 0 });
    job.write(bytes);
    expect(await job.end()).toEqual(reference(bytes));
    expect(job.offThread).toBe(true);
    expect(pool.offThreadJobs).toBe(1);
  });

  it('holds at most HASH_DEPTH buffers in flight: the next write waits for the worker', async () => {
    pool = new HashPool(1);
    const bytes = randomBytes((HASH_DEPTH + 2) * HASH_CHUNK);
    const job = pool.start(['md5', 'sha512']);
    // In one synchronous run no buffer can come back from the worker: the first HASH_DEPTH buffers are taken at
    // once, the next write must wait.
    const answers: (Promise<void> | undefined)[] = [];
    for (let i = 0; i < HASH_DEPTH + 1; i++)
      answers.push(job.write(bytes.subarray(i * HASH_CHUNK, (i + 1) * HASH_CHUNK)));
    expect(answers.slice(0, HASH_DEPTH)).toEqual(new Array(HASH_DEPTH).fill(undefined));
    expect(answers[HASH_DEPTH]).toBeInstanceOf(Promise);
    await answers[HASH_DEPTH];
    await feed(job, bytes.subarray((HASH_DEPTH + 1) * HASH_CHUNK), [HASH_CHUNK]);
    expect(await job.end()).toEqual(reference(bytes));
  });

  it('drops a cancelled job: its waiting write rejects, and it holds the worker no more', async () => {
    pool = new HashPool(1);
    const job = pool.start(['md5', 'sha512']);
    const chunk = randomBytes(HASH_CHUNK);
    let wait: Promise<void> | undefined;
    for (let i = 0; i <= HASH_DEPTH && !wait; i++) wait = job.write(chunk);
    expect(pool.activeJobs).toBe(1);
    job.cancel(new Error('aborted by the test'));
    await expect(wait).rejects.toThrow('aborted by the test');
    await expect(job.end()).rejects.toThrow('aborted by the test');
    expect(pool.activeJobs).toBe(0);
    // The worker goes on serving other jobs.
    const next = pool.start(['md5']);
    next.write(chunk);
    expect(await next.end()).toEqual([createHash('md5').update(chunk).digest('hex')]);
  });

  it('fails every job of a worker that fails, with the reason, and starts a new worker for the next job', async () => {
    pool = new HashPool(1);
    const job = pool.start(['md5', 'sha512']);
    job.write(randomBytes(2 * HASH_CHUNK));
    pool.crashForTests('boom in the worker');
    await expect(job.end()).rejects.toThrow(/the hashing worker thread failed: boom in the worker/);
    expect(pool.running).toBe(0);
    const bytes = randomBytes(2 * HASH_CHUNK);
    const next = pool.start(['md5', 'sha512']);
    await feed(next, bytes, [HASH_CHUNK]);
    expect(await next.end()).toEqual(reference(bytes));
  });

  it('surfaces an error inside the worker (an algorithm it cannot make) as the job rejecting', async () => {
    pool = new HashPool(1);
    const job = pool.start(['md5', 'no-such-hash']);
    const wait = job.write(randomBytes(2 * HASH_CHUNK));
    expect(wait).toBeUndefined();
    await expect(job.end()).rejects.toThrow(/hashing failed in the worker thread: .*no-such-hash|Digest method/i);
    expect(pool.activeJobs).toBe(0);
  });

  it('never keeps a process alive: one that hashed through it, and cancelled a job midway, exits by itself', async () => {
    pool = new HashPool(1);
    const root = join(import.meta.dirname, '..', '..');
    const script = `
      import { hashPool } from './src/shared/hash-pool.ts';
      const pool = hashPool();
      const done = pool.start(['md5', 'sha512']);
      done.write(Buffer.alloc(3 * 1024 * 1024, 1));
      const digests = await done.end();
      const cancelled = pool.start(['md5', 'sha512']);
      cancelled.write(Buffer.alloc(3 * 1024 * 1024, 2));
      cancelled.cancel();
      console.log(JSON.stringify({ md5: digests[0], offThread: done.offThread, running: pool.running }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', './test/support/ts-register.mjs', '--input-type=module', '-e', script],
      { cwd: root, timeout: 20_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      md5: createHash('md5')
        .update(Buffer.alloc(3 * 1024 * 1024, 1))
        .digest('hex'),
      offThread: true,
      running: 1,
    });
    // execFile's timeout would have killed it (and rejected) had a worker kept it alive.
  });
});
