// Workload data on the real OpenStack: an image's bytes moved from src to dst and downloaded back identical,
// and a volume moved through upload-to-image with its bytes intact. Uses Bascule's client for the clouds
// (clouds src and dst of test/e2e/openstack/state/clouds.yaml) and cleans up everything it made.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import { connect } from '../../src/openstack/cloud.js';
import { loadCloudConfig } from '../../src/openstack/config/clouds-yaml.js';
import { isNotFound } from '../../src/openstack/errors.js';
import * as images from '../../src/openstack/image/images/requests.js';
import { waitOrThrow } from '../../src/openstack/waiter.js';
import { removeImageQuietly, transferImage, volumeToImage, waitImageActive } from '../../src/transfer/index.js';
import { cloudsFile, requireCloud } from './support/env.js';

let source: Cloud;
let target: Cloud;
const cleanup: (() => Promise<unknown>)[] = [];
const signal = new AbortController().signal;
const tag = `e2e-transfer-${Date.now().toString(36)}`;

beforeAll(async () => {
  requireCloud();
  source = await connect(await loadCloudConfig('src', { files: [cloudsFile()], env: {} }));
  target = await connect(await loadCloudConfig('dst', { files: [cloudsFile()], env: {} }));
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  await source?.close();
  await target?.close();
});

/** Hashes an image's bytes as they are downloaded (never held whole). */
async function downloadDigest(
  cloud: Cloud,
  id: string,
  onChunk?: (chunk: Buffer, offset: number) => void,
): Promise<{ size: number; sha256: string }> {
  const response = await images.download(cloud.image, id, signal);
  expect(response.status).toBe(200);
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of response.body) {
    const c = chunk as Buffer;
    onChunk?.(c, size);
    hash.update(c);
    size += c.length;
  }
  return { size, sha256: hash.digest('hex') };
}

async function newTargetImage(name: string): Promise<string> {
  const image = await images.create(target.image, {
    name,
    disk_format: 'raw',
    container_format: 'bare',
    bascule_marker: tag,
  });
  cleanup.push(() => removeImageQuietly(target, image.id));
  return image.id;
}

async function deleteVolume(cloud: Cloud, id: string): Promise<void> {
  await volumes.remove(cloud.blockStorage, id).catch((e: unknown) => {
    if (!isNotFound(e)) throw e;
  });
}

describe('workload data on the real OpenStack', () => {
  let sourceImageId = '';
  const bytes = randomBytes(5 * 1024 * 1024 + 123);

  it('moves an image with real bytes from src to dst; the download from dst is identical', async () => {
    const created = await images.create(source.image, {
      name: `${tag}-img`,
      disk_format: 'raw',
      container_format: 'bare',
    });
    sourceImageId = created.id;
    cleanup.push(() => removeImageQuietly(source, created.id));
    await images.upload(source.image, created.id, bytes, bytes.length, signal);
    const original = await waitImageActive(source, created.id, 'source image', signal, 120_000);
    expect(original.checksum).toBe(createHash('md5').update(bytes).digest('hex'));

    const result = await transferImage({
      source,
      sourceImageId: created.id,
      target,
      createTargetImage: () => newTargetImage(`${tag}-img`),
      expected: original,
      label: `image ${tag}-img`,
      signal,
    });
    expect(result.bytes).toBe(bytes.length);
    expect(result.md5).toBe(original.checksum);
    const copy = await images.get(target.image, result.targetImageId, signal);
    expect(copy.status).toBe('active');
    expect(copy.checksum).toBe(original.checksum);
    if (original.os_hash_value) expect(copy.os_hash_value).toBe(original.os_hash_value);
    expect(copy['bascule_marker']).toBe(tag);

    const back = await downloadDigest(target, result.targetImageId);
    expect(back).toEqual({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('moves a volume through upload-to-image with its bytes intact', async () => {
    expect(sourceImageId).not.toBe('');
    // A 1 GiB volume whose first bytes are the image above, the rest zeros.
    const volume = await volumes.create(source.blockStorage, { size: 1, name: `${tag}-vol`, imageRef: sourceImageId });
    cleanup.push(() => deleteVolume(source, volume.id));
    await waitOrThrow(`volume ${tag}-vol`, {
      poll: () => volumes.get(source.blockStorage, volume.id, { signal }),
      status: (v) => v.status,
      ready: ['available'],
      failed: ['error'],
      timeoutMs: 300_000,
      signal,
    });

    const uploaded = await volumeToImage({
      source,
      volumeId: volume.id,
      volumeName: `${tag}-vol`,
      imageName: `${tag}-vol-image`,
      signal,
      timeoutMs: 600_000,
    });
    cleanup.push(() => removeImageQuietly(source, uploaded.imageId));
    expect(uploaded.fingerprint.size).toBe(1024 ** 3);

    const moved = await transferImage({
      source,
      sourceImageId: uploaded.imageId,
      target,
      createTargetImage: () => newTargetImage(`${tag}-vol-image`),
      expected: uploaded.fingerprint,
      label: `volume ${tag}-vol`,
      signal,
    });
    expect(moved.bytes).toBe(1024 ** 3);

    // Recreate the volume on dst from the moved image, upload it back to an image there, and read it:
    // the first bytes must be the original image's, everything after them zero.
    const restored = await volumes.create(target.blockStorage, {
      size: 1,
      name: `${tag}-vol`,
      imageRef: moved.targetImageId,
    });
    cleanup.push(() => deleteVolume(target, restored.id));
    await waitOrThrow(`restored volume ${tag}-vol`, {
      poll: () => volumes.get(target.blockStorage, restored.id, { signal }),
      status: (v) => v.status,
      ready: ['available'],
      failed: ['error'],
      timeoutMs: 300_000,
      signal,
    });
    const check = await volumeToImage({
      source: target,
      volumeId: restored.id,
      volumeName: `${tag}-vol`,
      imageName: `${tag}-vol-check`,
      signal,
      timeoutMs: 600_000,
    });
    cleanup.push(() => removeImageQuietly(target, check.imageId));
    expect(check.fingerprint.checksum).toBe(uploaded.fingerprint.checksum);

    const head = createHash('sha256');
    let nonZeroAfterHead = 0;
    const digest = await downloadDigest(target, check.imageId, (chunk, offset) => {
      const end = offset + chunk.length;
      if (offset < bytes.length) head.update(chunk.subarray(0, Math.min(chunk.length, bytes.length - offset)));
      if (end > bytes.length) {
        const tail = chunk.subarray(Math.max(0, bytes.length - offset));
        for (const b of tail) if (b !== 0) nonZeroAfterHead++;
      }
    });
    expect(digest.size).toBe(1024 ** 3);
    expect(head.digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(nonZeroAfterHead).toBe(0);
  });
});
