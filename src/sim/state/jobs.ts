/**
 * Deferred status changes, applied lazily: every request first runs what is due. No timers, so a
 * stopped simulator leaves nothing running, and a read after the delay always sees the change.
 * A job may also wait for work in flight (a byte copy): it runs once both are done.
 */
interface Job {
  at: number;
  run: () => void;
  isReady: () => boolean;
}

export class Jobs {
  #jobs: Job[] = [];

  schedule(delayMs: number, run: () => void, waitFor?: Promise<unknown>): void {
    let ready = waitFor === undefined;
    waitFor?.then(
      () => (ready = true),
      () => (ready = true),
    );
    this.#jobs.push({ at: Date.now() + delayMs, run, isReady: () => ready });
  }

  /** Runs every job that is due, in order. Jobs a job schedules run on a later call. */
  runDue(now = Date.now()): void {
    if (this.#jobs.length === 0) return;
    const due = this.#jobs.filter((j) => j.at <= now && j.isReady());
    if (due.length === 0) return;
    this.#jobs = this.#jobs.filter((j) => !due.includes(j));
    due.sort((a, b) => a.at - b.at);
    for (const job of due) job.run();
  }

  get pending(): number {
    return this.#jobs.length;
  }
}
