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
