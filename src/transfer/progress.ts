/** One transfer's progress, as given to `onProgress`. */
export interface TransferProgress {
  id: string;
  label: string;
  bytesDone: number;
  bytesTotal?: number;
  bytesPerSecond?: number;
  etaSeconds?: number;
}

/** Turns byte counts into throttled progress reports with throughput and time left. */
export class ProgressMeter {
  readonly #id: string;
  readonly #label: string;
  readonly #total: number | undefined;
  readonly #report: ((p: TransferProgress) => void) | undefined;
  readonly #intervalMs: number;
  readonly #started = Date.now();
  #lastReport = 0;

  constructor(
    id: string,
    label: string,
    total: number | undefined,
    report: ((p: TransferProgress) => void) | undefined,
    intervalMs = 250,
  ) {
    this.#id = id;
    this.#label = label;
    this.#total = total;
    this.#report = report;
    this.#intervalMs = intervalMs;
  }

  update(bytesDone: number): void {
    if (!this.#report) return;
    const now = Date.now();
    if (now - this.#lastReport < this.#intervalMs) return;
    this.#lastReport = now;
    this.#report(this.snapshot(bytesDone, now));
  }

  finish(bytesDone: number): void {
    this.#report?.(this.snapshot(bytesDone, Date.now()));
  }

  snapshot(bytesDone: number, now = Date.now()): TransferProgress {
    const p: TransferProgress = { id: this.#id, label: this.#label, bytesDone };
    if (this.#total !== undefined) p.bytesTotal = this.#total;
    const seconds = (now - this.#started) / 1000;
    if (seconds > 0.05 && bytesDone > 0) {
      p.bytesPerSecond = Math.round(bytesDone / seconds);
      if (this.#total !== undefined)
        p.etaSeconds = Math.max(0, Math.round((this.#total - bytesDone) / p.bytesPerSecond));
    }
    return p;
  }
}
