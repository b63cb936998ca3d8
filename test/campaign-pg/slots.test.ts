// Caps across all workers, held in PostgreSQL: three pools stand for three worker hosts; however their jobs
// interleave, the number of transfers holding slots never exceeds the total cap nor a source cloud's cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { openPool, parseStoreUrl } from '../../src/campaign/postgres/connection.js';
import {
  acquireSlots,
  postgresTransferSlots,
  releaseSlots,
  renewSlots,
  slotsInUse,
} from '../../src/campaign/postgres/slots.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let db: TestDatabase;
let workers: pg.Pool[] = [];

beforeAll(async () => {
  db = await createTestDatabase('slots');
  workers = await Promise.all([1, 2, 3].map(() => openPool(parseStoreUrl(db.url), { max: 4 })));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.end()));
  await db?.drop();
});

describe('transfer caps across workers', () => {
  it('never lets more transfers run than the total cap or a source cloud’s cap', async () => {
    const caps = { total: 4, 'src-a': 2, 'src-b': 3 } as const;
    const running = { total: 0, 'src-a': 0, 'src-b': 0 };
    const peak = { total: 0, 'src-a': 0, 'src-b': 0 };
    let refusals = 0;
    const job = async (i: number) => {
      const pool = workers[i % workers.length]!;
      const source = i % 3 === 0 ? 'src-b' : 'src-a';
      for (;;) {
        const held = await acquireSlots(
          pool,
          `job-${i}`,
          [
            { scope: 'transfer', cap: caps.total },
            { scope: `transfer:source:${source}`, cap: caps[source] },
          ],
          30,
        );
        if (!held) {
          refusals++;
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        running.total++;
        running[source]++;
        peak.total = Math.max(peak.total, running.total);
        peak[source] = Math.max(peak[source], running[source]);
        await new Promise((r) => setTimeout(r, 20));
        running.total--;
        running[source]--;
        await releaseSlots(pool, held);
        return;
      }
    };
    await Promise.all(Array.from({ length: 24 }, (_, i) => job(i)));
    expect(peak.total).toBeLessThanOrEqual(caps.total);
    expect(peak['src-a']).toBeLessThanOrEqual(caps['src-a']);
    expect(peak['src-b']).toBeLessThanOrEqual(caps['src-b']);
    // 24 jobs wanting 4 slots: some had to wait, so the caps were really in the way.
    expect(refusals).toBeGreaterThan(0);
    expect(await slotsInUse(workers[0]!, 'transfer')).toBe(0);
  });

  it('takes all the slots a transfer needs or none', async () => {
    const [w1, w2] = workers;
    const full = await acquireSlots(w1!, 'hog', [{ scope: 'transfer:source:src-c', cap: 1 }], 30);
    expect(full).not.toBeNull();
    const none = await acquireSlots(
      w2!,
      'wants-both',
      [
        { scope: 'transfer-2', cap: 5 },
        { scope: 'transfer:source:src-c', cap: 1 },
      ],
      30,
    );
    expect(none).toBeNull();
    expect(await slotsInUse(w2!, 'transfer-2')).toBe(0);
    await releaseSlots(w1!, full!);
  });

  it('frees the slot of a holder that died when its lease runs out, not before', async () => {
    const [w1, w2] = workers;
    const dead = await acquireSlots(w1!, 'dead-worker', [{ scope: 'wave:c1:1', cap: 1 }], 1);
    expect(dead).not.toBeNull();
    expect(await acquireSlots(w2!, 'next', [{ scope: 'wave:c1:1', cap: 1 }], 30)).toBeNull();
    await new Promise((r) => setTimeout(r, 1300));
    const next = await acquireSlots(w2!, 'next', [{ scope: 'wave:c1:1', cap: 1 }], 30);
    expect(next).not.toBeNull();
    // The dead holder cannot renew what it lost, nor free the new holder's slot.
    expect(await renewSlots(w1!, dead!, 30)).toBe(false);
    await releaseSlots(w1!, dead!);
    expect(await slotsInUse(w2!, 'wave:c1:1')).toBe(1);
  });

  it('caps transfers run through run(fn) on three workers, and frees the slots of a transfer that failed', async () => {
    const scopes = [
      { scope: 'run-total', cap: 3 },
      { scope: 'run:source:src-a', cap: 2 },
    ];
    const slots = workers.map((w, i) => postgresTransferSlots(w, { holder: `w${i}`, scopes, pollMs: 10 }));
    let running = 0;
    let peak = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 15 }, (_, i) =>
        slots[i % 3]!.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 15));
          running--;
          if (i === 7) throw new Error('the copy failed');
          return i;
        }),
      ),
    );
    expect(peak).toBeLessThanOrEqual(2);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(14);
    expect(await slotsInUse(workers[0]!, 'run-total')).toBe(0);
    expect(await slotsInUse(workers[0]!, 'run:source:src-a')).toBe(0);
  });
});
