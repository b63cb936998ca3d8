import { describe, expect, it } from 'vitest';
import { parseRetryAfter, shouldRetry } from '../../../src/openstack/transport/classify.js';

describe('parseRetryAfter', () => {
  it('reads delta-seconds, fractions included, as milliseconds', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('0.01')).toBe(10);
    expect(parseRetryAfter(['3', '9'])).toBe(3000);
  });

  it('reads an HTTP-date relative to now', () => {
    const now = Date.UTC(2026, 10, 28, 15, 0, 0);
    expect(parseRetryAfter('Sat, 28 Nov 2026 15:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter(new Date(now + 42_000).toUTCString(), now)).toBe(42_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 14:59:00 GMT', now)).toBe(0);
  });

  it('caps long waits and ignores what it cannot read', () => {
    expect(parseRetryAfter('86400')).toBe(120_000);
    expect(parseRetryAfter('600', Date.now(), 5_000)).toBe(5_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('shouldRetry', () => {
  it('idempotent methods: 408/500/502/503/504 and connection errors', () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      for (const status of [408, 500, 502, 503, 504]) expect(shouldRetry(method, { status })).toEqual({ retry: true });
      for (const networkCode of ['ECONNRESET', 'UND_ERR_SOCKET', 'ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT'])
        expect(shouldRetry(method, { networkCode })).toEqual({ retry: true });
      for (const status of [400, 401, 403, 404, 409, 413, 501])
        expect(shouldRetry(method, { status })).toEqual({ retry: false });
    }
  });

  it('POST and PATCH: never on 408, 5xx or a reset (the request may have been processed)', () => {
    for (const method of ['POST', 'PATCH']) {
      for (const status of [408, 500, 502, 503, 504]) expect(shouldRetry(method, { status })).toEqual({ retry: false });
      expect(shouldRetry(method, { networkCode: 'ECONNRESET' })).toEqual({ retry: false });
      expect(shouldRetry(method, { networkCode: 'UND_ERR_SOCKET' })).toEqual({ retry: false });
    }
  });

  it('any method: 429, 503 with Retry-After, and failures before sending', () => {
    expect(shouldRetry('POST', { status: 429 })).toEqual({ retry: true });
    expect(shouldRetry('POST', { status: 429, retryAfterMs: 1500 })).toEqual({ retry: true, afterMs: 1500 });
    expect(shouldRetry('POST', { status: 503, retryAfterMs: 10 })).toEqual({ retry: true, afterMs: 10 });
    expect(shouldRetry('GET', { status: 503, retryAfterMs: 0 })).toEqual({ retry: true, afterMs: 0 });
    expect(shouldRetry('POST', { networkCode: 'ECONNREFUSED' })).toEqual({ retry: true });
    expect(shouldRetry('POST', { networkCode: 'UND_ERR_CONNECT_TIMEOUT' })).toEqual({ retry: true });
  });
});
