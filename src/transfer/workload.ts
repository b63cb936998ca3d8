import * as volumesApi from '../openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../openstack/cloud.js';
import * as servers from '../openstack/compute/servers/requests.js';
import { waitOrThrow } from '../openstack/waiter.js';
import * as images from '../openstack/image/images/requests.js';
import type { Image, ImageCreateOpts } from '../openstack/image/images/types.js';
import type { TransferImageResult, TransferMethod } from './image-transfer.js';
import { transferImage } from './image-transfer.js';
import type { ImageFingerprint } from './images.js';
import { removeImageQuietly } from './images.js';
import type { OverallProgress, TransferSlots } from './manager.js';
import { TransferManager } from './manager.js';
import type { TransferProgress } from './progress.js';
import { snapshotServer, volumeToImage } from './snapshot.js';

/** The property that marks an image Bascule made only to carry bytes (a snapshot, a volume upload, a disk copy). */
export const TEMPORARY_PROPERTY = 'bascule_temporary';

/** A temporary image, for the caller's journal: removed after success unless --keep-temporary. */
export interface TemporaryImage {
  side: 'source' | 'target';
  imageId: string;
  /** What it carries: "snapshot of server web-1", "upload of volume data-1", "disk of server web-1". */
  purpose: string;
}

export interface WorkloadOptions {
  /** --consistency: stop the source server for its snapshot (default), or snapshot it live. */
  consistency: 'stop' | 'live';
  /** --restart-source: start a server that was stopped for its snapshot again afterwards. */
  restartSource: boolean;
  /** --transfer-concurrency: image transfers at once (default 2). */
  transferConcurrency?: number;
  /** Attempts per transfer (default 3). */
  maxAttempts?: number;
  method?: TransferMethod;
  /** Called as each temporary image is made, before anything else happens to it (journal it there). */
  onTemporary?: (t: TemporaryImage) => void | Promise<void>;
  onProgress?: (overall: OverallProgress, current: TransferProgress[]) => void;
  /** Timeouts (ms) for snapshots/volume uploads to become active, and for a target image after its bytes. */
  snapshotTimeoutMs?: number;
  activeTimeoutMs?: number;
  /** Transfer slots shared with other runs (a campaign's global cap). */
  slots?: TransferSlots;
  /** First backoff delay between attempts (tests). */
  retryBaseMs?: number;
  /** How long the snapshot of an in-use volume may take when it must be cloned (default 5 min). */
  cloneTimeoutMs?: number;
}

/** Properties of a source image worth keeping on a disk copy (boot hints), without Glance's own fields. */
function diskProperties(image: Image): ImageCreateOpts {
  const out: ImageCreateOpts = {};
  for (const key of [
    'disk_format',
    'container_format',
    'min_disk',
    'min_ram',
    'hw_disk_bus',
    'hw_scsi_model',
    'hw_firmware_type',
    'hw_machine_type',
    'hw_qemu_guest_agent',
    'hw_vif_model',
    'os_type',
    'os_distro',
    'os_version',
    'architecture',
    'hypervisor_type',
  ]) {
    const value = image[key];
    if (value !== undefined && value !== null && value !== '') out[key] = value;
  }
  return out;
}

/**
 * The workload-data side of one apply: source and target clouds, one TransferManager, and the temporary
 * images made on the way. Writers call `image`, `serverDisk` and `volume`; the engine calls `cleanup` after
 * success. Each method returns the target image to create from (a server boot or a volume).
 */
export class WorkloadMover {
  readonly source: Cloud;
  readonly target: Cloud;
  readonly options: WorkloadOptions;
  readonly manager: TransferManager;
  readonly temporary: TemporaryImage[] = [];
  /** Source servers this run stopped for a consistent copy (by id), and whether they were started again. */
  readonly #stopped = new Map<string, { name: string; stop: Promise<void>; released: boolean }>();
  readonly #restarted = new Set<string>();

