import * as volumesApi from '../openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../openstack/cloud.js';
import * as servers from '../openstack/compute/servers/requests.js';
import * as snapshotsApi from '../openstack/block-storage/snapshots/requests.js';
import { isNotFound } from '../openstack/errors.js';
import { waitFor, waitOrThrow } from '../openstack/waiter.js';
import * as images from '../openstack/image/images/requests.js';
import type { Image, ImageCreateOpts } from '../openstack/image/images/types.js';
import type { TransferImageResult, TransferMethod } from './image-transfer.js';
import { transferImage } from './image-transfer.js';
import type { ImageFingerprint } from './images.js';
import { fingerprintOf, removeImageQuietly, waitImageActive } from './images.js';
import type { OverallProgress, TransferSlots } from './manager.js';
import { TransferManager } from './manager.js';
import type { TransferProgress } from './progress.js';
import { snapshotServer, volumeToImage } from './snapshot.js';

/** The property that marks an image Bascule made only to carry bytes (a snapshot, a volume upload, a disk copy). */
export const TEMPORARY_PROPERTY = 'bascule_temporary';

/** The property that ties a temporary to one journal (its first run): `bascule cleanup` finds it by that. */
export const JOURNAL_PROPERTY = 'bascule_journal';
/** The property that ties a temporary to one plan (its digest): the end-of-run sweep takes only its plan's. */
export const PLAN_PROPERTY = 'bascule_plan';

/**
 * A temporary object (an image unless `type` says a Cinder volume or snapshot), for the caller's journal: removed
 * after success unless --keep-temporary.
 */
/**
 * The types of the objects the workload journal records: the temporaries Bascule makes to move data (an image, a
 * Cinder volume or snapshot) and the source servers it stops. Words of the journal format (WorkloadRecord.type), not
 * plan kinds: a temporary volume is no plan entry.
 */
export const WORKLOAD_OBJECT = { image: 'image', volume: 'volume', snapshot: 'snapshot', server: 'server' } as const;
export type WorkloadObjectType = (typeof WORKLOAD_OBJECT)[keyof typeof WORKLOAD_OBJECT];
/** The types of temporaries (every workload object but a stopped server). */
export type TemporaryType = Exclude<WorkloadObjectType, typeof WORKLOAD_OBJECT.server>;

export interface TemporaryImage {
  side: 'source' | 'target';
  /** The object's ID (an image's, or a volume's or snapshot's with `type`). */
  imageId: string;
  type?: TemporaryType;
  /** What it carries: "snapshot of server web-1", "upload of volume data-1", "disk of server web-1". */
  purpose: string;
}

/** What the mover does to either cloud that the journal must hold (see WorkloadRecord in src/engine/journal.ts). */
export interface WorkloadEvent {
  event: 'temporary' | 'removed' | 'stopped' | 'started';
  side: 'source' | 'target';
  type: WorkloadObjectType;
  id: string;
  what?: string;
}

/**
 * A server disk or volume copy made beforehand, by a job of its own (a campaign run by workers): the target image to
 * use, and what that job did to either cloud (its temporaries, the source servers it stopped and started), which the
 * run's journal takes over.
 */
export interface PreparedCopy {
  targetImageId: string;
  bytes: number;
  crashConsistent?: boolean;
  /** A volume's size (GiB), for the target volume. */
  sizeGb?: number;
  events: WorkloadEvent[];
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
  /** A copy already made of this server's disk or volume (by a copy job): used instead of copying again. */
  prepared?: (what: { type: 'server' | 'volume'; sourceId: string }) => Promise<PreparedCopy | undefined>;
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
  /** Copies made by this run, per source volume: a create the engine tries again reuses its copy. */
  readonly #volumeCopies = new Map<string, Promise<{ targetImageId: string; sizeGb: number; bytes: number }>>();
  /** The journal's writer for workload events (set by the engine once its journal is open). */
  record: ((e: WorkloadEvent) => Promise<void>) | undefined;
  /** The journal's identity (its first run), written on temporaries as `bascule_journal`. */
  journalId: string | undefined;
  /** The plan's digest, written on temporaries as `bascule_plan`. */
  planDigest: string | undefined;
  /** Bytes copied into the target by this run's transfers. */
  bytesMoved = 0;
  /** Swift objects copied into the target by this run (their bytes are in bytesMoved). */
  objectsCopied = 0;
  #objectRuns = 0;

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

