// The simulator's blob store hashes what it stores in a worker thread (src/sim/state/blobs.ts): the digests are
// node:crypto's, short and long, and a source that breaks midway fails the write and leaves no job behind.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HASH_CHUNK } from '../../src/shared/hash-pool.js';
import { BlobStore, simHashPool } from '../../src/sim/state/blobs.js';

let dir: string;
let store: BlobStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bascule-blobs-'));
  store = new BlobStore(dir);
  await store.init();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function* chunks(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('BlobStore.write', () => {
  it('stores the bytes and gives their size, md5, sha512 and head, short or long', async () => {
    for (const length of [0, 100, 5 * 1024 * 1024 + 7]) {
      const bytes = randomBytes(length);
      const info = await store.write('images', `i${length}`, Readable.from(chunks(bytes, 65536)));
      expect(info).toEqual({
        size: length,
        md5: createHash('md5').update(bytes).digest('hex'),
        sha512: createHash('sha512').update(bytes).digest('hex'),
        head: bytes.subarray(0, 64),
      });
      expect((await readFile(store.path('images', `i${length}`))).equals(bytes)).toBe(true);
    }
    expect(simHashPool().activeJobs).toBe(0);
  });

  it('fails when its source breaks midway', async () => {
    async function* broken(): AsyncGenerator<Buffer> {
      yield randomBytes(HASH_CHUNK + 1); // past one staging buffer: the job is on the worker
      throw new Error('connection reset by the test');
    }
    const before = simHashPool().offThreadJobs;
    await expect(store.write('images', 'broken', broken())).rejects.toThrow('connection reset by the test');
    expect(simHashPool().offThreadJobs - before).toBe(1);
    expect(simHashPool().activeJobs).toBe(0);
  });
});
