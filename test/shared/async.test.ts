import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from '../../src/shared/async.js';
import { AbortedError } from '../../src/shared/errors.js';

describe('sleep', () => {
  it('resolves after the delay', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
  });

  it('rejects with AbortedError when aborted, before or during', async () => {
    const before = new AbortController();
    before.abort();
    await expect(sleep(10_000, before.signal)).rejects.toBeInstanceOf(AbortedError);
    const during = new AbortController();
    const pending = sleep(60_000, during.signal);
    during.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('backoffDelay', () => {
  it('full jitter below min(cap, base * 2^attempt)', () => {
    const top = () => 0.999999;
    expect(backoffDelay(0, { base: 100, cap: 10_000, random: top })).toBe(99);
    expect(backoffDelay(3, { base: 100, cap: 10_000, random: top })).toBe(799);
    expect(backoffDelay(20, { base: 100, cap: 10_000, random: top })).toBe(9999);
    expect(backoffDelay(1000, { base: 100, cap: 10_000, random: top })).toBe(9999);
    expect(backoffDelay(5, { base: 100, cap: 10_000, random: () => 0 })).toBe(0);
    expect(backoffDelay(2, { random: () => 0.5 })).toBe(1000);
  });
});