  /**
   * A container's objects copied as one transfer of this run: within the transfer concurrency, in the overall
   * progress (bytes done of the container's total), and counted in bytesMoved and objectsCopied.
   */
  objects<T extends { bytes: number; copied: number }>(
    label: string,
    run: (report: (done: { bytes: number; totalBytes: number }) => void) => Promise<T>,
  ): Promise<T> {
    const id = `objects:${label}:${++this.#objectRuns}`;
    return this.manager.image(id, async (onProgress) => {
      const result = await run((done) => onProgress({ id, label, bytesDone: done.bytes, bytesTotal: done.totalBytes }));
      this.bytesMoved += result.bytes;
      this.objectsCopied += result.copied;
      return result;
    });
  }

  async #temporary(t: TemporaryImage): Promise<void> {
    this.temporary.push(t);
    await this.record?.({ event: 'temporary', side: t.side, type: t.type ?? 'image', id: t.imageId, what: t.purpose });
    await this.options.onTemporary?.(t);
  }

  /** Properties every temporary image carries: its entry's marker, and the journal it belongs to. */
  #tags(marker: string): Record<string, string> {
    return {
      [TEMPORARY_PROPERTY]: marker,
      ...(this.journalId ? { [JOURNAL_PROPERTY]: this.journalId } : {}),
      ...(this.planDigest ? { [PLAN_PROPERTY]: this.planDigest } : {}),
    };
  }

  /**
   * What an earlier run of the same journal left: temporaries not yet removed (removed after a success, like this
   * run's), and source servers it stopped and did not start again (started again at the end with
   * --restart-source; a copy of them in this run does not stop them twice).
   */
  adopt(prior: { temporaries: Iterable<WorkloadEvent>; stopped: Iterable<WorkloadEvent> }): void {
    for (const t of prior.temporaries)
      if (t.type !== 'server' && !this.temporary.some((k) => k.imageId === t.id))
        this.temporary.push({ side: t.side, imageId: t.id, type: t.type, purpose: t.what ?? 'left by an earlier run' });
    for (const s of prior.stopped)
      if (!this.#stopped.has(s.id))
        this.#stopped.set(s.id, { name: s.what ?? s.id, stop: Promise.resolve(), released: false });
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
    return this.manager.image(key, async (onProgress) => {
      const moved = await transferImage({
        source: this.source,
        target: this.target,
        ...args,
        onProgress,
        ...(this.options.maxAttempts !== undefined ? { maxAttempts: this.options.maxAttempts } : {}),
        ...(this.options.method ? { method: this.options.method } : {}),
        ...(this.options.activeTimeoutMs !== undefined ? { activeTimeoutMs: this.options.activeTimeoutMs } : {}),
        ...(this.options.retryBaseMs !== undefined ? { retryBaseMs: this.options.retryBaseMs } : {}),
      });
      this.bytesMoved += moved.bytes;
      return moved;
    });
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
    /** A snapshot an earlier attempt of this copy made (a copy job run again): used when it is, or becomes, active. */
    snapshotImageId?: string;
  }): Promise<{ targetImageId: string; crashConsistent: boolean; bytes: number }> {
    const ready = await this.options.prepared?.({ type: 'server', sourceId: opts.serverId });
    if (ready) {
      await this.#takeOver(ready);
      return { targetImageId: ready.targetImageId, crashConsistent: ready.crashConsistent ?? false, bytes: 0 };
    }
    const earlier = opts.snapshotImageId
      ? await this.#earlierImage(opts.snapshotImageId, `snapshot of server ${opts.serverName}`, opts.signal)
      : undefined;
    // Stopped (once) before anything of it is copied; started again after its disk is copied (release).
    if (this.options.consistency === 'stop' && !earlier)
      await this.quiesce(opts.serverId, opts.serverName, opts.signal);
    const snap = earlier
      ? { imageId: earlier.id, fingerprint: fingerprintOf(earlier), crashConsistent: false }
      : await snapshotServer({
          source: this.source,
          serverId: opts.serverId,
          serverName: opts.serverName,
          imageName: `bascule-snapshot-${opts.serverName}`,
          consistency: this.options.consistency,
          restartSource: false,
          signal: opts.signal,
          metadata: this.#tags(opts.marker),
          onImage: (imageId) =>
            this.#temporary({ side: 'source', imageId, purpose: `snapshot of server ${opts.serverName}` }),
          ...(this.options.snapshotTimeoutMs !== undefined ? { timeoutMs: this.options.snapshotTimeoutMs } : {}),
        });
    const snapshot = earlier ?? (await images.get(this.source.image, snap.imageId, opts.signal));
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
          ...this.#tags(opts.marker),
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
   * image on the source (recorded as temporary), transfer. Made once per run: when the engine tries the volume's
   * create again (the target refused it), the copy already made is used again (bytes: 0), not uploaded anew.
   */
  volume(opts: {
    volumeId: string;
    volumeName: string;
    marker: string;
    signal: AbortSignal;
    /** The upload image an earlier attempt of this copy made (a copy job run again), used when it is active. */
    uploadImageId?: string;
  }): Promise<{ targetImageId: string; sizeGb: number; bytes: number }> {
    const made = this.#volumeCopies.get(opts.volumeId);
    if (made) return made.then((copy) => ({ ...copy, bytes: 0 }));
    const copy = this.#copyVolume(opts);
    this.#volumeCopies.set(opts.volumeId, copy);
    // A copy that failed is made again by the next try.
    copy.catch(() => this.#volumeCopies.delete(opts.volumeId));
    return copy;
  }

  async #copyVolume(opts: {
    volumeId: string;
    volumeName: string;
    marker: string;
    signal: AbortSignal;
    uploadImageId?: string;
  }): Promise<{ targetImageId: string; sizeGb: number; bytes: number }> {
    const ready = await this.options.prepared?.({ type: 'volume', sourceId: opts.volumeId });
    if (ready) {
      await this.#takeOver(ready);
      const size = (await volumesApi.get(this.source.blockStorage, opts.volumeId, { signal: opts.signal })).size;
      return { targetImageId: ready.targetImageId, sizeGb: ready.sizeGb ?? size, bytes: 0 };
    }
    const earlier = opts.uploadImageId
      ? await this.#earlierImage(opts.uploadImageId, `upload of volume ${opts.volumeName}`, opts.signal)
      : undefined;
    if (this.options.consistency === 'stop' && !earlier) {
      const volume = await volumesApi.get(this.source.blockStorage, opts.volumeId, { signal: opts.signal });
      for (const a of volume.attachments ?? []) await this.quiesce(a.server_id, a.server_id, opts.signal);
    }
    const up = earlier
      ? {
          imageId: earlier.id,
          fingerprint: fingerprintOf(earlier),
          size: (await volumesApi.get(this.source.blockStorage, opts.volumeId, { signal: opts.signal })).size,
        }
      : await volumeToImage({
          source: this.source,
          volumeId: opts.volumeId,
          volumeName: opts.volumeName,
          imageName: `bascule-volume-${opts.volumeName}`,
          signal: opts.signal,
          onTemporary: (t) => this.#temporary({ side: 'source', imageId: t.id, type: t.type, purpose: t.what }),
          onRemoved: async (t) => {
            this.#forget(t.id);
            await this.record?.({ event: 'removed', side: 'source', type: t.type, id: t.id });
          },
          ...(this.options.cloneTimeoutMs !== undefined ? { cloneTimeoutMs: this.options.cloneTimeoutMs } : {}),
          ...(this.options.snapshotTimeoutMs !== undefined ? { timeoutMs: this.options.snapshotTimeoutMs } : {}),
        });
    // Mark it too (Cinder's upload cannot set properties): journaled already, so found even if this fails.
    await images
      .update(
        this.source.image,
        up.imageId,
        Object.entries(this.#tags(opts.marker)).map(([key, value]) => ({ op: 'add' as const, path: `/${key}`, value })),
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
          ...this.#tags(opts.marker),
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
        // Journaled before the call: a kill right after it leaves a line that says who to start again.
        await this.record?.({
          event: 'stopped',
          side: 'source',
          type: 'server',
          id: serverId,
          what: server.name ?? serverName,
        });
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
    if (server.status !== 'SHUTOFF') {
      // Started by someone else meanwhile: nothing left to do for it.
      await this.record?.({ event: 'started', side: 'source', type: 'server', id: serverId, what: entry.name });
      return;
    }
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
    await this.record?.({ event: 'started', side: 'source', type: 'server', id: serverId, what: entry.name });
  }

  /**
   * An image an earlier attempt of the same copy made on the source (its snapshot, its volume upload), once active;
   * undefined when it is gone or failed (the copy then starts again; the sweep at the end of the apply removes it).
   */
  async #earlierImage(id: string, what: string, signal: AbortSignal): Promise<Image | undefined> {
    try {
      return await waitImageActive(
        this.source,
        id,
        `${what} (made by an earlier attempt)`,
        signal,
        this.options.snapshotTimeoutMs,
      );
    } catch (error) {
      if (signal.aborted) throw error;
      return undefined;
    }
  }

  /** A copy made by a copy job: its temporaries and the servers it stopped become this run's (journaled). */
  async #takeOver(ready: PreparedCopy): Promise<void> {
    for (const e of ready.events) {
      if (e.event === 'temporary' && e.type !== 'server') {
        if (this.temporary.some((t) => t.imageId === e.id)) continue;
        await this.#temporary({
          side: e.side,
          imageId: e.id,
          ...(e.type !== 'image' ? { type: e.type } : {}),
          purpose: e.what ?? 'a copy job',
        });
        continue;
      }
      if (e.event === 'removed') this.#forget(e.id);
      if (e.event === 'stopped' && !this.#stopped.has(e.id))
        this.#stopped.set(e.id, { name: e.what ?? e.id, stop: Promise.resolve(), released: false });
      if (e.event === 'started') {
        const entry = this.#stopped.get(e.id);
        if (entry) entry.released = true;
      }
      await this.record?.(e);
    }
  }

  #forget(id: string): void {
    const i = this.temporary.findIndex((t) => t.imageId === id);
    if (i >= 0) this.temporary.splice(i, 1);
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
    for (const id of this.#stopped.keys()) {
      const entry = this.#stopped.get(id)!;
      if (entry.released || !this.options.restartSource) continue;
      try {
        await this.release(id);
      } catch (error) {
        this.source.session.logger.warn('could not start the source server again', {
          server: entry.name,
          error: (error as Error).message,
        });
      }
    }
    const restarted = this.restartedServers;
    if (!opts.success || opts.keepTemporary) return { removed: [], failed: [], restarted };
    if (opts.markers && opts.markers.size > 0) {
      const known = new Set(this.temporary.map((t) => t.imageId));
      for (const [side, cloud] of [
        ['source', this.source],
        ['target', this.target],
      ] as const) {
        try {
          for (const image of await findTemporaryImages(cloud, opts.markers, undefined, { plan: this.planDigest })) {
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

  /** Removes every temporary recorded by this mover (after success, unless --keep-temporary), journaling each. */
  async cleanup(): Promise<{ removed: TemporaryImage[]; failed: TemporaryImage[] }> {
    const removed: TemporaryImage[] = [];
    const failed: TemporaryImage[] = [];
    for (const t of orderForRemoval(this.temporary)) {
      const ok = await removeTemporary(t.side === 'source' ? this.source : this.target, t);
      if (ok) await this.record?.({ event: 'removed', side: t.side, type: t.type ?? 'image', id: t.imageId });
      (ok ? removed : failed).push(t);
    }
    this.temporary.length = 0;
    return { removed, failed };
  }
}

/** Volumes before snapshots (a clone may depend on its snapshot), images anywhere. */
export function orderForRemoval<T extends { type?: WorkloadObjectType }>(list: readonly T[]): T[] {
  const rank = (t: T) => (t.type === 'volume' ? 0 : t.type === 'snapshot' ? 1 : 2);
  return [...list].sort((a, b) => rank(a) - rank(b));
}

/**
 * Whether a workload object a journal records is still there (a stopped server counts as there: its state is
 * checked by whoever starts it).
 */
export async function workloadObjectExists(
  cloud: Cloud,
  t: { id: string; type: WorkloadObjectType },
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const opts = signal ? { signal } : {};
    if (t.type === WORKLOAD_OBJECT.image) await images.get(cloud.image, t.id, signal);
    else if (t.type === WORKLOAD_OBJECT.volume) await volumesApi.get(cloud.blockStorage, t.id, opts);
    else if (t.type === WORKLOAD_OBJECT.snapshot) await snapshotsApi.get(cloud.blockStorage, t.id, opts);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Removes one temporary (image, Cinder volume or snapshot); gone already counts as removed. Never throws: false
 * (and a warning) when it stays.
 */
export async function removeTemporary(cloud: Cloud, t: { imageId: string; type?: TemporaryType }): Promise<boolean> {
  if ((t.type ?? 'image') === 'image') return removeImageQuietly(cloud, t.imageId);
  try {
    // Cinder refuses to delete a volume or snapshot while it is being made (a run killed in the middle of a clone):
    // wait until it settles.
    await settled(cloud, t.type === 'volume' ? 'volume' : 'snapshot', t.imageId);
    if (t.type === 'volume') {
      await volumesApi.remove(cloud.blockStorage, t.imageId);
      await waitFor({
        poll: async () => {
          try {
            return (await volumesApi.get(cloud.blockStorage, t.imageId)).status;
          } catch (error) {
            if (isNotFound(error)) return 'deleted';
            throw error;
          }
        },
        status: (status) => status,
        ready: ['deleted'],
        failed: ['error_deleting'],
        timeoutMs: 5 * 60_000,
      });
    } else {
      await snapshotsApi.remove(cloud.blockStorage, t.imageId);
    }
    return true;
  } catch (error) {
    if (isNotFound(error)) return true;
    cloud.session.logger.warn(`could not remove the temporary ${t.type} ${t.imageId}`, {
      cloud: cloud.name,
      error: (error as Error).message,
    });
    return false;
  }
}

/** Cinder statuses that end by themselves, during which a volume or snapshot cannot be deleted. */
const TRANSITIONAL = ['creating', 'uploading', 'downloading', 'attaching', 'detaching', 'extending', 'backing-up'];

/** Waits (up to 5 min) until a Cinder volume or snapshot is in no TRANSITIONAL status (or gone). */
async function settled(cloud: Cloud, type: 'volume' | 'snapshot', id: string): Promise<void> {
  const api = type === 'volume' ? volumesApi : snapshotsApi;
  await waitFor({
    poll: async () => {
      try {
        return (await api.get(cloud.blockStorage, id)).status;
      } catch (error) {
        if (isNotFound(error)) return 'deleted';
        throw error;
      }
    },
    status: (status) => (TRANSITIONAL.includes(status) ? status : 'settled'),
    ready: ['settled', 'deleted'],
    failed: [],
    timeoutMs: 5 * 60_000,
    intervalMs: 500,
    maxIntervalMs: 5_000,
  });
}

/**
 * Temporary images an interrupted run left on a cloud: those carrying `bascule_temporary` = one of
 * `markers` (or any value when `markers` is undefined), and `bascule_journal` / `bascule_plan` = `of.journal` /
 * `of.plan` when given. A successful apply removes its plan's.
 */
export async function findTemporaryImages(
  cloud: Cloud,
  markers?: ReadonlySet<string>,
  signal?: AbortSignal,
  of: { journal?: string | undefined; plan?: string | undefined } = {},
): Promise<Image[]> {
  const found: Image[] = [];
  for await (const image of images.list(cloud.image, undefined, signal)) {
    const value = image[TEMPORARY_PROPERTY];
    if (typeof value !== 'string') continue;
    // Only this journal's, or this plan's: what a run of another plan kept (--keep-temporary) is not swept.
    if (of.journal !== undefined && image[JOURNAL_PROPERTY] !== of.journal) continue;
    if (of.plan !== undefined && image[PLAN_PROPERTY] !== of.plan) continue;
    if (markers === undefined || markers.has(value)) found.push(image);
  }
  return found;
}
