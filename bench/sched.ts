/**
 * The main thread's scheduler accounting on Linux (/proc/self/task/<pid>/schedstat): the time it ran on a core and
 * the time it was ready to run but waited for one (the run queue). On a shared machine the second is the part of a
 * wall time that is the machine's, not the program's: a benchmark gives it beside its wall time.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface Sched {
  /** Time on a core, ms. */
  runMs: number;
  /** Time ready to run but waiting for a core, ms. */
  waitMs: number;
}

/** The main thread's totals so far, or undefined where /proc has no schedstat (not Linux, or schedstats off). */
export function schedNow(): Sched | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return run === undefined || wait === undefined || Number.isNaN(run + wait)
      ? undefined
      : { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return undefined;
  }
}

/** What the main thread ran and waited since `start` (from schedNow). */
export function schedSince(start: Sched | undefined): Sched | undefined {
  const now = schedNow();
  return start === undefined || now === undefined
    ? undefined
    : { runMs: now.runMs - start.runMs, waitMs: now.waitMs - start.waitMs };
}

/** Every thread of the process (main, workers, libuv's pool): their totals so far, or undefined without schedstat. */
export function schedAllNow(): Sched | undefined {
  try {
    let runMs = 0;
    let waitMs = 0;
    for (const task of readdirSync('/proc/self/task')) {
      try {
        const [run, wait] = readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').trim().split(' ').map(Number);
        if (run === undefined || wait === undefined || Number.isNaN(run + wait)) return undefined;
        runMs += run / 1e6;
        waitMs += wait / 1e6;
      } catch {
        // a thread that ended between the listing and the read
      }
    }
    return { runMs, waitMs };
  } catch {
    return undefined;
  }
}

/** What every thread ran and waited since `start` (from schedAllNow; threads that ended meanwhile are not counted). */
export function schedAllSince(start: Sched | undefined): Sched | undefined {
  const now = schedAllNow();
  return start === undefined || now === undefined
    ? undefined
    : { runMs: now.runMs - start.runMs, waitMs: now.waitMs - start.waitMs };
}
