/**
 * A bandwidth cap per client, for modelling several worker hosts on one machine: each Keystone user name stands for
 * one host (a worker reads its own clouds.yaml, with its own user), and the image bytes it reads (downloads) and
 * writes (uploads) through Glance each go at most `bytesPerSecond`, shared by all its streams on every cloud of the
 * simulator, as one host's network card would (full duplex: reads and writes apart).
 */
import { Transform, type Readable } from 'node:stream';

export class ClientBandwidth {
  readonly bytesPerSecond: number;
  /** When each client's (user, direction) link is free again (ms, performance.now()). */
  readonly #freeAt = new Map<string, number>();

  constructor(bytesPerSecond: number) {
    if (!(bytesPerSecond > 0)) throw new Error(`bandwidth: ${bytesPerSecond} bytes/s is not a positive rate`);
    this.bytesPerSecond = bytesPerSecond;
  }

  /** `stream`, paced to the cap of `client` in `direction` (each chunk passes once its bytes have had their time). */
  throttle(stream: Readable, client: string, direction: 'read' | 'write'): Readable {
    const key = `${direction}:${client}`;
    const pacer = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        const now = performance.now();
        const start = Math.max(now, this.#freeAt.get(key) ?? 0);
        const end = start + (chunk.length / this.bytesPerSecond) * 1000;
        this.#freeAt.set(key, end);
        setTimeout(() => done(null, chunk), Math.max(0, end - now));
      },
    });
    stream.on('error', (error) => pacer.destroy(error));
    return stream.pipe(pacer);
  }
}
