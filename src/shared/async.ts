import { AbortedError } from './errors.js';

/** Sleeps `ms` milliseconds; rejects with AbortedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Every signal linked to a parent signal (linkedSignal), by parent: the parent holds one listener for them all. */
const linked = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * A signal that aborts (with the same reason) when `parent` does, for one unit of work such as a project of a
 * campaign, and `release()` to end the link when that work is done. Node's EventTarget keeps a signal's listeners in a
 * list that every add and remove walks (to refuse duplicates): one signal shared by every request of every project of
 * a 1,000-project campaign held thousands of listeners, and each request paid for all of them, a cost quadratic in the
 * campaign's size (docs/performance.md). However many signals are linked to one parent, it holds a single listener.
 */
export function linkedSignal(parent: AbortSignal): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, release: () => undefined };
  }
  let children = linked.get(parent);
  if (children === undefined) {
    const set = new Set<AbortController>();
    children = set;
    linked.set(parent, set);
    parent.addEventListener(
      'abort',
      () => {
        linked.delete(parent);
        for (const child of set) child.abort(parent.reason);
        set.clear();
      },
      { once: true },
    );
  }
  const set = children;
  set.add(controller);
  return { signal: controller.signal, release: () => void set.delete(controller) };
}

export interface BackoffOptions {
  /** First delay in ms. */
  base?: number;
  /** Highest delay in ms. */
  cap?: number;
  /** A random source in [0, 1), injectable for reproducible tests. */
  random?: () => number;
}

/**
 * Capped exponential backoff with "full jitter" (AWS architecture blog): a delay drawn uniformly in
 * [0, min(cap, base * 2^attempt)]. `attempt` starts at 0.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.base ?? 500;
  const cap = options.cap ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `write` on request, but never two at once and not again sooner than `max(minGapMs, factor × its last
 * duration)` after the last one ended: requests meanwhile make one more write, when that time comes. A campaign's
 * live report was rewritten at every event of every project, each time reading every project's state, a cost
 * quadratic in the campaign's size (400 projects: 391 s against 84 s without the CLI; docs/performance.md).
 * `stop()` drops a write not yet started and waits for the one under way. What `write` throws is ignored.
 */
export function coalesced(
  write: () => Promise<unknown>,
  options: { minGapMs?: number; factor?: number } = {},
): { request: () => void; stop: () => Promise<void> } {
  const minGapMs = options.minGapMs ?? 1000;
  const factor = options.factor ?? 10;
  let writing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  let notBefore = 0;
  let stopped = false;
  const start = (): void => {
    timer = undefined;
    pending = false;
    const began = Date.now();
    writing = write()
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        notBefore = Date.now() + Math.max(minGapMs, factor * (Date.now() - began));
        writing = undefined;
        if (pending) schedule();
      });
  };
  const schedule = (): void => {
    if (stopped || writing !== undefined || timer !== undefined) return;
    const wait = notBefore - Date.now();
    if (wait <= 0) start();
    else timer = setTimeout(start, wait);
  };
  return {
    request: () => {
      pending = true;
      schedule();
    },
    stop: async () => {
      stopped = true;
      pending = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      while (writing !== undefined) await writing;
    },
  };
}
