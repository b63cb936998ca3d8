import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { backoffDelay, linkedSignal, sleep } from '../../src/shared/async.js';
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

describe('linkedSignal', () => {
  it('holds one listener on the parent however many signals are linked to it', () => {
    const parent = new AbortController();
    const links = Array.from({ length: 500 }, () => linkedSignal(parent.signal));
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    for (const l of links) l.release();
    linkedSignal(parent.signal);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
  });

  it("aborts every linked signal not released, with the parent's reason; a released one is left alone", () => {
    const parent = new AbortController();
    const kept = linkedSignal(parent.signal);
    const released = linkedSignal(parent.signal);
    released.release();
    const reason = new Error('stop');
    parent.abort(reason);
    expect(kept.signal.aborted).toBe(true);
    expect(kept.signal.reason).toBe(reason);
    expect(released.signal.aborted).toBe(false);
  });

  it('is aborted at once when linked to a parent already aborted', () => {
    const parent = new AbortController();
    parent.abort();
    const { signal } = linkedSignal(parent.signal);
    expect(signal.aborted).toBe(true);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });
});
