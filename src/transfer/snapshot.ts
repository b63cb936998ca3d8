import type { Cloud } from '../openstack/cloud.js';
import * as snapshots from '../openstack/block-storage/snapshots/requests.js';
import * as volumes from '../openstack/block-storage/volumes/requests.js';
import type { Volume } from '../openstack/block-storage/volumes/types.js';
import * as servers from '../openstack/compute/servers/requests.js';
import type { Server } from '../openstack/compute/servers/types.js';
import { isHttpError, isNotFound } from '../openstack/errors.js';
import * as images from '../openstack/image/images/requests.js';
import type { Image } from '../openstack/image/images/types.js';
import { WAITER_STATE, waitFor, waitOrThrow } from '../openstack/waiter.js';
import { AbortedError, BasculeError } from '../shared/errors.js';
import { TransferTimeoutError } from './errors.js';
import type { ImageFingerprint } from './images.js';
import { fingerprintOf, removeImageQuietly } from './images.js';

const DEFAULT_IMAGE_TIMEOUT_MS = 60 * 60_000;
const POWER_TIMEOUT_MS = 10 * 60_000;
const VOLUME_TIMEOUT_MS = 30 * 60_000;

export interface SnapshotResult {
  /** The snapshot image on the source: temporary, the caller journals and removes it. */
  imageId: string;
  /** True when the server was running while its disk was copied (a crash-consistent copy). */
  crashConsistent: boolean;
  fingerprint: ImageFingerprint;
  /** Whether the server was stopped for the snapshot, and whether it was started again. */
  stopped: boolean;
  restarted: boolean;
}

/**
 * Snapshots an image-backed source server (Nova createImage) and waits until the image is active.
 * consistency 'stop': a running server is stopped first (status SHUTOFF), snapshotted, and started again
 * afterwards only when `restartSource` is set (also when the snapshot failed). 'live': the running server
 * is snapshotted as it is, and the result says the copy is crash-consistent.
 * A snapshot that does not become active in time (Nova's stock fake driver leaves it queued) is deleted
 * and ends in a TransferTimeoutError naming the server.
 */
export async function snapshotServer(opts: {
  source: Cloud;
  serverId: string;
  serverName: string;
  imageName: string;
  consistency: 'stop' | 'live';
  restartSource: boolean;
  signal: AbortSignal;
  timeoutMs?: number;
  /** Properties set on the snapshot image (Nova copies them into it): e.g. Bascule's marker. */
  metadata?: Record<string, string>;
  /** Called as soon as the snapshot image exists (its ID known), before waiting for it: journal it there. */
  onImage?: (imageId: string) => void | Promise<void>;
}): Promise<SnapshotResult> {
  const { source, signal } = opts;
  const who = `server ${opts.serverName} (${opts.serverId}) on ${source.name}`;
  const server = await servers.get(source.compute, opts.serverId, { signal });
  if (server.image === '' || server.image === null) {
    throw new BasculeError(
      'TRANSFER_BOOT_FROM_VOLUME',
      `${who} boots from a volume: its disk moves through its boot volume (volumeToImage), not a server snapshot`,
    );
  }
  const running = server.status === 'ACTIVE';
  let stopped = false;
  let restarted = false;
  try {
    if (opts.consistency === 'stop' && running) {
      await servers.stop(source.compute, opts.serverId, signal);
      stopped = true;
      await waitServer(source, opts.serverId, 'SHUTOFF', `${who} (stopping for a consistent snapshot)`, signal);
    }
    const crashConsistent = running && !stopped;
    const imageId = await servers.createImage(
      source.compute,
      opts.serverId,
      opts.imageName,
      opts.metadata ?? {},
      signal,
    );
    await opts.onImage?.(imageId);
    const image = await waitTemporaryImage(
      source,
      imageId,
      `snapshot ${opts.imageName} of ${who}`,
      signal,
      opts.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS,
    );
    // Nova keeps the server in image_uploading until the upload is done; wait for it to settle before a restart.
    await waitServer(
      source,
      opts.serverId,
      stopped ? 'SHUTOFF' : server.status,
      `${who} (after its snapshot)`,
      signal,
      true,
    );
    if (stopped && opts.restartSource) {
      await servers.start(source.compute, opts.serverId, signal);
      restarted = true;
      await waitServer(source, opts.serverId, 'ACTIVE', `${who} (restarting after its snapshot)`, signal);
    }
    return { imageId, crashConsistent, fingerprint: fingerprintOf(image), stopped, restarted };
  } catch (error) {
    if (stopped && opts.restartSource && !restarted && !(error instanceof AbortedError)) {
      // Give the source back its power state even though the snapshot failed.
      try {
        await servers.start(source.compute, opts.serverId);
      } catch (startError) {
        source.session.logger.warn('could not restart the source server after a failed snapshot', {
          server: opts.serverName,
          error: (startError as Error).message,
        });
      }
    }
    throw error;
  }
}

