import { describe, expect, it } from 'vitest';
import { TransferManager } from '../../src/transfer/index.js';
import type { OverallProgress, TransferProgress } from '../../src/transfer/index.js';
import { sleep } from '../../src/shared/async.js';

describe('TransferManager', () => {
  it('runs each key once, shares the promise between concurrent callers, and caps concurrency', async () => {
    const manager = new TransferManager({ concurrency: 2 });
    let running = 0;
    let peak = 0;
    const runs: string[] = [];
    const job = (key: string) => async () => {
      runs.push(key);
      running++;
      peak = Math.max(peak, running);
      await sleep(30);
      running--;
      return `moved ${key}`;
    };
    const calls = ['a', 'b', 'a', 'c', 'd', 'b', 'a'].map((k) => manager.image(k, job(k)));
    const results = await Promise.all(calls);
    expect(results).toEqual(['moved a', 'moved b', 'moved a', 'moved c', 'moved d', 'moved b', 'moved a']);
    expect(runs.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(peak).toBe(2);
    expect(await manager.image('a', job('a'))).toBe('moved a');
    expect(runs).toHaveLength(4);
  });

  it('shares a failure with every caller of the key', async () => {
    const manager = new TransferManager({ concurrency: 1 });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('boom');
    };
    const results = await Promise.allSettled([manager.image('x', failing), manager.image('x', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(manager.overall().transfersFailed).toBe(1);
  });

  it('reports overall bytes, total, throughput and time left', async () => {
    const reports: { overall: OverallProgress; current: TransferProgress[] }[] = [];
    const manager = new TransferManager({
      concurrency: 2,
      intervalMs: 0,
      onProgress: (overall, current) => reports.push({ overall, current }),
    });
    manager.expect('a', 1000);
    manager.expect('b', 3000);
    const transfer = (key: string, total: number) => async (report: (p: TransferProgress) => void) => {
      for (let done = 0; done <= total; done += total / 4) {
        report({ id: key, label: `image ${key}`, bytesDone: done, bytesTotal: total });
        await sleep(30);
      }
      return total;
    };
    await Promise.all([manager.image('a', transfer('a', 1000)), manager.image('b', transfer('b', 3000))]);
    const final = manager.overall();
    expect(final).toMatchObject({
      bytesDone: 4000,
      bytesTotal: 4000,
      transfersDone: 2,
      transfersTotal: 2,
      active: 0,
      etaSeconds: 0,
    });
    expect(final.bytesPerSecond).toBeGreaterThan(0);
    const first = reports.find((r) => r.overall.bytesDone > 0)!;
    expect(first.overall.bytesTotal).toBe(4000);
    expect(first.current.length).toBeGreaterThan(0);
    const middle = reports.find(
      (r) => r.overall.bytesDone > 0 && r.overall.bytesDone < 4000 && r.overall.etaSeconds !== undefined,
    );
    expect(middle).toBeDefined();
  });
});
