import { sleep } from '../shared/async.js';
import { AbortedError, BasculeError } from '../shared/errors.js';

export const WAITER_STATE = { SUCCESS: 'SUCCESS', FAILURE: 'FAILURE', TIMEOUT: 'TIMEOUT', ABORTED: 'ABORTED' } as const;
export type WaiterState = (typeof WAITER_STATE)[keyof typeof WAITER_STATE];

export interface WaitOptions<T> {
  /** Reads the resource once. */
  poll: () => Promise<T>;
  /** The status of what was read. */
  status: (value: T) => string;
  ready: readonly string[];
  failed: readonly string[];
  timeoutMs: number;
  /** First delay between polls; grows by 1.5 up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  signal?: AbortSignal;
  /** Called on every poll (progress). */
  onPoll?: (value: T) => void;
}

export interface WaitResult<T> {
  state: WaiterState;
  value?: T;
  lastStatus?: string;
  elapsedMs: number;
}

/** Polls until the resource reaches a ready or failed status, the time runs out, or the signal aborts (smithy's util-waiter). */
export async function waitFor<T>(options: WaitOptions<T>): Promise<WaitResult<T>> {
  const started = Date.now();
  let interval = options.intervalMs ?? 500;
  const maxInterval = options.maxIntervalMs ?? 5_000;
  let last: T | undefined;
  let lastStatus: string | undefined;
  for (;;) {
    if (options.signal?.aborted) return result(WAITER_STATE.ABORTED);
    try {
      last = await options.poll();
    } catch (error) {
      // A poll cut by the same signal is the wait being aborted, not a failure of the poll.
      if (options.signal?.aborted && error instanceof AbortedError) return result(WAITER_STATE.ABORTED);
      throw error;
    }
    lastStatus = options.status(last);
    options.onPoll?.(last);
    if (options.ready.includes(lastStatus)) return result(WAITER_STATE.SUCCESS);
    if (options.failed.includes(lastStatus)) return result(WAITER_STATE.FAILURE);
    const elapsed = Date.now() - started;
    if (elapsed >= options.timeoutMs) return result(WAITER_STATE.TIMEOUT);
    try {
      await sleep(Math.min(interval, options.timeoutMs - elapsed), options.signal);
    } catch (error) {
      if (error instanceof AbortedError) return result(WAITER_STATE.ABORTED);
      throw error;
    }
    interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
  }
  function result(state: WaiterState): WaitResult<T> {
    const out: WaitResult<T> = { state, elapsedMs: Date.now() - started };
    if (last !== undefined) out.value = last;
    if (lastStatus !== undefined) out.lastStatus = lastStatus;
    return out;
  }
}

/** waitFor, throwing a clear error unless it succeeded. `what` names the resource ("server web-1"). */
export async function waitOrThrow<T>(
  what: string,
  options: WaitOptions<T> & { faultMessage?: (value: T) => string | undefined },
): Promise<T> {
  const outcome = await waitFor(options);
  switch (outcome.state) {
    case WAITER_STATE.SUCCESS:
      return outcome.value as T;
    case WAITER_STATE.ABORTED:
      throw new AbortedError(`waiting for ${what} was interrupted`);
    case WAITER_STATE.TIMEOUT:
      throw new BasculeError(
        'OS_WAIT_TIMEOUT',
        `${what} did not become ${options.ready.join('/')} within ${Math.round(options.timeoutMs / 1000)} s (last status ${outcome.lastStatus ?? 'unknown'})`,
      );
    default: {
      const fault = outcome.value !== undefined ? options.faultMessage?.(outcome.value) : undefined;
      throw new BasculeError(
        'OS_RESOURCE_ERROR',
        `${what} went to ${outcome.lastStatus ?? 'an error status'}${fault ? `: ${fault}` : ''}`,
      );
    }
  }
}
