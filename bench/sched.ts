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

/** Each thread of the process (main, workers, libuv's pool) by id: its totals so far; undefined without schedstat. */
export function schedThreadsNow(): Map<string, Sched> | undefined {
  try {
    const out = new Map<string, Sched>();
    for (const task of readdirSync('/proc/self/task')) {
      try {
        const [run, wait] = readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').trim().split(' ').map(Number);
        if (run === undefined || wait === undefined || Number.isNaN(run + wait)) return undefined;
        out.set(task, { runMs: run / 1e6, waitMs: wait / 1e6 });
      } catch {
        // a thread that ended between the listing and the read
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * What each thread ran and waited since `start` (from schedThreadsNow; a thread started meanwhile counts from zero,
 * one that ended meanwhile is not counted): the sum over threads, and the busiest thread's time on a core.
 */
export function schedThreadsSince(
  start: Map<string, Sched> | undefined,
): { all: Sched; busiestRunMs: number } | undefined {
  const now = schedThreadsNow();
  if (start === undefined || now === undefined) return undefined;
  const all = { runMs: 0, waitMs: 0 };
  let busiestRunMs = 0;
  for (const [task, t] of now) {
    const before = start.get(task) ?? { runMs: 0, waitMs: 0 };
    const runMs = t.runMs - before.runMs;
    all.runMs += runMs;
    all.waitMs += t.waitMs - before.waitMs;
    busiestRunMs = Math.max(busiestRunMs, runMs);
  }
  return { all, busiestRunMs };
}
