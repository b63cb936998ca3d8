/**
 * Octavia's state machine, as a client sees it: every create, update and delete puts the object (and its load
 * balancer) in PENDING_* until the driver is done, then ACTIVE (or ERROR). While its load balancer is PENDING_*,
 * any other change under it is refused with 409 ("Load Balancer ... is immutable"), so writes under one load
 * balancer wait for it to be ACTIVE first and retry a 409 once it is.
 */
import { isHttpError, isNotFound, OS_ERROR } from '../errors.js';
import { collect } from '../pagination.js';
import type { ServiceClient } from '../service-client.js';
import { waitFor, waitOrThrow, WAITER_STATE } from '../waiter.js';
import * as loadBalancers from './load-balancers/requests.js';
import { AbortedError } from '../../shared/errors.js';
import { PROVISIONING } from './types.js';

/** How long one object may stay PENDING_* (a real amphora boots a VM: minutes). */
export const LB_WAIT_MS = 15 * 60_000;

/** Waits until `poll` shows provisioning_status ACTIVE; ERROR is a clear failure naming `what`. */
export function waitActive<T extends { provisioning_status?: string }>(
  what: string,
  poll: () => Promise<T>,
  options: { signal?: AbortSignal; timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  return waitOrThrow(what, {
    poll,
    status: (v) => v.provisioning_status ?? PROVISIONING.ACTIVE,
    ready: [PROVISIONING.ACTIVE],
    failed: [PROVISIONING.ERROR, PROVISIONING.DELETED],
    timeoutMs: options.timeoutMs ?? LB_WAIT_MS,
    intervalMs: options.intervalMs ?? 250,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/**
 * How long a new member may take to be seen healthy. Octavia reports operating status from the amphorae's heartbeats
 * (every 10 s by default), so a member is ONLINE (or NO_MONITOR, its pool having no health monitor) within seconds of
 * being ACTIVE when its server answers; ERROR while the health monitor cannot reach it (a server still booting, or
 * stopped). Mutable for tests.
 */
export const OPERATING_WAIT = { timeoutMs: 60_000, intervalMs: 1_000 };
/** What waitOperating's status function says of an object an admin turned off (OFFLINE is then expected). */
export const DISABLED = 'DISABLED';
/** The operating statuses a member settles in when traffic can reach it (DRAINING: weight 0, by choice). */
export const SETTLED: readonly string[] = ['ONLINE', 'NO_MONITOR', 'DRAINING', DISABLED];

/**
 * Waits, up to OPERATING_WAIT.timeoutMs, until `poll` shows an operating status of SETTLED. Never throws for a status:
 * it returns the last one read and whether it settled, so that the caller names a member the health checks do not
 * see, and the run goes on (a migration does not control whether the target's servers answer yet).
 */
export async function waitOperating<T extends { operating_status?: string }>(
  poll: () => Promise<T>,
  signal?: AbortSignal,
  status: (value: T) => string = (v) => v.operating_status ?? 'UNKNOWN',
): Promise<{ settled: boolean; status: string; value?: T; elapsedMs: number }> {
  const result = await waitFor({
    poll,
    status,
    ready: SETTLED,
    failed: [],
    timeoutMs: OPERATING_WAIT.timeoutMs,
    intervalMs: OPERATING_WAIT.intervalMs,
    maxIntervalMs: Math.max(OPERATING_WAIT.intervalMs, 5_000),
    ...(signal ? { signal } : {}),
  });
  if (result.state === WAITER_STATE.ABORTED) throw new AbortedError('the wait for operating status was aborted');
  return {
    settled: result.state === WAITER_STATE.SUCCESS,
    status: result.lastStatus ?? 'UNKNOWN',
    ...(result.value !== undefined ? { value: result.value } : {}),
    elapsedMs: result.elapsedMs,
  };
}

/** Waits until the load balancer is ACTIVE (nothing pending under it). */
export function waitLoadBalancer(
  sc: ServiceClient,
  id: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<unknown> {
  return waitActive(`load balancer ${id}`, () => loadBalancers.get(sc, id, sig(options.signal)), options);
}

/** Waits until `get` answers 404 (or DELETED): the object is gone. */
export async function waitGone(
  what: string,
  get: () => Promise<{ provisioning_status?: string }>,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<void> {
  await waitOrThrow(what, {
    poll: async () => {
      try {
        return (await get()).provisioning_status ?? PROVISIONING.PENDING_DELETE;
      } catch (error) {
        if (isNotFound(error)) return PROVISIONING.DELETED;
        throw error;
      }
    },
    status: (s) => s,
    ready: [PROVISIONING.DELETED],
    failed: [PROVISIONING.ERROR],
    timeoutMs: options.timeoutMs ?? LB_WAIT_MS,
    intervalMs: 500,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** Whether an error is Octavia's 409 for a load balancer that is busy (PENDING_*): retried once it is ACTIVE. */
export function isImmutable(error: unknown): boolean {
  return isHttpError(error, OS_ERROR.CONFLICT) && /immutable/i.test(error.message);
}

/**
 * Runs a write under a load balancer: waits for it to be ACTIVE, then writes; a 409 "immutable" (another write
 * under the same load balancer got in first) waits again and retries, up to `attempts` times. A 409 never means the
 * object was made, so retrying a POST here cannot duplicate it.
 */
export async function underLoadBalancer<T>(
  sc: ServiceClient,
  lbId: string,
  write: () => Promise<T>,
  options: { signal?: AbortSignal; attempts?: number } = {},
): Promise<T> {
  const attempts = options.attempts ?? 20;
  for (let attempt = 1; ; attempt++) {
    await waitLoadBalancer(sc, lbId, options);
    try {
      return await write();
    } catch (error) {
      if (!isImmutable(error) || attempt >= attempts) throw error;
    }
  }
}

const VERSIONS = new WeakMap<ServiceClient, Promise<string>>();

/**
 * The highest Load Balancer API version the service offers (`2.0` on Pike, `2.26` on Zed), from its version
 * document (GET /). Tags need 2.5, flavors 2.6, allowed CIDRs 2.12, availability zones 2.14. Read once per client.
 */
export function apiVersion(sc: ServiceClient, signal?: AbortSignal): Promise<string> {
  let known = VERSIONS.get(sc);
  if (!known) {
    known = readVersion(sc, signal).catch((error: unknown) => {
      VERSIONS.delete(sc);
      throw error;
    });
    VERSIONS.set(sc, known);
  }
  return known;
}

async function readVersion(sc: ServiceClient, signal?: AbortSignal): Promise<string> {
  const resolved = await sc.resolve(signal);
  const response = await sc.request<{ versions?: { id?: string; status?: string }[] }>('GET', `${resolved.root}/`, {
    okStatus: [200, 300],
    ...(signal ? { signal } : {}),
  });
  let best = '2.0';
  for (const v of response.data?.versions ?? []) {
    const m = /^v(\d+)\.(\d+)$/.exec(v.id ?? '');
    if (m && m[1] === '2' && atLeast(`2.${m[2]}`, best)) best = `2.${m[2]}`;
  }
  return best;
}

/** Whether version `a` (`2.12`) is at least `b` (`2.5`). */
export function atLeast(a: string, b: string): boolean {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am > bm : an >= bn;
}

/** Every load balancer of a project (admin may see others: filtered). */
export async function projectLoadBalancers(
  sc: ServiceClient,
  projectId: string,
  signal?: AbortSignal,
): Promise<loadBalancers.LoadBalancerList> {
  const all = await collect(loadBalancers.list(sc, { project_id: projectId }, sig(signal)));
  return all.filter((lb) => (lb.project_id ?? lb.tenant_id ?? projectId) === projectId);
}

function sig(signal: AbortSignal | undefined): { signal: AbortSignal } | Record<string, never> {
  return signal ? { signal } : {};
}
