/**
 * Workload data: image bytes, server disks and volumes, streamed from a source cloud to a target cloud
 * through the public APIs and verified end to end. See docs/workload-data.md.
 */
export { TransferChecksumError, TransferError, TransferTimeoutError } from './errors.js';
export { DEFAULT_MULTIHASH, HashingStream } from './hashing.js';
export { transferImage, isRetryable } from './image-transfer.js';
export type { TransferImageOptions, TransferImageResult, TransferMethod } from './image-transfer.js';
export { IMAGE_MARKER_PROPERTY, fingerprintOf, removeImageQuietly, sameBytes, waitImageActive } from './images.js';
export type { ImageFingerprint } from './images.js';
export { TransferManager } from './manager.js';
export type { OverallProgress, TransferSlots } from './manager.js';
export { ProgressMeter } from './progress.js';
export type { TransferProgress } from './progress.js';
export { snapshotServer, volumeToImage } from './snapshot.js';
export type { SnapshotResult } from './snapshot.js';
export { TEMPORARY_PROPERTY, WorkloadMover, findTemporaryImages } from './workload.js';
export type { TemporaryImage, WorkloadOptions } from './workload.js';
