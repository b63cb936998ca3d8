import type { Cloud } from '../openstack/cloud.js';
import { OpenStackHttpError, OpenStackNetworkError } from '../openstack/errors.js';
import * as images from '../openstack/image/images/requests.js';
import type { Image } from '../openstack/image/images/types.js';
import { header } from '../openstack/transport/http.js';
import { backoffDelay, sleep } from '../shared/async.js';
import { AbortedError, BasculeError } from '../shared/errors.js';
import { TransferChecksumError, TransferError } from './errors.js';
import { DEFAULT_MULTIHASH, HashingStream } from './hashing.js';
import type { Digests } from './hashing.js';
import type { ImageFingerprint } from './images.js';
import { removeImageQuietly, waitImageActive } from './images.js';
import { ProgressMeter } from './progress.js';
import type { TransferProgress } from './progress.js';

export type TransferMethod = 'auto' | 'upload' | 'glance-direct';

export interface TransferImageOptions {
  source: Cloud;
  sourceImageId: string;
  target: Cloud;
  /** Creates the (queued) target image with its properties; called again for each attempt. Returns its id. */
  createTargetImage: () => Promise<string>;
  /** What the source's bytes must hash to (from the plan or the source image). Empty fields are not checked. */
  expected: ImageFingerprint;
  /** For messages and progress ("image ubuntu-22.04", "disk of server web-1"). */
  label: string;
  signal: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /** 'auto' (default): plain upload, and the interoperable import when the target refuses uploads. */
  method?: TransferMethod;
  /** How long the target image may take to become active after its bytes arrived. Default 30 min. */
  activeTimeoutMs?: number;
  /** The progress id; default the source image id. */
  id?: string;
  /** First backoff delay between attempts (ms, full jitter, doubling). Default 1000. */
  retryBaseMs?: number;
  /** Random source for the backoff jitter (tests). */
  random?: () => number;
}

export interface TransferImageResult {
  targetImageId: string;
  bytes: number;
  md5: string;
  /** The sha512 of the bytes, when the multihash was sha512 (Glance's default). */
  sha512?: string;
  /** The multihash computed in flight (the source's os_hash_algo, or sha512). */
  multihash?: { algo: string; value: string };
  /** How the bytes went in. */
  method: 'upload' | 'glance-direct';
  /** Attempts used (1 when nothing had to be retried). */
  attempts: number;
}

/** HTTP statuses with which a Glance refuses a plain upload that the interoperable import may still accept. */
const UPLOAD_REFUSED = new Set([403, 409, 415]);

class UploadRefused extends Error {
  readonly original: OpenStackHttpError;
  constructor(original: OpenStackHttpError) {
    super(original.message);
    this.original = original;
  }
}

/**
 * Streams the bytes of a source image into a fresh target image, verifying md5 and the multihash in flight
 * against `expected` and against what the target computed. A mismatch, a broken stream or a server error
 * deletes the target image, waits (capped exponential backoff with jitter) and starts over from the first
 * byte with a new target image, up to `maxAttempts`. Memory stays flat: the download is piped through a
 * hashing Transform straight into the upload's request body, with backpressure end to end; the hashing itself runs in
 * a worker thread beside the copy (HashingStream), its digests checked when the stream has ended.
 */
