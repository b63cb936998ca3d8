import { createHash, getHashes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

/** Glance's multihash default (os_hash_algo) since Rocky. */
export const DEFAULT_MULTIHASH = 'sha512';

/**
 * A pass-through Transform that hashes (md5 for Glance's `checksum`, and a multihash such as sha512)
 * and counts every chunk on its way. It keeps nothing: memory does not depend on the stream's size,
 * and backpressure from the consumer reaches the producer through it.
 */
export class HashingStream extends Transform {
  readonly algorithm: string | undefined;
  #md5: Hash = createHash('md5');
  #multi: Hash | undefined;
  #bytes = 0;
  readonly #onBytes: ((total: number) => void) | undefined;

  constructor(options: { algorithm?: string | null; onBytes?: (total: number) => void; highWaterMark?: number } = {}) {
    super({ highWaterMark: options.highWaterMark ?? 1 << 20 });
    const algorithm = options.algorithm === undefined ? DEFAULT_MULTIHASH : options.algorithm;
    if (algorithm && isSupportedHash(algorithm)) {
      this.algorithm = algorithm;
      this.#multi = createHash(algorithm);
    }
    this.#onBytes = options.onBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#md5.update(chunk);
    this.#multi?.update(chunk);
    this.#bytes += chunk.length;
    this.#onBytes?.(this.#bytes);
    done(null, chunk);
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The digests; call once, after the stream ended. */
  digests(): { bytes: number; md5: string; multihash?: { algo: string; value: string } } {
    const out: { bytes: number; md5: string; multihash?: { algo: string; value: string } } = {
      bytes: this.#bytes,
      md5: this.#md5.digest('hex'),
    };
    if (this.#multi && this.algorithm) out.multihash = { algo: this.algorithm, value: this.#multi.digest('hex') };
    return out;
  }
}

let known: Set<string> | undefined;
export function isSupportedHash(algorithm: string): boolean {
  known ??= new Set(getHashes().map((h) => h.toLowerCase()));
  return known.has(algorithm.toLowerCase());
}
