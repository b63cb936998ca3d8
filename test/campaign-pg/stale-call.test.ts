// A worker that journaled the intent of a create, then was paused (SIGSTOP, a freeze) before it sent the call, must
// not send it when it comes back after another worker took its job over: the new owner found nothing by marker (the
// call had not been sent) and made the object itself, so the late call would make a second one. The journal's
// fencing cannot refuse it (the intent is written already; the cloud checks no lease): the call is checked against
// the lease right before it leaves (leaseGuard). Before, the network below was made twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { openPool, parseStoreUrl } from '../../src/campaign/postgres/connection.js';
import { claimLease, isLeaseLost, leaseGuard, type Lease } from '../../src/campaign/postgres/lease.js';
import { PgJournal, readPgJournal } from '../../src/campaign/postgres/journal.js';
import { applyPlan } from '../../src/engine/apply.js';
import type { EngineDeps } from '../../src/engine/context.js';
import type { JournalRecord, JournalStore } from '../../src/engine/journal.js';
import { readerFor, writerFor } from '../../src/kinds/registry.js';
import { connect, type Cloud } from '../../src/openstack/cloud.js';
import { loadCloudConfig } from '../../src/openstack/config/clouds-yaml.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import type { Plan } from '../../src/plan/types.js';
import { silentLogger } from '../../src/shared/logger.js';
import { gate } from '../support/fake-openstack.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { twoSimClouds, type TwoSimClouds } from '../support/two-sims.js';
import { seedCampaign } from './support/seed.js';

let db: TestDatabase;
let a: pg.Pool;
let b: pg.Pool;
let env: TwoSimClouds;
const ref = { campaign: 'c1', project: 'shop' };
const KEY = 'c1/shop';
const open: Cloud[] = [];

beforeAll(async () => {
  db = await createTestDatabase('stale');
  a = await openPool(parseStoreUrl(db.url));
  b = await openPool(parseStoreUrl(db.url));
  await seedCampaign(a, ref);
  env = await twoSimClouds({ prefix: 'bascule-stale-', shop: { networks: [{ name: 'net-a' }] } });
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await env?.stop();
  await a?.end();
  await b?.end();
  await db?.drop();
});

/** The target, as a worker holding `lease` opens it (campaign-queue.ts: the same guard, a quarter of the lease). */
async function targetFor(lease: Lease, ttlSeconds: number): Promise<Cloud> {
  const config = await loadCloudConfig('dst', { files: [env.cloudsYaml], env: {} });
  const cloud = await connect(config, {
    logger: silentLogger,
    retry: { baseMs: 5, capMs: 50 },
    beforeMutation: leaseGuard(lease, (ttlSeconds / 4) * 1000),
  });
  open.push(cloud);
  return cloud;
}

function deps(target: Cloud): EngineDeps {
  return {
    target: {
      cloud: target,
      projectId: target.projectId,
      signal: new AbortController().signal,
      logger: silentLogger,
      extensions: new Set(),
    },
    writerFor,
    readerFor,
    concurrency: 2,
  };
}

/** The project's journal in PostgreSQL under `lease`; `afterIntent` runs once an intent is committed. */
function journal(pool: pg.Pool, lease: Lease, afterIntent?: () => Promise<void>): JournalStore {
  return {
    path: `postgres:${ref.campaign}/${ref.project}`,
    read: () => readPgJournal(pool, ref),
    open: async (run, existing) => {
      const inner = new PgJournal(pool, ref, lease, run, existing);
      return {
        path: inner.path,
        run,
        nextSeq: () => inner.nextSeq(),
        close: () => inner.close(),
        async append(record: JournalRecord) {
          await inner.append(record);
          if (record.t === 'intent' && afterIntent) await afterIntent();
        },
      };
    },
  };
}

describe('a worker paused between journaling an intent and sending its call', () => {
  it('sends nothing when it comes back after another worker took the job over: one network, not two', async () => {
    const exported = await env.exportSource();
    const plan: Plan = { ...exported, resources: exported.resources.filter((e) => e.kind === 'network') };
    expect(plan.resources).toHaveLength(1);

    // Worker A: a 2 s lease; it stops right after its create's intent is committed (as SIGSTOP would).
    const TTL = 2;
    const first = await claimLease(a, KEY, 'worker-a', TTL);
    const paused = gate();
    const resume = gate();
    const applyA = applyPlan(plan, deps(await targetFor(first, TTL)), {
      journalPath: `postgres:${ref.campaign}/${ref.project}`,
      journalStore: journal(a, first, async () => {
        paused.open();
        await resume.promise;
      }),
    }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    await paused.promise;
    const intents = (await readPgJournal(b, ref)).filter((r) => r.t === 'intent');
    expect(intents).toHaveLength(1);

    // Past A's lease, worker B takes the job over and resumes the journal: the intent has no result, nothing
    // carries the marker yet (A has not sent its call), so B makes the network.
    await new Promise((r) => setTimeout(r, TTL * 1000 + 300));
    const second = await claimLease(b, KEY, 'worker-b', 60);
    const byB = await applyPlan(plan, deps(await targetFor(second, 60)), {
      journalPath: `postgres:${ref.campaign}/${ref.project}`,
      journalStore: journal(b, second),
      resume: true,
    });
    expect(byB.ok).toBe(true);
    expect(byB.summary.created).toBe(1);

    // A comes back: its create is refused before it is sent (LEASE_LOST), and nothing of it is journaled.
    resume.open();
    const outcome = await applyA;
    const failed = 'result' in outcome ? outcome.result.nodes.find((n) => n.outcome === 'failed') : undefined;
    const why = 'error' in outcome ? outcome.error : failed?.error;
    expect(isLeaseLost(why) || (why as { code?: string } | undefined)?.code === 'LEASE_LOST', String(why)).toBe(true);

    const target = env.target;
    const made = (await collect(networks.list(target.network, { project_id: target.projectId }))).filter(
      (n) => n.name === 'net-a',
    );
    expect(made).toHaveLength(1);
    const results = (await readPgJournal(b, ref)).filter((r) => r.t === 'result');
    expect(results).toHaveLength(1);
  }, 30_000);
});
