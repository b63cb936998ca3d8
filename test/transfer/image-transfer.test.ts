import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as images from '../../src/openstack/image/images/requests.js';
import { hashPool } from '../../src/shared/hash-pool.js';
import { TransferChecksumError, TransferError, removeImageQuietly, transferImage } from '../../src/transfer/index.js';
import type { TransferImageOptions, TransferProgress } from '../../src/transfer/index.js';
import { FakeCloud } from './fake-cloud.js';

let src: FakeCloud;
let dst: FakeCloud;
let source: Cloud;
let target: Cloud;

beforeEach(async () => {
  src = await FakeCloud.start('src');
  dst = await FakeCloud.start('dst');
  source = src.client();
  target = dst.client();
});

afterEach(async () => {
  await source.close();
  await target.close();
  await src.stop();
  await dst.stop();
});

const signal = () => new AbortController().signal;

/** What every transfer here shares: from `src` to `target`, checked against the image itself, labelled `image img`. */
function transferTo(
  image: { id: string } & TransferImageOptions['expected'],
  createTargetImage: () => Promise<string>,
  over: Partial<Pick<TransferImageOptions, 'expected' | 'label' | 'signal'>> = {},
): TransferImageOptions {
  return {
    source,
    sourceImageId: image.id,
    target,
    createTargetImage,
    expected: image,
    label: 'image img',
    signal: signal(),
    ...over,
  };
}

function creator(name = 'copy') {
  const created: string[] = [];
  const fn = async () => {
    const image = await images.create(target.image, {
      name,
      disk_format: 'qcow2',
      container_format: 'bare',
      bascule_marker: 'bascule:test',
    });
    created.push(image.id);
    return image.id;
  };
  return { fn, created };
}

