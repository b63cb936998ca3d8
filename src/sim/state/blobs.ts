import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashPool } from '../../shared/hash-pool.js';
import { Prng, seedFromString } from '../core/prng.js';

export interface BlobInfo {
  size: number;
  md5: string;
  sha512: string;
  /** The first bytes (format inspection: a qcow2 header gives the virtual size). */
  head?: Buffer;
}

export type BlobKind = 'images' | 'volumes' | 'staging' | 'disks' | 'objects';

let pool: HashPool | undefined;

/**
 * The simulated services' own hashing workers, apart from Bascule's (src/shared/hash-pool.ts): a real Glance or
 * Swift hashes on its own host, so the simulator's hashing runs beside the thread that serves the requests (and
 * Bascule's transfers, in one process) rather than on it.
 */
export function simHashPool(): HashPool {
  pool ??= new HashPool();
  return pool;
}

/**
 * Bytes of images, volumes and server disks, one file each under `<dir>/<kind>/<id>`. Everything is streamed:
 * uploads are hashed (md5 for `checksum`, sha512 for multihash) in flight, in a worker thread (a body under 1 MiB on
 * this thread), never held in memory.
 */
export class BlobStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async init(): Promise<void> {
    for (const kind of ['images', 'volumes', 'staging', 'disks', 'objects'])
      await mkdir(join(this.dir, kind), { recursive: true });
  }

  path(kind: BlobKind, id: string): string {
    return join(this.dir, kind, id);
  }

  async exists(kind: BlobKind, id: string): Promise<boolean> {
    return stat(this.path(kind, id)).then(
      () => true,
      () => false,
    );
  }

  /** Streams `source` into the blob, hashing as it goes. */
  async write(kind: BlobKind, id: string, source: Readable | AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    const job = simHashPool().start(['md5', 'sha512']);
    let size = 0;
    let head = Buffer.alloc(0);
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (head.length < 64) head = Buffer.concat([head, chunk.subarray(0, 64 - head.length)]);
        size += chunk.length;
        const wait = job.write(chunk);
        if (wait) wait.then(() => done(null, chunk), done);
        else done(null, chunk);
      },
    });
    try {
      await pipeline(source, hasher, createWriteStream(this.path(kind, id)));
    } catch (error) {
      job.cancel();
      throw error;
    }
    const [md5, sha512] = await job.end();
    return { size, md5: md5!, sha512: sha512!, head };
  }

  /** Copies one blob to another (the OS copies; nothing passes through memory). */
  async copy(fromKind: BlobKind, fromId: string, toKind: BlobKind, toId: string): Promise<void> {
    await copyFile(this.path(fromKind, fromId), this.path(toKind, toId));
  }

  /** Copies and hashes (a volume uploaded to an image needs its checksums). */
  async copyHashed(fromKind: BlobKind, fromId: string, toKind: BlobKind, toId: string): Promise<BlobInfo> {
    return this.write(toKind, toId, createReadStream(this.path(fromKind, fromId)));
  }

  read(kind: BlobKind, id: string): Readable {
    return createReadStream(this.path(kind, id));
  }

  async remove(kind: BlobKind, id: string): Promise<void> {
    await rm(this.path(kind, id), { force: true });
  }

  /** Writes `size` deterministic pseudo-random bytes derived from `seed`. */
  async generate(kind: BlobKind, id: string, size: number, seed: string): Promise<BlobInfo> {
    return this.write(kind, id, Readable.from(deterministicBytes(size, seed)));
  }
}

export function* deterministicBytes(size: number, seed: string): Generator<Buffer> {
  const prng = new Prng(seedFromString(seed));
  const chunkSize = 64 * 1024;
  for (let done = 0; done < size; done += chunkSize) {
    const n = Math.min(chunkSize, size - done);
    const buf = Buffer.allocUnsafe(n + 3);
    for (let i = 0; i < n; i += 4) buf.writeUInt32LE(prng.uint32(), i);
    yield buf.subarray(0, n);
  }
}
