// The campaign's state in PostgreSQL as two hosts see it: what one writes the other reads; a worker that lost
// its job cannot overwrite a project's state; the database password appears in nothing stored or shown.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { openPool, parseStoreUrl } from '../../src/campaign/postgres/connection.js';
import { claimLease } from '../../src/campaign/postgres/lease.js';
import { PgCampaignStore } from '../../src/campaign/postgres/store.js';
import { EXIT } from '../../src/shared/errors.js';
import type { CampaignStore } from '../../src/campaign/store.js';
import type { ProjectState } from '../../src/campaign/types.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let db: TestDatabase;
let hostA: pg.Pool;
let hostB: pg.Pool;
let password: string;

beforeAll(async () => {
  db = await createTestDatabase('store');
  password = decodeURIComponent(new URL(db.url).password);
  hostA = await openPool(parseStoreUrl(db.url));
  hostB = await openPool(parseStoreUrl(db.url));
});
afterAll(async () => {
  await hostA?.end();
  await hostB?.end();
  await db?.drop();
});

describe('PgCampaignStore', () => {
  it('shares project states, events and reports between hosts', async () => {
    const a = new PgCampaignStore(hostA, parseStoreUrl(db.url), 'pi-2027');
    const b = new PgCampaignStore(hostB, parseStoreUrl(db.url), 'pi-2027');
    await a.register({ name: 'pi-2027', waves: ['w1', 'w2'] });
    await a.put({ id: 'p1', wave: 'w1', stage: 'exported', status: 'running' });
    await a.put({ id: 'p2', wave: 'w2', stage: 'pending', status: 'pending' });
    await a.put({ id: 'p1', wave: 'w1', stage: 'planned', status: 'running' });
    await a.record({ type: 'project.stage', project: 'p1', stage: 'planned', at: '2026-12-04T17:00:00Z' });
    await a.record({ type: 'project.done', project: 'p1', status: 'done', at: '2026-12-04T17:01:00Z' });
    await a.writeReport('report.json', '{"projects":2}');

    expect(await b.get('p1')).toMatchObject({ stage: 'planned', status: 'running' });
    expect((await b.all()).map((s) => s.id)).toEqual(['p1', 'p2']);
    expect((await b.events()).map((e) => e.type)).toEqual(['project.stage', 'project.done']);
    expect(await b.readReport('report.json')).toBe('{"projects":2}');
    expect(await b.get('nope')).toBeUndefined();
  });

  it('refuses a state written under a lease another worker took over', async () => {
    const a = new PgCampaignStore(hostA, parseStoreUrl(db.url), 'pi-2027');
    const stale = await claimLease(hostA, 'pi-2027/p2/apply', 'worker-a', 60);
    const fresh = await claimLease(hostB, 'pi-2027/p2/apply', 'worker-b', 60);
    await a.put({ id: 'p2', wave: 'w2', stage: 'applied', status: 'running' }, fresh);
    await expect(a.put({ id: 'p2', wave: 'w2', stage: 'pending', status: 'failed' }, stale)).rejects.toMatchObject({
      code: 'LEASE_LOST',
    });
    await expect(
      a.record({ type: 'project.failed', project: 'p2', at: '2026-12-04T17:02:00Z' }, { lease: stale }),
    ).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(await a.get('p2')).toMatchObject({ stage: 'applied' });
  });

  it('is a CampaignStore: journal rows and project files shared by two hosts, writes fenced by the job lease', async () => {
    const url = parseStoreUrl(db.url);
    const a = new PgCampaignStore(hostA, url, 'pi-2027', { workDir: mkdtempSync(join(tmpdir(), 'host-a-')) });
    const b = new PgCampaignStore(hostB, url, 'pi-2027', { workDir: mkdtempSync(join(tmpdir(), 'host-b-')) });
    const asInterface: CampaignStore = a;
    const state: ProjectState = {
      id: 'p3',
      wave: 'w1',
      stage: 'exported',
      status: 'running',
      source: 'src/p3',
      target: 'dst/p3',
      updatedAt: '2026-12-06T04:00:00Z',
    };
    // Host A works on p3 under the job's lease: a plan file, then two journal records.
    const lease = await claimLease(hostA, 'pi-2027/p3', 'worker-a', 60);
    const leased = a.withLease(lease, 'worker-a');
    await leased.put(state);
    writeFileSync(leased.files('p3').plan, '{"plan":"p3"}\n');
    await leased.saveArtifacts('p3');
    const journal = await leased.journal('p3').open('run-a', []);
    await journal.append({
      t: 'workload',
      run: 'run-a',
      at: 'now',
      event: 'stopped',
      side: 'source',
      type: 'server',
      id: 's1',
    });
    await journal.close();
    // Host B sees the state, gets the plan into its own work directory and reads the same journal.
    expect((await b.get('p3'))?.stage).toBe('exported');
    await b.loadArtifacts('p3');
    expect(b.files('p3').plan).not.toBe(a.files('p3').plan);
    expect(readFileSync(b.files('p3').plan, 'utf8')).toBe('{"plan":"p3"}\n');
    expect((await b.journal('p3').read()).map((r) => r.t)).toEqual(['workload']);
    expect(asInterface.files('p3').journal).toBe('postgres:pi-2027/p3');
    // Without a lease nothing is appended; once host B took the job over, host A's writes are refused.
    await expect(b.journal('p3').open('run-b', [])).rejects.toMatchObject({ code: 'STORE_NO_LEASE' });
    const taken = await claimLease(hostB, 'pi-2027/p3', 'worker-b', 60);
    const late = await leased.journal('p3').open('run-a2', []);
    await expect(
      late.append({
        t: 'workload',
        run: 'run-a2',
        at: 'now',
        event: 'started',
        side: 'source',
        type: 'server',
        id: 's1',
      }),
    ).rejects.toMatchObject({ code: 'LEASE_LOST' });
    await expect(leased.put({ ...state, stage: 'applied' })).rejects.toMatchObject({ code: 'LEASE_LOST' });
    await expect(leased.putArtifact('p3', 'plan.json', '{}')).rejects.toMatchObject({ code: 'LEASE_LOST' });
    await b.withLease(taken).put({ ...state, stage: 'planned' });
    expect((await a.get('p3'))?.stage).toBe('planned');
    expect(await a.getArtifact('p3', 'plan.json')).toBe('{"plan":"p3"}\n');
    expect((await a.journal('p3').read()).length).toBe(1);
  });

  it('keeps the database password out of what it stores and shows', async () => {
    const url = parseStoreUrl(db.url);
    expect(url.display).not.toContain(password);
    expect(url.display).toContain(':***@');
    const a = new PgCampaignStore(hostA, url, 'pi-2027');
    expect(a.location).not.toContain(password);
    // A message that quotes the URL (as an error from elsewhere might) is stored scrubbed.
    await a.record({ type: 'note', at: '2026-12-04T17:03:00Z', message: `could not reach ${db.url}` });
    const { rows } = await hostA.query<{ dump: string }>(
      `SELECT string_agg(t::text, ' ') AS dump FROM (
         SELECT definition::text AS t FROM bascule.campaigns UNION ALL SELECT state::text FROM bascule.project_states
         UNION ALL SELECT data::text FROM bascule.events UNION ALL SELECT body FROM bascule.reports
         UNION ALL SELECT body FROM bascule.artifacts UNION ALL SELECT record::text FROM bascule.journal) x`,
    );
    expect(rows[0]!.dump).toContain('could not reach');
    expect(rows[0]!.dump).not.toContain(password);
  });

  it('names --store and exits 2 on a URL that is not a PostgreSQL one; an unreachable one is reported without its password', async () => {
    expect(() => parseStoreUrl('mysql://u:p@h/db')).toThrow(/--store: mysql: is not a store/);
    try {
      parseStoreUrl('not a url', 'BASCULE_STORE');
      expect.unreachable();
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(EXIT.USAGE);
      expect((error as Error).message).toContain('BASCULE_STORE');
    }
    const bad = new URL(db.url);
    bad.password = 'wrong-secret-42';
    const error = (await openPool(parseStoreUrl(bad.toString())).then(
      (pool) => pool.end(),
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(':***@');
    expect(error.message).not.toContain('wrong-secret-42');
  });
});
