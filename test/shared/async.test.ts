import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { backoffDelay, coalesced, linkedSignal, sleep } from '../../src/shared/async.js';
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

describe('coalesced', () => {
  /** A write that ends when the test says so, counting the writes started. */
  function gatedWrite(): { write: () => Promise<void>; started: () => number; finish: () => void } {
    let started = 0;
    let release: (() => void) | undefined;
    return {
      write: () => {
        started += 1;
        return new Promise<void>((resolve) => (release = resolve));
      },
      started: () => started,
      finish: () => release?.(),
    };
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

  it('writes at once, then once more for all the requests made while it was writing', async () => {
    const gate = gatedWrite();
    const live = coalesced(gate.write, { minGapMs: 0, factor: 0 });
    for (let i = 0; i < 1000; i += 1) live.request();
    expect(gate.started()).toBe(1);
    gate.finish();
    await settle();
    expect(gate.started()).toBe(2);
    gate.finish();
    await settle();
    expect(gate.started()).toBe(2);
    await live.stop();
  });

  it('requests within the gap after a write make one write when the gap ends', async () => {
    let writes = 0;
    const live = coalesced(async () => void (writes += 1), { minGapMs: 40, factor: 0 });
    live.request();
    await settle();
    for (let i = 0; i < 100; i += 1) live.request();
    expect(writes).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(writes).toBe(2);
    await live.stop();
  });

  it('stop drops a write not started, waits for the one under way, and ignores later requests', async () => {
    const gate = gatedWrite();
    const live = coalesced(gate.write, { minGapMs: 0, factor: 0 });
    live.request();
    live.request();
    let stopped = false;
    const stopping = live.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    gate.finish();
    await stopping;
    live.request();
    await settle();
    expect(gate.started()).toBe(1);
  });

  it('a write that fails does not stop the next', async () => {
    let writes = 0;
    const live = coalesced(
      async () => {
        writes += 1;
        throw new Error('disk full');
      },
      { minGapMs: 0, factor: 0 },
    );
    live.request();
    await settle();
    live.request();
    await settle();
    expect(writes).toBe(2);
    await live.stop();
  });
});