describe('transferImage', () => {
  it('moves the real bytes, verifies them and reports progress', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const original = src.addImage({ name: 'cirros' }, bytes);
    const { fn, created } = creator();
    const seen: TransferProgress[] = [];
    const result = await transferImage({
      ...transferTo(original, fn, { label: 'image cirros' }),
      onProgress: (p) => seen.push(p),
    });
    expect(created).toHaveLength(1);
    expect(result.targetImageId).toBe(created[0]);
    expect(result.bytes).toBe(bytes.length);
    expect(result.md5).toBe(original.checksum);
    expect(result.sha512).toBe(original.os_hash_value);
    expect(result.method).toBe('upload');
    expect(result.attempts).toBe(1);
    expect(dst.bytesOf(result.targetImageId)!.equals(bytes)).toBe(true);
    const copy = dst.images.get(result.targetImageId)!;
    expect(copy.status).toBe('active');
    expect(copy.bascule_marker).toBe('bascule:test');
    const last = seen.at(-1)!;
    expect(last.bytesDone).toBe(bytes.length);
    expect(last.bytesTotal).toBe(bytes.length);
    expect(last.label).toBe('image cirros');
  });

  it('deletes the target and retries when the bytes read do not match the expected checksum', async () => {
    const bytes = randomBytes(1024 * 1024);
    const original = src.addImage({ name: 'img' }, bytes);
    src.faults.corruptDownloads = 1;
    const { fn, created } = creator();
    const result = await transferImage({
      ...transferTo(original, fn),
      retryBaseMs: 1,
    });
    expect(result.attempts).toBe(2);
    expect(created).toHaveLength(2);
    expect(dst.images.has(created[0]!)).toBe(false);
    expect(dst.requests).toContain(`DELETE /image/v2/images/${created[0]}`);
    expect(dst.bytesOf(result.targetImageId)!.equals(bytes)).toBe(true);
  });

  it('retries when the target computed a different checksum from the bytes sent', async () => {
    const original = src.addImage({ name: 'img' }, randomBytes(200_000));
    dst.faults.corruptStores = 1;
    const { fn, created } = creator();
    const result = await transferImage({
      ...transferTo(original, fn, { expected: {} }),
      retryBaseMs: 1,
    });
    expect(result.attempts).toBe(2);
    expect(dst.images.has(created[0]!)).toBe(false);
    expect(dst.images.get(result.targetImageId)!.checksum).toBe(original.checksum);
  });

  it('fails clearly when the mismatch persists, leaving no target image behind', async () => {
    const original = src.addImage({ name: 'img' }, randomBytes(100_000));
    src.faults.corruptDownloads = 10;
    const { fn, created } = creator();
    const error = await transferImage({
      ...transferTo(original, fn),
      retryBaseMs: 1,
      maxAttempts: 3,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferChecksumError);
    expect((error as TransferChecksumError).code).toBe('TRANSFER_CHECKSUM');
    expect((error as Error).message).toMatch(
      /image img: the bytes did not verify after 3 attempt\(s\).*md5 of the bytes read from src is [0-9a-f]{32}, expected [0-9a-f]{32}/,
    );
    expect(created).toHaveLength(3);
    expect(dst.images.size).toBe(0);
  });

  it('restarts from the first byte after a connection dropped mid-stream and removes the partial image', async () => {
    const bytes = randomBytes(4 * 1024 * 1024);
    const original = src.addImage({ name: 'img' }, bytes);
    src.faults.dropDownload = { afterBytes: 1_500_000, count: 1 };
    const { fn, created } = creator();
    const result = await transferImage({
      ...transferTo(original, fn),
      retryBaseMs: 1,
    });
    expect(result.attempts).toBe(2);
    expect(created).toHaveLength(2);
    expect(dst.images.has(created[0]!)).toBe(false);
    expect(src.requests.filter((r) => r === `GET /image/v2/images/${original.id}/file`)).toHaveLength(2);
    expect(dst.bytesOf(result.targetImageId)!.equals(bytes)).toBe(true);
    expect([...dst.images.keys()]).toEqual([result.targetImageId]);
  });

  it('gives up after maxAttempts broken streams with a clear error', async () => {
    const original = src.addImage({ name: 'img' }, randomBytes(2 * 1024 * 1024));
    src.faults.dropDownload = { afterBytes: 500_000, count: 5 };
    const { fn } = creator();
    const error = await transferImage({
      ...transferTo(original, fn),
      retryBaseMs: 1,
      maxAttempts: 2,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as Error).message).toMatch(/image img: transfer from src to dst failed after 2 attempt\(s\)/);
    expect(dst.images.size).toBe(0);
  });

  it('uses the interoperable import (stage + glance-direct) when the target refuses uploads', async () => {
    const bytes = randomBytes(600_000);
    const original = src.addImage({ name: 'img' }, bytes);
    dst.faults.uploadDisabled = true;
    const { fn, created } = creator();
    const result = await transferImage({
      ...transferTo(original, fn),
    });
    expect(result.method).toBe('glance-direct');
    expect(result.attempts).toBe(1);
    expect(created).toHaveLength(2);
    expect(dst.requests).toContain(`PUT /image/v2/images/${result.targetImageId}/stage`);
    expect(dst.requests).toContain(`POST /image/v2/images/${result.targetImageId}/import`);
    expect(dst.images.get(result.targetImageId)!.status).toBe('active');
    expect(dst.bytesOf(result.targetImageId)!.equals(bytes)).toBe(true);
  });

  it('says so when the target refuses uploads and offers no import', async () => {
    const original = src.addImage({ name: 'img' }, randomBytes(1000));
    dst.faults.uploadDisabled = true;
    dst.importMethods = [];
    const { fn } = creator();
    const error = await transferImage({
      ...transferTo(original, fn),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as Error).message).toMatch(/refused the upload.*offers no glance-direct import/);
    expect(dst.images.size).toBe(0);
  });

  it('fails at once, without retrying, when the source image has no data', async () => {
    const empty = src.addImage({ name: 'empty' }, Buffer.alloc(0));
    src.data.delete(empty.id);
    const { fn, created } = creator();
    const error = await transferImage({
      ...transferTo(empty, fn, { expected: {}, label: 'image empty' }),
      retryBaseMs: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as Error).message).toBe(`image empty: the source image ${empty.id} on src has no data`);
    expect(created).toHaveLength(1);
    expect(dst.images.size).toBe(0);
  });

  it('stops on abort without retrying and removes the partial image', async () => {
    const original = src.addImage({ name: 'img' }, { size: 256 * 1024 * 1024, seed: 7 });
    const controller = new AbortController();
    const { fn } = creator();
    const running = transferImage({
      ...transferTo(original, fn, { signal: controller.signal }),
      onProgress: (p) => {
        if (p.bytesDone > 8 * 1024 * 1024) controller.abort();
      },
    });
    const error = await running.catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('ABORTED');
    expect(dst.images.size).toBe(0);
  });
});