  constructor(source: Cloud, target: Cloud, options: WorkloadOptions) {
    this.source = source;
    this.target = target;
    this.options = options;
    this.manager = new TransferManager({
      concurrency: options.transferConcurrency ?? 2,
      ...(options.slots ? { slots: options.slots } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }

  async #temporary(t: TemporaryImage): Promise<void> {
    this.temporary.push(t);
    await this.options.onTemporary?.(t);
  }

  /**
   * transferImage through the run's TransferManager (once per key, within --transfer-concurrency, with
   * overall progress). The image writer uses it with key `image:<source id>`; it finds an image a resumed run
   * already made by its marker first (the engine's find), so nothing here looks for same-bytes images.
   */
  transfer(
    key: string,
    args: {
      sourceImageId: string;
      expected: ImageFingerprint;
      label: string;
      signal: AbortSignal;
      createTargetImage: () => Promise<string>;
    },
  ): Promise<TransferImageResult> {
    return this.#transfer(key, args);
  }

  #transfer(
    key: string,
    args: {
      sourceImageId: string;
      expected: ImageFingerprint;
      label: string;
      signal: AbortSignal;
      createTargetImage: () => Promise<string>;
    },
  ): Promise<TransferImageResult> {
    return this.manager.image(key, (onProgress) =>
      transferImage({
        source: this.source,
        target: this.target,
        ...args,
        onProgress,
        ...(this.options.maxAttempts !== undefined ? { maxAttempts: this.options.maxAttempts } : {}),
        ...(this.options.method ? { method: this.options.method } : {}),
        ...(this.options.activeTimeoutMs !== undefined ? { activeTimeoutMs: this.options.activeTimeoutMs } : {}),
        ...(this.options.retryBaseMs !== undefined ? { retryBaseMs: this.options.retryBaseMs } : {}),
      }),
    );
  }

  /**
   * The disk of an image-backed source server as a temporary target image: snapshot (consistency as
   * configured), transfer, and the snapshot recorded as temporary on the source.
   */
  async serverDisk(opts: {
    serverId: string;
    serverName: string;
    marker: string;
    signal: AbortSignal;
  }): Promise<{ targetImageId: string; crashConsistent: boolean; bytes: number }> {
    // Stopped (once) before anything of it is copied; started again after its disk is copied (release).
    if (this.options.consistency === 'stop') await this.quiesce(opts.serverId, opts.serverName, opts.signal);
    const snap = await snapshotServer({
      source: this.source,
      serverId: opts.serverId,
      serverName: opts.serverName,
      imageName: `bascule-snapshot-${opts.serverName}`,
      consistency: this.options.consistency,
      restartSource: false,
      signal: opts.signal,
      metadata: { [TEMPORARY_PROPERTY]: opts.marker },
      ...(this.options.snapshotTimeoutMs !== undefined ? { timeoutMs: this.options.snapshotTimeoutMs } : {}),
    });
    await this.#temporary({ side: 'source', imageId: snap.imageId, purpose: `snapshot of server ${opts.serverName}` });
    const snapshot = await images.get(this.source.image, snap.imageId, opts.signal);
    const moved = await this.#transfer(`server:${opts.serverId}`, {
      sourceImageId: snap.imageId,
      expected: snap.fingerprint,
      label: `disk of server ${opts.serverName}`,
      signal: opts.signal,
      createTargetImage: async () => {
        const image = await images.create(this.target.image, {
          ...diskProperties(snapshot),
          name: `bascule-disk-${opts.serverName}`,
          visibility: 'private',
          [TEMPORARY_PROPERTY]: opts.marker,
        });
        await this.#temporary({ side: 'target', imageId: image.id, purpose: `disk of server ${opts.serverName}` });
        return image.id;
      },
    });
    await this.release(opts.serverId, opts.signal);
    return { targetImageId: moved.targetImageId, crashConsistent: snap.crashConsistent, bytes: moved.bytes };
  }

  /**
   * A source volume's bytes as a temporary target image (raw), to create the target volume from: upload to
   * image on the source (recorded as temporary), transfer.
   */
  async volume(opts: {
    volumeId: string;
    volumeName: string;
    marker: string;
    signal: AbortSignal;
  }): Promise<{ targetImageId: string; sizeGb: number; bytes: number }> {
    if (this.options.consistency === 'stop') {
      const volume = await volumesApi.get(this.source.blockStorage, opts.volumeId, { signal: opts.signal });
      for (const a of volume.attachments ?? []) await this.quiesce(a.server_id, a.server_id, opts.signal);
    }
    const up = await volumeToImage({
      source: this.source,
      volumeId: opts.volumeId,
      volumeName: opts.volumeName,
      imageName: `bascule-volume-${opts.volumeName}`,
      signal: opts.signal,
      ...(this.options.cloneTimeoutMs !== undefined ? { cloneTimeoutMs: this.options.cloneTimeoutMs } : {}),
      ...(this.options.snapshotTimeoutMs !== undefined ? { timeoutMs: this.options.snapshotTimeoutMs } : {}),
    });
    await this.#temporary({ side: 'source', imageId: up.imageId, purpose: `upload of volume ${opts.volumeName}` });
    // Mark it so that a resumed run can find and remove it even without a journal line.
    await images
      .update(
        this.source.image,
        up.imageId,
        [{ op: 'add', path: `/${TEMPORARY_PROPERTY}`, value: opts.marker }],
        opts.signal,
      )
      .catch(() => undefined);
    const moved = await this.#transfer(`volume:${opts.volumeId}`, {
      sourceImageId: up.imageId,
      expected: up.fingerprint,
      label: `volume ${opts.volumeName}`,
      signal: opts.signal,
      createTargetImage: async () => {
        const image = await images.create(this.target.image, {
          name: `bascule-volume-${opts.volumeName}`,
          disk_format: 'raw',
          container_format: 'bare',
          visibility: 'private',
          [TEMPORARY_PROPERTY]: opts.marker,
        });
        await this.#temporary({ side: 'target', imageId: image.id, purpose: `volume ${opts.volumeName}` });
        return image.id;
      },
    });
    return { targetImageId: moved.targetImageId, sizeGb: up.size, bytes: moved.bytes };
  }

  /**
   * Stops a running source server once for this run (consistency 'stop'), so that its disk and volumes are
   * copied at rest. Concurrent callers share the stop. A server that is not running is left as it is.
   */
  async quiesce(serverId: string, serverName: string, signal: AbortSignal): Promise<void> {
    let entry = this.#stopped.get(serverId);
    if (!entry) {
      const stop = (async () => {
        const server = await servers.get(this.source.compute, serverId, { signal });
        if (server.status !== 'ACTIVE') {
          this.#stopped.delete(serverId);
          return;
        }
        await servers.stop(this.source.compute, serverId, signal);
        await waitOrThrow(`source server ${server.name} (${serverId}), stopping for a consistent copy`, {
          poll: () => servers.get(this.source.compute, serverId, { signal }),
          status: (s) => s.status,
          ready: ['SHUTOFF'],
          failed: ['ERROR'],
          timeoutMs: 10 * 60_000,
          intervalMs: 500,
          signal,
          faultMessage: (s) => s.fault?.message,
        });
      })();
      entry = { name: serverName, stop, released: false };
      this.#stopped.set(serverId, entry);
    }
    await entry.stop;
  }

  /** Starts a source server this run stopped again, when --restart-source asked for it. */
  async release(serverId: string, signal?: AbortSignal): Promise<void> {
    const entry = this.#stopped.get(serverId);
    if (!entry || entry.released || !this.options.restartSource) return;
    entry.released = true;
    await entry.stop.catch(() => undefined);
    const live = signal && !signal.aborted ? signal : undefined;
    const server = await servers.get(this.source.compute, serverId, live ? { signal: live } : {});
    if (server.status !== 'SHUTOFF') return;
    await servers.start(this.source.compute, serverId, live);
    this.#restarted.add(serverId);
    await waitOrThrow(`source server ${server.name} (${serverId}), starting again after its copy`, {
      poll: () => servers.get(this.source.compute, serverId, live ? { signal: live } : {}),
      status: (s) => s.status,
      ready: ['ACTIVE'],
      failed: ['ERROR'],
      timeoutMs: 10 * 60_000,
      intervalMs: 500,
      ...(live ? { signal: live } : {}),
      faultMessage: (s) => s.fault?.message,
    });
  }

  /** The source servers this run started again (ids), for the report. */
  get restartedServers(): string[] {
    return [...this.#restarted];
  }

  /** The source servers this run stopped (ids), for the report. */
  get stoppedServers(): string[] {
    return [...this.#stopped.keys()];
  }

  /**
   * The end of a run: source servers stopped for a copy are started again (with --restart-source), and the
   * temporary images are removed after a success unless `keepTemporary`. Also sweeps temporaries an earlier,
   * interrupted run left (those carrying `bascule_temporary` = one of `markers`).
   */
  async finish(opts: {
    success: boolean;
    keepTemporary: boolean;
    markers?: ReadonlySet<string>;
  }): Promise<{ removed: TemporaryImage[]; failed: TemporaryImage[]; restarted: string[] }> {
    const restarted: string[] = [];
    for (const id of this.#stopped.keys()) {
      const entry = this.#stopped.get(id)!;
      if (entry.released || !this.options.restartSource) continue;
      try {
        await this.release(id);
        restarted.push(id);
      } catch (error) {
        this.source.session.logger.warn('could not start the source server again', {
          server: entry.name,
          error: (error as Error).message,
        });
      }
    }
    if (!opts.success || opts.keepTemporary) return { removed: [], failed: [], restarted };
    if (opts.markers && opts.markers.size > 0) {
      const known = new Set(this.temporary.map((t) => t.imageId));
      for (const [side, cloud] of [
        ['source', this.source],
        ['target', this.target],
      ] as const) {
        try {
          for (const image of await findTemporaryImages(cloud, opts.markers)) {
            if (!known.has(image.id))
              this.temporary.push({
                side,
                imageId: image.id,
                purpose: `left by an interrupted run (${image.name ?? image.id})`,
              });
          }
        } catch (error) {
          cloud.session.logger.warn('could not list temporary images', {
            cloud: cloud.name,
            error: (error as Error).message,
          });
        }
      }
    }
    return { ...(await this.cleanup()), restarted };
  }

  /** Removes every temporary image recorded by this mover (after success, unless --keep-temporary). */
  async cleanup(): Promise<{ removed: TemporaryImage[]; failed: TemporaryImage[] }> {
    const removed: TemporaryImage[] = [];
    const failed: TemporaryImage[] = [];
    for (const t of this.temporary) {
      const ok = await removeImageQuietly(t.side === 'source' ? this.source : this.target, t.imageId);
      (ok ? removed : failed).push(t);
    }
    this.temporary.length = 0;
    return { removed, failed };
  }
}

/**
 * Temporary images an interrupted run left on a cloud: those carrying `bascule_temporary` = one of
 * `markers` (or any value when `markers` is undefined). A resumed apply removes them.
 */
export async function findTemporaryImages(
  cloud: Cloud,
  markers?: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<Image[]> {
  const found: Image[] = [];
  for await (const image of images.list(cloud.image, undefined, signal)) {
    const value = image[TEMPORARY_PROPERTY];
    if (typeof value !== 'string') continue;
    if (markers === undefined || markers.has(value)) found.push(image);
  }
  return found;
}
