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