describe('transferImage, hashing in the worker thread', () => {
  it('catches a corrupted download through the worker as before, and verifies the retry', async () => {
    const bytes = randomBytes(6 * 1024 * 1024 + 5);
    const original = src.addImage({ name: 'img' }, bytes);
    const before = hashPool().offThreadJobs;
    src.faults.corruptDownloads = 2;
    const { fn, created } = creator();
    const options = {
      ...transferTo(original, fn),
      retryBaseMs: 1,
    };
    const error = await transferImage({ ...options, maxAttempts: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferChecksumError);
    expect((error as Error).message).toMatch(
      /image img: the bytes did not verify after 2 attempt\(s\).*md5 of the bytes read from src is [0-9a-f]{32}, expected [0-9a-f]{32}/,
    );
    expect(dst.images.size).toBe(0);
    // Both attempts were hashed in the worker, and neither holds it now.
    expect(hashPool().offThreadJobs - before).toBe(2);
    expect(hashPool().activeJobs).toBe(0);
    const result = await transferImage(options);
    expect(result.md5).toBe(original.checksum);
    expect(result.sha512).toBe(original.os_hash_value);
    expect(dst.bytesOf(result.targetImageId)!.equals(bytes)).toBe(true);
    expect(created).toHaveLength(3);
    expect(hashPool().offThreadJobs - before).toBe(3);
  });

  it('ends the worker job of an aborted copy', async () => {
    const original = src.addImage({ name: 'img' }, { size: 256 * 1024 * 1024, seed: 9 });
    const controller = new AbortController();
    const before = hashPool().offThreadJobs;
    let jobsWhileRunning = 0;
    const error = await transferImage({
      ...transferTo(original, creator().fn, { signal: controller.signal }),
      onProgress: (p) => {
        if (p.bytesDone > 8 * 1024 * 1024 && !controller.signal.aborted) {
          jobsWhileRunning = hashPool().activeJobs;
          controller.abort();
        }
      },
    }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('ABORTED');
    expect(hashPool().offThreadJobs - before).toBe(1);
    expect(jobsWhileRunning).toBe(1);
    // The job is gone from the worker, which no longer holds the process open.
    expect(hashPool().activeJobs).toBe(0);
    expect(dst.images.size).toBe(0);
  });

  it('fails the attempt with the reason when the hashing worker fails; the retry gets a new worker', async () => {
    const original = src.addImage({ name: 'img' }, { size: 256 * 1024 * 1024, seed: 3 });
    // Each attempt reports its progress from 0: the worker is made to fail once per attempt, past 8 MiB.
    let crashedAt = -1;
    let attempt = 0;
    let crashes = 2;
    const options = {
      source,
      sourceImageId: original.id,
      target,
      createTargetImage: async () => {
        attempt += 1;
        return creator().fn();
      },
      expected: original,
      label: 'image img',
      signal: signal(),
      retryBaseMs: 1,
      onProgress: (p: TransferProgress) => {
        if (p.bytesDone > 8 * 1024 * 1024 && p.bytesDone < original.size! && crashedAt < attempt && crashes > 0) {
          crashedAt = attempt;
          crashes -= 1;
          hashPool().crashForTests('out of memory in the test');
        }
      },
    };
    const error = await transferImage({ ...options, maxAttempts: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as Error).message).toMatch(
      /^image img: transfer from src to dst failed after 2 attempt\(s\); each partial target image was deleted; last: .*the hashing worker thread failed: out of memory in the test/,
    );
    expect(dst.images.size).toBe(0);
    expect(hashPool().activeJobs).toBe(0);
    // Once: the second attempt hashes in a new worker and succeeds.
    crashes = 1;
    crashedAt = -1;
    attempt = 0;
    const result = await transferImage(options);
    expect(result.attempts).toBe(2);
    expect(result.md5).toBe(original.checksum);
    expect(hashPool().running).toBe(1);
  });
});

describe('removeImageQuietly', () => {
  it('removes a protected image and treats a missing one as removed', async () => {
    const image = dst.addImage({ name: 'p', protected: true }, randomBytes(10));
    expect(await removeImageQuietly(target, image.id)).toBe(true);
    expect(dst.images.has(image.id)).toBe(false);
    expect(await removeImageQuietly(target, image.id)).toBe(true);
  });
});

describe('isRetryable', () => {
  it('retries broken streams, network and server errors, and nothing else', async () => {
    const { isRetryable } = await import('../../src/transfer/index.js');
    const { OpenStackHttpError, OpenStackNetworkError } = await import('../../src/openstack/errors.js');
    const { AbortedError } = await import('../../src/shared/errors.js');
    const http = (status: number) =>
      new OpenStackHttpError('OS_HTTP_ERROR', 'x', {
        status,
        method: 'PUT',
        url: '/v2/images/x/file',
        service: 'image',
      });
    expect(isRetryable(new TransferChecksumError('x'))).toBe(true);
    expect(isRetryable(new OpenStackNetworkError('x', { service: 'image', method: 'PUT', url: '/' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('closed'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }))).toBe(true);
    expect([500, 502, 503, 401, 408, 429].map((s) => isRetryable(http(s)))).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect([400, 403, 404, 409, 413].map((s) => isRetryable(http(s)))).toEqual([false, false, false, false, false]);
    expect(isRetryable(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toBe(false);
    expect(isRetryable(new AbortedError())).toBe(false);
    expect(isRetryable(new TransferError('x', 1))).toBe(false);
  });
});
