import PQueue from 'p-queue';
import type { TransferProgress } from './progress.js';

/** All transfers of a run together. */
export interface OverallProgress {
  /** Bytes moved so far by every transfer (finished ones included). */
  bytesDone: number;
  /** Bytes announced (expect()) or known from running transfers; undefined while nothing is known. */
  bytesTotal?: number;
  bytesPerSecond?: number;
  etaSeconds?: number;
  transfersDone: number;
  transfersFailed: number;
  /** Transfers known so far (announced or started). */
  transfersTotal: number;
  /** Transfers running now. */
  active: number;
}

interface Entry {
  key: string;
  expectedBytes?: number;
  current?: TransferProgress;
  state: 'announced' | 'queued' | 'running' | 'done' | 'failed';
  promise?: Promise<unknown>;
}

/** A limit on transfers shared by several runs (the projects of a campaign). */
export interface TransferSlots {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Schedules the byte transfers of a run: at most `concurrency` at once (`--transfer-concurrency`,
 * separate from the API concurrency), each key (a source image id) moved once however many callers
 * ask for it (concurrent callers share one promise, later callers get the settled result), and one
 * overall progress: bytes done and total, throughput, time left.
 */
export class TransferManager {
  readonly #queue: PQueue;
  readonly #slots: TransferSlots | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #onProgress: ((overall: OverallProgress, current: TransferProgress[]) => void) | undefined;
  readonly #intervalMs: number;
  #started: number | undefined;
  #lastReport = 0;

  constructor(opts: {
    concurrency: number;
    onProgress?: (overall: OverallProgress, current: TransferProgress[]) => void;
    intervalMs?: number;
    /** Slots shared with other runs (a campaign's global cap on transfers): each transfer holds one while it runs. */
    slots?: TransferSlots;
  }) {
    this.#queue = new PQueue({ concurrency: Math.max(1, opts.concurrency) });
    this.#slots = opts.slots;
    this.#onProgress = opts.onProgress;
    this.#intervalMs = opts.intervalMs ?? 500;
  }

  /** Announces a transfer to come with its size, so the overall total is known early (the dry run's sum). */
  expect(key: string, bytes: number | undefined): void {
    const entry = this.#entries.get(key);
    if (entry) {
      if (bytes !== undefined && entry.expectedBytes === undefined) entry.expectedBytes = bytes;
      return;
    }
    this.#entries.set(key, { key, state: 'announced', ...(bytes !== undefined ? { expectedBytes: bytes } : {}) });
  }

  /** Whether this key was already started (or finished) in this run. */
  has(key: string): boolean {
    return this.#entries.get(key)?.promise !== undefined;
  }

  /**
   * Runs `run` once per key, within the transfer concurrency. `run` receives a progress callback to hand
   * to transferImage's onProgress. Every caller of the same key gets the same promise.
   */
  image<T>(key: string, run: (onProgress: (p: TransferProgress) => void) => Promise<T>): Promise<T> {
    let entry = this.#entries.get(key);
    if (entry?.promise) return entry.promise as Promise<T>;
    if (!entry) {
      entry = { key, state: 'announced' };
      this.#entries.set(key, entry);
    }
    const e = entry;
    e.state = 'queued';
    const body = async () => {
      this.#started ??= Date.now();
      e.state = 'running';
      this.#emit(true);
      try {
        const result = await run((p) => {
          e.current = p;
          if (p.bytesTotal !== undefined) e.expectedBytes = p.bytesTotal;
          this.#emit(false);
        });
        e.state = 'done';
        if (e.current) e.expectedBytes = e.current.bytesDone;
        return result;
      } catch (error) {
        e.state = 'failed';
        throw error;
      } finally {
        this.#emit(true);
      }
    };
    const slots = this.#slots;
    const promise = this.#queue.add(() => (slots ? slots.run(body) : body())) as Promise<T>;
    e.promise = promise;
    // A shared promise may have no other listener yet; its rejection is delivered to the callers that await it.
    promise.catch(() => undefined);
    return promise;
  }

  /** Resolves when every scheduled transfer has settled. */
  async idle(): Promise<void> {
    await this.#queue.onIdle();
  }

  overall(): OverallProgress {
    let bytesDone = 0;
    let total = 0;
    let totalKnown = false;
    let done = 0;
    let failed = 0;
    let active = 0;
    for (const e of this.#entries.values()) {
      const moved = e.current?.bytesDone ?? 0;
      bytesDone += moved;
      if (e.state === 'done') {
        done++;
        total += moved;
        totalKnown = true;
        continue;
      }
      if (e.state === 'failed') {
        failed++;
        total += moved;
        continue;
      }
      if (e.state === 'running') active++;
      if (e.expectedBytes !== undefined) {
        total += e.expectedBytes;
        totalKnown = true;
      }
    }
    const out: OverallProgress = {
      bytesDone,
      transfersDone: done,
      transfersFailed: failed,
      transfersTotal: this.#entries.size,
      active,
    };
    if (totalKnown) out.bytesTotal = Math.max(total, bytesDone);
    if (this.#started !== undefined) {
      const seconds = (Date.now() - this.#started) / 1000;
      if (seconds > 0.05 && bytesDone > 0) {
        out.bytesPerSecond = Math.round(bytesDone / seconds);
        if (out.bytesTotal !== undefined)
          out.etaSeconds = Math.max(0, Math.round((out.bytesTotal - bytesDone) / out.bytesPerSecond));
      }
    }
    return out;
  }

  /** The progress of the transfers running now. */
  current(): TransferProgress[] {
    return [...this.#entries.values()].filter((e) => e.state === 'running' && e.current).map((e) => e.current!);
  }

  #emit(force: boolean): void {
    if (!this.#onProgress) return;
    const now = Date.now();
    if (!force && now - this.#lastReport < this.#intervalMs) return;
    this.#lastReport = now;
    this.#onProgress(this.overall(), this.current());
  }
}
