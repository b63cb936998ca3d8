import { getHashes } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { BasculeError } from '../shared/errors.js';
import { hashPool } from '../shared/hash-pool.js';
import type { HashJob, HashPool } from '../shared/hash-pool.js';

/** Glance's multihash default (os_hash_algo) since Rocky. */
export const DEFAULT_MULTIHASH = 'sha512';

export interface Digests {
  bytes: number;
  md5: string;
  multihash?: { algo: string; value: string };
}

/**
 * A pass-through Transform that hashes (md5 for Glance's `checksum`, and a multihash such as sha512)
 * and counts every chunk on its way. The hashing runs in a worker thread beside the copy (src/shared/hash-pool.ts;
 * a stream under 1 MiB is hashed here at its end): each chunk is copied into one of a few staging buffers, so memory
 * does not depend on the stream's size, and when the worker falls behind this stream waits for it, so backpressure
 * reaches the producer from the consumer and from the hash alike. Destroying the stream before its end drops the job
 * in the worker; an error in the worker destroys the stream with it.
 */
export class HashingStream extends Transform {
  readonly algorithm: string | undefined;
  #job: HashJob;
  #bytes = 0;
  #digests: Promise<string[]> | undefined;
  readonly #onBytes: ((total: number) => void) | undefined;

  constructor(
    options: {
      algorithm?: string | null;
      onBytes?: (total: number) => void;
      highWaterMark?: number;
      /** The pool whose workers hash (default the process's). */
      pool?: HashPool;
      /** A stream shorter than this is hashed on this thread (default 1 MiB; 0: always the worker). */
      inlineBelow?: number;
    } = {},
  ) {
    super({ highWaterMark: options.highWaterMark ?? 1 << 20 });
    const algorithm = options.algorithm === undefined ? DEFAULT_MULTIHASH : options.algorithm;
    if (algorithm && isSupportedHash(algorithm)) this.algorithm = algorithm;
    this.#job = (options.pool ?? hashPool()).start(this.algorithm ? ['md5', this.algorithm] : ['md5'], {
      ...(options.inlineBelow !== undefined ? { inlineBelow: options.inlineBelow } : {}),
    });
    this.#onBytes = options.onBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#bytes += chunk.length;
    this.#onBytes?.(this.#bytes);
    const wait = this.#job.write(chunk);
    if (wait) wait.then(() => done(null, chunk), done);
    else done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.#digests = this.#job.end();
    // Awaited by digests(); a stream whose consumer failed after its end may never ask.
    this.#digests.catch(() => undefined);
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (!this.#digests) this.#job.cancel(error ?? undefined);
    done(error);
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Whether the hashing ran in a worker thread (false for a short stream). */
  get offThread(): boolean {
    return this.#job.offThread;
  }

  /** The digests, once the stream has ended (they arrive from the worker); rejects if it did not end or the hash failed. */
  async digests(): Promise<Digests> {
    if (!this.#digests) throw new BasculeError('TRANSFER_STREAM', 'the stream ended before its last byte was hashed');
    const [md5, multi] = await this.#digests;
    const out: Digests = { bytes: this.#bytes, md5: md5! };
    if (multi !== undefined && this.algorithm) out.multihash = { algo: this.algorithm, value: multi };
    return out;
  }
}

let known: Set<string> | undefined;
export function isSupportedHash(algorithm: string): boolean {
  known ??= new Set(getHashes().map((h) => h.toLowerCase()));
  return known.has(algorithm.toLowerCase());
}