export async function transferImage(opts: TransferImageOptions): Promise<TransferImageResult> {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
  let method: 'upload' | 'glance-direct' = opts.method === 'glance-direct' ? 'glance-direct' : 'upload';
  let switched = false;
  let lastError: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (opts.signal.aborted) throw new AbortedError(`transfer of ${opts.label} was interrupted`);
    let targetId: string | undefined;
    try {
      targetId = await opts.createTargetImage();
      const result = await attemptOnce(opts, targetId, method);
      return { ...result, targetImageId: targetId, method, attempts: attempt };
    } catch (error) {
      if (targetId !== undefined) await removeImageQuietly(opts.target, targetId, opts.signal);
      if (error instanceof UploadRefused) {
        if (opts.method === 'auto' || opts.method === undefined) {
          if (!switched && (await offersGlanceDirect(opts.target, opts.signal))) {
            opts.target.session.logger.info(
              'target refuses plain uploads; using the interoperable import (glance-direct)',
              { image: opts.label, status: error.original.status },
            );
            method = 'glance-direct';
            switched = true;
            attempt -= 1; // the refusal moved no byte: it does not count as an attempt
            continue;
          }
        }
        throw new TransferError(
          `${opts.label}: the target cloud ${opts.target.name} refused the upload (${error.original.message}) and offers no glance-direct import`,
          attempt,
          { cause: error.original },
        );
      }
      if (opts.signal.aborted || error instanceof AbortedError)
        throw error instanceof AbortedError
          ? error
          : new AbortedError(`transfer of ${opts.label} was interrupted`, { cause: error });
      lastError = error;
      if (!isRetryable(error)) {
        if (error instanceof TransferError) throw error;
        throw new TransferError(
          `${opts.label}: transfer from ${opts.source.name} to ${opts.target.name} failed: ${unprefixed(opts.label, (error as Error).message)}`,
          attempt,
          { cause: error },
        );
      }
      if (attempt < maxAttempts) {
        const wait = backoffDelay(attempt - 1, {
          base: opts.retryBaseMs ?? 1000,
          cap: 30_000,
          ...(opts.random ? { random: opts.random } : {}),
        });
        opts.source.session.logger.warn('image transfer failed; retrying from the start', {
          image: opts.label,
          attempt,
          of: maxAttempts,
          wait_ms: wait,
          error: (error as Error).message,
        });
        await sleep(wait, opts.signal);
      }
    }
  }
  // The last error often names the image too ("volume app-logs: the download broke..."): said once, not twice.
  const reason = unprefixed(opts.label, (lastError as Error | undefined)?.message ?? 'unknown error');
  if (lastError instanceof TransferChecksumError) {
    throw new TransferChecksumError(
      `${opts.label}: the bytes did not verify after ${maxAttempts} attempt(s), each target image was deleted; last: ${reason}`,
      {
        cause: lastError,
        hint: 'the source image may have changed since the plan was exported (re-export it), or its stored data may be corrupt (download it and compare its md5 to its checksum)',
      },
    );
  }
  throw new TransferError(
    `${opts.label}: transfer from ${opts.source.name} to ${opts.target.name} failed after ${maxAttempts} attempt(s); each partial target image was deleted; last: ${reason}`,
    maxAttempts,
    { cause: lastError },
  );
}

async function offersGlanceDirect(target: Cloud, signal: AbortSignal): Promise<boolean> {
  try {
    return (await images.importMethods(target.image, signal)).includes('glance-direct');
  } catch {
    return false;
  }
}

const STREAM_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** What a retry from the first byte may fix: corrupted or broken streams, network failures, server errors. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof AbortedError) return false;
  if (error instanceof TransferChecksumError) return true;
  if (error instanceof OpenStackNetworkError) return true;
  // 401: the token expired as a stream started (a stream is never replayed by the client); the next attempt re-authenticates.
  if (error instanceof OpenStackHttpError)
    return error.status >= 500 || error.status === 401 || error.status === 408 || error.status === 429;
  // The target image went to killed or a failed import, or a wait timed out.
  if (error instanceof BasculeError) return error.code === 'OS_RESOURCE_ERROR' || error.code === 'TRANSFER_STREAM';
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' && (code.startsWith('UND_ERR') || code.startsWith('ERR_STREAM') || STREAM_ERRNOS.has(code))
  );
}

