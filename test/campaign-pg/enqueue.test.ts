// `batch run --store` as the queue sees it: the first wave's projects get their first stage job, the second wave
// waits; queueing again queues nothing twice; a project left running with no job in the queue (its job failed
// every retry) is named, and queued again with --resume. Heartbeats extend pg-boss's own expiry of a job.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { loadCampaign } from '../../src/campaign/load.js';
import { enqueueCampaign, STAGE_QUEUE, type DistributedOptions } from '../../src/campaign/postgres/campaign-queue.js';
import { openPool, parseStoreUrl } from '../../src/campaign/postgres/connection.js';
import { QueueWorker, startBoss } from '../../src/campaign/postgres/queue.js';
import { PgCampaignStore } from '../../src/campaign/postgres/store.js';
import type { Campaign } from '../../src/campaign/types.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let db: TestDatabase;
let pool: pg.Pool;
let boss: PgBoss;
let campaign: Campaign;
let store: PgCampaignStore;
const options: DistributedOptions = {
  mode: 'run',
  approveAll: true,
  maxTransfers: 2,
  maxTransfersPerSource: 2,
  parallelProjects: 4,
  leaseSeconds: 60,
};

const jobs = async () =>
  (
    await pool.query<{ key: string; state: string }>(
      `SELECT data->>'key' AS key, state::text AS state FROM pgboss.job WHERE name = $1 ORDER BY 1`,
      [STAGE_QUEUE],
    )
  ).rows;

beforeAll(async () => {
  db = await createTestDatabase('enqueue');
  const url = parseStoreUrl(db.url);
  pool = await openPool(url);
  boss = await startBoss(url);
  const dir = mkdtempSync(join(tmpdir(), 'bascule-enqueue-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(
    file,
    [
      'format: bascule.campaign/v1',
      'name: c1',
      'defaults: {source: {cloud: a}, target: {cloud: b}}',
      'waves:',
      '  - name: w1',
      '    projects: [{source: {project: p1}}, {source: {project: p2}}]',
      '  - name: w2',
      '    projects: [{source: {project: p3}}]',
      '',
    ].join('\n'),
  );
  campaign = await loadCampaign(file);
  store = new PgCampaignStore(pool, url, 'c1');
});
afterAll(async () => {
  await boss?.stop({ graceful: false, wait: true });
  await pool?.end();
  await db?.drop();
});

describe('enqueueCampaign', () => {
  it('queues the first stage of the first wave, once', async () => {
    const first = await enqueueCampaign(campaign, store, boss, pool, options);
    expect(first).toMatchObject({ run: 1, queued: ['p1', 'p2', 'p3'], skipped: [] });
    expect((await jobs()).map((j) => j.key)).toEqual(['c1/1/p1/export', 'c1/1/p2/export']);
    expect((await store.all()).map((s) => `${s.id}:${s.status}:${s.run}`)).toEqual([
      'p1:queued:1',
      'p2:queued:1',
      'p3:queued:1',
    ]);
    const again = await enqueueCampaign(campaign, store, boss, pool, options);
    expect(again.queued).toEqual([]);
    expect(again.run).toBe(1);
    expect(again.skipped.map((s) => s.why)).toEqual(['already queued', 'already queued', 'already queued']);
    expect(await jobs()).toHaveLength(2);
  });

  it('names a project left running with no job, and queues it again with --resume', async () => {
    const p1 = (await store.get('p1'))!;
    await store.put({ ...p1, status: 'running', stage: 'applying' });
    await pool.query(`UPDATE pgboss.job SET state = 'failed' WHERE name = $1 AND data->>'key' = 'c1/1/p1/export'`, [
      STAGE_QUEUE,
    ]);
    const without = await enqueueCampaign(campaign, store, boss, pool, options);
    expect(without.queued).toEqual([]);
    expect(without.skipped.find((s) => s.id === 'p1')?.why).toMatch(/no worker has its job any more.*--resume/);
    const resumed = await enqueueCampaign(campaign, store, boss, pool, { ...options, resume: true });
    expect(resumed).toMatchObject({ run: 2, queued: ['p1'] });
    expect((await jobs()).map((j) => j.key)).toContain('c1/2/p1/apply');
    expect((await store.get('p1'))?.run).toBe(2);
  });

  it('a heartbeat keeps a job past its expiry while its worker is alive', async () => {
    await boss.createQueue('beat', { name: 'beat', policy: 'standard' }).catch(() => undefined);
    await boss.send('beat', { key: 'b1' }, { expireInSeconds: 2, retryLimit: 0 });
    const events: string[] = [];
    const worker = new QueueWorker(
      boss,
      pool,
      { queue: 'beat', pollingIntervalSeconds: 0.2, onEvent: (e) => events.push(`${e.type} ${e.message ?? ''}`) },
      async () => {
        await new Promise((r) => setTimeout(r, 5000));
        const { rows } = await pool.query<{ s: number }>(
          `SELECT extract(epoch FROM expire_in)::int AS s FROM pgboss.job WHERE name = 'beat'`,
        );
        expect(rows[0]!.s).toBeGreaterThan(4);
      },
    );
    const running = worker.run();
    for (let i = 0; i < 100 && !events.some((e) => e.startsWith('job.done')); i += 1)
      await new Promise((r) => setTimeout(r, 100));
    await worker.stop(1000);
    await running;
    expect(events.filter((e) => !e.startsWith('job.start'))).toEqual(['job.done ']);
  });
});
