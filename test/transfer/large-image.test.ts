import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as images from '../../src/openstack/image/images/requests.js';
import { transferImage } from '../../src/transfer/index.js';
import { FakeCloud } from './fake-cloud.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

let src: FakeCloud;
let dst: FakeCloud;
let source: Cloud;
let target: Cloud;

beforeAll(async () => {
  src = await FakeCloud.start('src');
  dst = await FakeCloud.start('dst');
  dst.keepLimit = 0; // the target hashes what it receives and keeps nothing
  source = src.client();
  target = dst.client();
});

afterAll(async () => {
  await source.close();
  await target.close();
  await src.stop();
  await dst.stop();
});

describe('a 1 GiB image', () => {
  it('moves with flat memory: peak RSS growth stays far below the image size', async () => {
    // The source's bytes are generated on the fly, 1 MiB at a time: no buffer of the image exists anywhere.
    const original = src.addImage(
      { name: 'big', disk_format: 'raw', container_format: 'bare' },
      { size: GIB, seed: 42 },
    );
    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 25);
    const started = Date.now();
    try {
      const result = await transferImage({
        source,
        sourceImageId: original.id,
        target,
        createTargetImage: async () =>
          (await images.create(target.image, { name: 'big', disk_format: 'raw', container_format: 'bare' })).id,
        expected: original,
        label: 'image big',
        signal: new AbortController().signal,
        onProgress: () => {
          peak = Math.max(peak, process.memoryUsage().rss);
        },
      });
      const seconds = (Date.now() - started) / 1000;
      const growth = peak - baseline;
      console.log(
        `1 GiB transfer: ${seconds.toFixed(1)} s, ${(GIB / MIB / seconds).toFixed(0)} MiB/s, RSS baseline ${(baseline / MIB).toFixed(0)} MiB, peak ${(peak / MIB).toFixed(0)} MiB, growth ${(growth / MIB).toFixed(0)} MiB`,
      );
      expect(result.bytes).toBe(GIB);
      expect(result.md5).toBe(original.checksum);
      const copy = dst.images.get(result.targetImageId)!;
      expect(copy.size).toBe(GIB);
      expect(copy.checksum).toBe(original.checksum);
      expect(copy.os_hash_value).toBe(original.os_hash_value);
      expect(growth).toBeLessThan(300 * MIB);
    } finally {
      clearInterval(sampler);
    }
  }, 300_000);
});