async function waitServer(
  cloud: Cloud,
  id: string,
  status: string,
  what: string,
  signal: AbortSignal,
  idleTask = false,
): Promise<Server> {
  return waitOrThrow(what, {
    poll: () => servers.get(cloud.compute, id, { signal }),
    status: (s) => (idleTask && s['OS-EXT-STS:task_state'] ? `${s.status}/${s['OS-EXT-STS:task_state']}` : s.status),
    ready: [status],
    failed: ['ERROR', 'DELETED'],
    timeoutMs: POWER_TIMEOUT_MS,
    intervalMs: 500,
    maxIntervalMs: 5_000,
    signal,
    faultMessage: (s) => s.fault?.message,
  });
}

/** Waits for a temporary image to become active; on timeout or failure deletes it and names what it was for. */
async function waitTemporaryImage(
  cloud: Cloud,
  imageId: string,
  what: string,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Image> {
  const outcome = await waitFor({
    poll: () => images.get(cloud.image, imageId, signal),
    status: (i) => i.status,
    ready: ['active'],
    failed: ['killed', 'deleted', 'pending_delete', 'deactivated'],
    timeoutMs,
    intervalMs: 500,
    maxIntervalMs: 10_000,
    signal,
  });
  if (outcome.state === WAITER_STATE.SUCCESS && outcome.value) return outcome.value;
  if (outcome.state === WAITER_STATE.ABORTED) throw new AbortedError(`waiting for ${what} was interrupted`);
  const removed = await removeImageQuietly(cloud, imageId);
  const left = removed ? 'it was deleted' : `it could not be deleted: remove image ${imageId} by hand`;
  if (outcome.state === WAITER_STATE.TIMEOUT) {
    throw new TransferTimeoutError(
      `${what}: image ${imageId} did not become active within ${Math.round(timeoutMs / 1000)} s (last status ${outcome.lastStatus ?? 'unknown'}); ${left}`,
      imageId,
      {
        hint: "a compute driver that cannot snapshot (such as Nova's stock fake driver) leaves the image queued; use --server-disk base-image for this server, or raise the timeout for large disks",
      },
    );
  }
  throw new BasculeError(
    'TRANSFER_IMAGE_FAILED',
    `${what}: image ${imageId} went to ${outcome.lastStatus ?? 'an error status'}; ${left}`,
  );
}

async function waitVolume(
  cloud: Cloud,
  id: string,
  what: string,
  signal: AbortSignal,
  timeoutMs = VOLUME_TIMEOUT_MS,
  ready = 'available',
): Promise<Volume> {
  return waitOrThrow(what, {
    poll: () => volumes.get(cloud.blockStorage, id, { signal }),
    status: (v) => v.status,
    ready: [ready],
    failed: ['error', 'error_deleting', 'error_restoring', 'error_extending', 'error_managing'],
    timeoutMs,
    intervalMs: 500,
    maxIntervalMs: 10_000,
    signal,
  });
}

/** Volume statuses that pass by themselves: an upload, attach or detach in progress. */
const SETTLING = new Set(['uploading', 'attaching', 'detaching', 'reserved', 'downloading', 'backing-up']);

/**
 * Copies a source volume's bytes into a new Glance image (os-volume_upload_image, raw by default) and
 * waits until the image is active and the volume is back to its status. A volume in use is never detached.
 * `inUse` 'auto' (default): a forced upload first (Cinder allows it where enable_force_upload is on); when
 * Cinder refuses it (400), a clone: a forced Cinder snapshot, a temporary volume from it, its upload, then the
 * clone and its snapshot deleted. 'force' or 'clone' use only that way. A clone whose snapshot does not become
 * available within `cloneTimeoutMs` (default 5 min: a backend that needs the hypervisor's help to snapshot an
 * attached volume, such as NFS under Nova's fake driver, never finishes) fails with a clear error.
 * The image is temporary: the caller journals it.
 */
export async function volumeToImage(opts: {
  source: Cloud;
  volumeId: string;
  volumeName: string;
  imageName: string;
  signal: AbortSignal;
  timeoutMs?: number;
  diskFormat?: string;
  inUse?: 'auto' | 'force' | 'clone';
  cloneTimeoutMs?: number;
  /**
   * Called as soon as each temporary exists (its ID known): the upload image, and for a clone its Cinder snapshot
   * and volume; and when the clone's snapshot and volume are removed again. Journal them there.
   */
  onTemporary?: (t: { type: 'image' | 'volume' | 'snapshot'; id: string; what: string }) => void | Promise<void>;
  onRemoved?: (t: { type: 'volume' | 'snapshot'; id: string }) => void | Promise<void>;
}): Promise<{ imageId: string; fingerprint: ImageFingerprint; size: number; cloned: boolean }> {
  const { source, signal } = opts;
  const uploaded = (id: string) =>
    opts.onTemporary?.({ type: 'image', id, what: `upload of volume ${opts.volumeName}` });
  const timeoutMs = opts.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS;
  const who = `volume ${opts.volumeName} (${opts.volumeId}) on ${source.name}`;
  let volume = await volumes.get(source.blockStorage, opts.volumeId, { signal });
  // A copy an interrupted run started (a kill during the upload) leaves the volume uploading for a while: Cinder
  // finishes it and gives the volume back its status. Wait for that rather than fail the resumed run.
  if (SETTLING.has(volume.status))
    volume = await waitOrThrow(`${who} (${volume.status}: an earlier copy is still running)`, {
      poll: () => volumes.get(source.blockStorage, opts.volumeId, { signal }),
      status: (v) => v.status,
      ready: ['available', 'in-use'],
      failed: ['error', 'error_deleting', 'error_restoring', 'error_extending', 'error_managing'],
      timeoutMs,
      intervalMs: 500,
      maxIntervalMs: 10_000,
      signal,
    });
  const inUse = opts.inUse ?? 'auto';
  const uploadBody = { image_name: opts.imageName, ...(opts.diskFormat ? { disk_format: opts.diskFormat } : {}) };
  if (volume.status === 'in-use' && inUse !== 'clone') {
    try {
      const upload = await volumes.uploadToImage(
        source.blockStorage,
        volume.id,
        { ...uploadBody, force: true },
        signal,
      );
      await uploaded(upload.image_id);
      const image = await waitTemporaryImage(source, upload.image_id, `upload to image of ${who}`, signal, timeoutMs);
      await waitVolume(source, volume.id, `${who} (after its upload to image)`, signal, timeoutMs, 'in-use');
      return { imageId: upload.image_id, fingerprint: fingerprintOf(image), size: volume.size, cloned: false };
    } catch (error) {
      if (inUse === 'force' || !isHttpError(error) || error.status !== 400) throw error;
      source.session.logger.info('forced upload of an in-use volume refused; cloning it', {
        volume: opts.volumeName,
        reason: error.serviceMessage,
      });
    }
  }
  let uploadFrom = volume.id;
  let clone: { snapshotId?: string; volumeId?: string } | undefined;
  try {
    if (volume.status === 'in-use') {
      clone = {};
      const snap = await snapshots.create(
        source.blockStorage,
        {
          volume_id: volume.id,
          name: `${opts.imageName}-snap`,
          force: true,
          description: 'bascule: temporary, for an upload to image',
        },
        { signal },
      );
      clone.snapshotId = snap.id;
      await opts.onTemporary?.({ type: 'snapshot', id: snap.id, what: `snapshot of volume ${opts.volumeName}` });
      const cloneTimeoutMs = opts.cloneTimeoutMs ?? 5 * 60_000;
      const snapped = await waitFor({
        poll: () => snapshots.get(source.blockStorage, snap.id, { signal }),
        status: (s) => s.status,
        ready: ['available'],
        failed: ['error', 'error_deleting'],
        timeoutMs: cloneTimeoutMs,
        intervalMs: 1000,
        maxIntervalMs: 10_000,
        signal,
      });
      if (snapped.state === WAITER_STATE.ABORTED)
        throw new AbortedError(`waiting for the snapshot of ${who} was interrupted`);
      if (snapped.state !== WAITER_STATE.SUCCESS) {
        const stuck = snapped.lastStatus === 'creating';
        if (stuck) clone.snapshotId = undefined; // Cinder refuses to delete a snapshot still creating: it is named below instead
        throw new BasculeError(
          'TRANSFER_VOLUME_IN_USE',
          `${who} is in use and cannot be copied while attached here: Cinder refused a forced upload, and its snapshot ${snap.id} ${stuck ? `did not become available within ${Math.round(cloneTimeoutMs / 1000)} s (still creating)` : `went to ${snapped.lastStatus ?? 'an error status'}`}`,
          {
            hint: `detach the volume (or stop and detach), or ask the operator to set enable_force_upload = true in cinder.conf${stuck ? `; an administrator must reset and delete snapshot ${snap.id}` : ''}`,
          },
        );
      }
      const cloneVolume = await volumes.create(
        source.blockStorage,
        {
          size: volume.size,
          snapshot_id: snap.id,
          name: `${opts.imageName}-clone`,
          description: 'bascule: temporary, for an upload to image',
        },
        { signal },
      );
      clone.volumeId = cloneVolume.id;
      await opts.onTemporary?.({ type: 'volume', id: cloneVolume.id, what: `clone of volume ${opts.volumeName}` });
      await waitVolume(source, cloneVolume.id, `clone of ${who}`, signal, timeoutMs);
      uploadFrom = cloneVolume.id;
    } else if (volume.status !== 'available') {
      throw new BasculeError(
        'TRANSFER_VOLUME_BUSY',
        `${who} is ${volume.status}: it must be available or in-use to be copied`,
      );
    }
    const upload = await volumes.uploadToImage(source.blockStorage, uploadFrom, uploadBody, signal);
    await uploaded(upload.image_id);
    const image = await waitTemporaryImage(source, upload.image_id, `upload to image of ${who}`, signal, timeoutMs);
    await waitVolume(source, uploadFrom, `${who} (after its upload to image)`, signal, timeoutMs);
    return {
      imageId: upload.image_id,
      fingerprint: fingerprintOf(image),
      size: volume.size,
      cloned: clone !== undefined,
    };
  } finally {
    if (clone) await removeClone(source, clone, opts.onRemoved);
  }
}

async function removeClone(
  cloud: Cloud,
  clone: { snapshotId?: string; volumeId?: string },
  onRemoved?: (t: { type: 'volume' | 'snapshot'; id: string }) => void | Promise<void>,
): Promise<void> {
  // Without the run's signal: cleanup runs even when the run is being stopped.
  const log = (what: string, error: unknown) =>
    cloud.session.logger.warn(`could not remove the temporary ${what}`, {
      cloud: cloud.name,
      error: (error as Error).message,
    });
  if (clone.volumeId) {
    try {
      await volumes.remove(cloud.blockStorage, clone.volumeId);
      // A clone may depend on its snapshot (Ceph): wait until it is gone before deleting the snapshot.
      await waitFor({
        poll: async () => {
          try {
            return (await volumes.get(cloud.blockStorage, clone.volumeId!)).status;
          } catch (error) {
            if (isNotFound(error)) return 'deleted';
            throw error;
          }
        },
        status: (s) => s,
        ready: ['deleted'],
        failed: ['error_deleting'],
        timeoutMs: 5 * 60_000,
      });
      await onRemoved?.({ type: 'volume', id: clone.volumeId });
    } catch (error) {
      log(`volume ${clone.volumeId}`, error);
    }
  }
  if (clone.snapshotId) {
    try {
      await snapshots.remove(cloud.blockStorage, clone.snapshotId);
      await onRemoved?.({ type: 'snapshot', id: clone.snapshotId });
    } catch (error) {
      if (isNotFound(error)) await onRemoved?.({ type: 'snapshot', id: clone.snapshotId });
      else log(`snapshot ${clone.snapshotId}`, error);
    }
  }
}
