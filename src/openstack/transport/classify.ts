/**
 * Whether a failed call may be retried, as pure predicates over codes (smithy's
 * service-error-classification; undici's retry-handler defaults).
 */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/**
 * 408 is a server (or a proxy in front of it) that gave up waiting for the request and closed the connection:
 * RFC 9110 (15.5.9) lets the client repeat it. A busy client meets it (a 1,000-project campaign on two shared cores,
 * where Node's HTTP server answered 408 to 2 GETs on reused connections; docs/performance.md).
 */
export const TRANSIENT_STATUS: ReadonlySet<number> = new Set([408, 500, 502, 503, 504]);
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Failures that happen before a byte of the request was sent. */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export type RetryDecision = { retry: false } | { retry: true; afterMs?: number };

/**
 * Idempotent methods are retried on 408, 5xx and network errors; any method on 429, and on 503 when the
 * server sent Retry-After (it says the request was not processed). POST and PATCH, and calls marked not
 * idempotent, are never blindly retried on anything else: their callers decide from the state (the engine finds
 * creates by marker; the router writer reads the router's ports).
 */
export function shouldRetry(
  method: string,
  outcome: { status?: number; networkCode?: string; retryAfterMs?: number },
  /** False for a call whose method says idempotent but is not (a Neutron router interface PUT). */
  idempotentCall = true,
): RetryDecision {
  const idempotent = idempotentCall && IDEMPOTENT_METHODS.has(method);
  if (outcome.status === 429)
    return outcome.retryAfterMs === undefined ? { retry: true } : { retry: true, afterMs: outcome.retryAfterMs };
  if (outcome.status === 503 && outcome.retryAfterMs !== undefined)
    return { retry: true, afterMs: outcome.retryAfterMs };
  // The request never reached the server: safe to send again whatever the method.
  if (outcome.networkCode !== undefined && NOT_SENT_CODES.has(outcome.networkCode)) return { retry: true };
  if (!idempotent) return { retry: false };
  if (outcome.status !== undefined && TRANSIENT_STATUS.has(outcome.status)) return { retry: true };
  if (outcome.networkCode !== undefined && NETWORK_ERROR_CODES.has(outcome.networkCode)) return { retry: true };
  return { retry: false };
}

/** Parses Retry-After (delta-seconds or HTTP-date) into milliseconds, capped. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now = Date.now(),
  capMs = 120_000,
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(capMs, Math.round(seconds * 1000));
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.min(capMs, Math.max(0, date - now));
}
