import { BasculeError } from '../shared/errors.js';
import type { BasculeErrorOptions } from '../shared/errors.js';

/** The bytes that arrived are not the bytes that were sent (md5, multihash or size differ). */
export class TransferChecksumError extends BasculeError {
  constructor(message: string, options: Omit<BasculeErrorOptions, 'exitCode'> = {}) {
    super('TRANSFER_CHECKSUM', message, options);
    this.name = 'TransferChecksumError';
  }
}

/** A transfer that failed for good (after its retries), or a source that has no bytes to send. */
export class TransferError extends BasculeError {
  /** The attempts made before giving up. */
  readonly attempts: number;

  constructor(message: string, attempts: number, options: Omit<BasculeErrorOptions, 'exitCode'> = {}) {
    super('TRANSFER_FAILED', message, options);
    this.name = 'TransferError';
    this.attempts = attempts;
  }
}

/** A snapshot or volume upload that did not become active in time; names the server or volume. */
export class TransferTimeoutError extends BasculeError {
  /** The temporary image that got stuck (already deleted, unless deletion failed). */
  readonly imageId: string | undefined;

  constructor(message: string, imageId: string | undefined, options: Omit<BasculeErrorOptions, 'exitCode'> = {}) {
    super('TRANSFER_TIMEOUT', message, options);
    this.name = 'TransferTimeoutError';
    this.imageId = imageId;
  }
}