async function attemptOnce(
  opts: TransferImageOptions,
  targetId: string,
  method: 'upload' | 'glance-direct',
): Promise<Omit<TransferImageResult, 'targetImageId' | 'method' | 'attempts'>> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(opts.signal.reason);
  opts.signal.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  try {
    const download = await images.download(opts.source.image, opts.sourceImageId, signal);
    if (download.status === 204) {
      await download.body.dump?.().catch(() => undefined);
      throw new TransferError(
        `${opts.label}: the source image ${opts.sourceImageId} on ${opts.source.name} has no data`,
        1,
      );
    }
    const length = Number(header(download.headers, 'content-length'));
    const total = Number.isFinite(length) && length >= 0 ? length : (opts.expected.size ?? undefined);
    const meter = new ProgressMeter(opts.id ?? opts.sourceImageId, opts.label, total, opts.onProgress);
    const hasher = new HashingStream({
      algorithm: opts.expected.os_hash_algo || DEFAULT_MULTIHASH,
      onBytes: (n) => meter.update(n),
    });
    const body = download.body;
    body.on('error', (error) => hasher.destroy(streamError(opts.label, opts.source.name, error)));
    body.pipe(hasher);
    try {
      if (method === 'upload') {
        try {
          await images.upload(opts.target.image, targetId, hasher, total ?? undefined, signal);
        } catch (error) {
          if (error instanceof OpenStackHttpError && UPLOAD_REFUSED.has(error.status)) throw new UploadRefused(error);
          throw error;
        }
      } else {
        await images.stage(opts.target.image, targetId, hasher, total ?? undefined, signal);
      }
    } finally {
      if (!body.readableEnded) body.destroy();
      hasher.destroy();
    }
    const digests = await hasher.digests();
    meter.finish(digests.bytes);
    checkInFlight(opts, digests);
    if (method === 'glance-direct') await images.importImage(opts.target.image, targetId, 'glance-direct', signal);
    const active = await waitImageActive(
      opts.target,
      targetId,
      `${opts.label}: target image ${targetId} on ${opts.target.name}`,
      signal,
      opts.activeTimeoutMs,
    );
    checkTarget(opts, digests, active);
    const result: Omit<TransferImageResult, 'targetImageId' | 'method' | 'attempts'> = {
      bytes: digests.bytes,
      md5: digests.md5,
    };
    if (digests.multihash) {
      result.multihash = digests.multihash;
      if (digests.multihash.algo === 'sha512') result.sha512 = digests.multihash.value;
    }
    return result;
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
}

/** `message` without a leading "label: " (the caller says the label once, before it). */
export function unprefixed(label: string, message: string): string {
  return message.startsWith(`${label}: `) ? message.slice(label.length + 2) : message;
}

function streamError(label: string, cloud: string, error: Error): BasculeError {
  const code = (error as { code?: unknown }).code;
  return new BasculeError(
    'TRANSFER_STREAM',
    `${label}: the download from ${cloud} broke after it started (${typeof code === 'string' ? code : error.message})`,
    { cause: error },
  );
}

function checkInFlight(opts: TransferImageOptions, digests: Digests): void {
  const e = opts.expected;
  if (e.size != null && digests.bytes !== e.size) {
    throw new TransferChecksumError(
      `${opts.label}: ${digests.bytes} bytes arrived from ${opts.source.name}, expected ${e.size}`,
    );
  }
  if (e.checksum && digests.md5 !== e.checksum.toLowerCase()) {
    throw new TransferChecksumError(
      `${opts.label}: md5 of the bytes read from ${opts.source.name} is ${digests.md5}, expected ${e.checksum}`,
    );
  }
  if (
    e.os_hash_algo &&
    e.os_hash_value &&
    digests.multihash?.algo === e.os_hash_algo &&
    digests.multihash.value !== e.os_hash_value.toLowerCase()
  ) {
    throw new TransferChecksumError(
      `${opts.label}: ${e.os_hash_algo} of the bytes read from ${opts.source.name} differs from the expected os_hash_value`,
    );
  }
}

function checkTarget(opts: TransferImageOptions, digests: Digests, image: Image): void {
  const where = `target image ${image.id} on ${opts.target.name}`;
  if (image.size != null && image.size !== digests.bytes) {
    throw new TransferChecksumError(`${opts.label}: ${where} holds ${image.size} bytes, ${digests.bytes} were sent`);
  }
  if (image.checksum && image.checksum.toLowerCase() !== digests.md5) {
    throw new TransferChecksumError(
      `${opts.label}: ${where} has checksum ${image.checksum}, the bytes sent hash to ${digests.md5}`,
    );
  }
  if (
    image.os_hash_algo &&
    image.os_hash_value &&
    digests.multihash?.algo === image.os_hash_algo &&
    image.os_hash_value.toLowerCase() !== digests.multihash.value
  ) {
    throw new TransferChecksumError(
      `${opts.label}: ${where} has a different ${image.os_hash_algo} (os_hash_value) from the bytes sent`,
    );
  }
}
