import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LISTING_RECHECK } from '../../src/kinds/object-container/read.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import { objectStoreClient } from '../../src/openstack/object-store/client.js';
import * as swift from '../../src/openstack/object-store/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import { swiftOf, type SwiftContainer } from '../../src/sim/swift/state.js';
import { OLD, platformSeed } from './seed.js';
import { applyAtoB, entryOf, exportPlan, fileIn, startCloudsPerTest, type SimClouds } from './support.js';

/**
 * Issue 17, object storage, when Swift's container listing lags (it is updated after each object write, later when
 * the container server is busy, and with several replicas the HEAD and the listing may come from two that differ):
 * the export reads a container again while its listing and its counters disagree, then warns, naming both numbers;
 * the apply names an object that was listed but is gone when read (404) as not copied, and copies the rest.
 */
const startClouds = startCloudsPerTest();
const saved = [...LISTING_RECHECK.delaysMs];
beforeEach(() => {
  LISTING_RECHECK.delaysMs = [5, 5, 5];
});
afterEach(() => {
  LISTING_RECHECK.delaysMs = saved;
});

async function seeded(): Promise<{ c: SimClouds; a: Cloud; b: Cloud; site: SwiftContainer }> {
  const c = await startClouds([
    { name: 'a', profile: '2025.1', seed: platformSeed(OLD) },
    { name: 'b', profile: '2025.1', seed: platformSeed(OLD) },
  ]);
  const a = await c.connect('a');
  const b = await c.connect('b');
  const sc = objectStoreClient(a);
  await swift.createContainer(sc, 'site');
  await swift.uploadObject(sc, 'site', 'a.txt', Buffer.from('aaaaa'));
  await swift.uploadObject(sc, 'site', 'b.txt', Buffer.from('bbbbbbb'));
  await swift.uploadObject(sc, 'site', 'empty', Buffer.alloc(0));
  const site = swiftOf(c.sim.regionState('a')).accounts.get(`AUTH_${a.projectId}`)!.containers.get('site')!;
  return { c, a, b, site };
}

describe('object storage while a container listing lags', () => {
  it('the export reads the container again until its listing shows what its counters count', async () => {
    const { c, site } = await seeded();
    // the first two listings leave b.txt out; the HEAD counts it
    site.lag = { hidden: new Set(['b.txt']), listings: 2 };
    const { plan } = await exportPlan(c);
    expect(entryOf(plan, 'object_container:site').spec).toMatchObject({ objects: { count: 3, bytes: 12 } });
    expect((plan.warnings ?? []).filter((w) => w.code === 'OBJECT_LISTING_LAGS')).toEqual([]);
    expect(site.lag).toBeUndefined();
  });

  it('the export warns, naming the container and both numbers, when the listing still lags after its re-reads', async () => {
    const { c, site } = await seeded();
    site.lag = { hidden: new Set(['b.txt']), listings: 100 };
    const { plan, out } = await exportPlan(c);
    expect(entryOf(plan, 'object_container:site').spec).toMatchObject({ objects: { count: 2, bytes: 5 } });
    const lagging = (plan.warnings ?? []).filter((w) => w.code === 'OBJECT_LISTING_LAGS');
    expect(lagging).toHaveLength(1);
    expect(lagging[0]!.message).toMatch(/container site: its listing shows 2 objects and its counters 3/);
    expect(out).toMatch(/container site: its listing shows 2 objects and its counters 3/);
    // one listing at first, then one per pause
    expect(site.lag?.listings).toBe(100 - 1 - LISTING_RECHECK.delaysMs.length);
  });

  it('the apply names an object listed on the source but gone when read as not copied, and copies the rest', async () => {
    const { c, b, site } = await seeded();
    await exportPlan(c);
    // b.txt is deleted, but its delete has not reached the listing yet: listed, and 404 when read
    const gone = site.objects.get('b.txt')!;
    site.objects.delete('b.txt');
    site.lag = { gone: new Map([['b.txt', gone]]), listings: 100 };
    const journal = fileIn(c, 'j.jsonl');
    const applied = await applyAtoB(c, '--journal', journal, '--yes');
    expect(applied.code, applied.out).toBe(0);
    const named = /1 object of container site listed on the source but gone when read \(404\), not copied: b\.txt/;
    expect(applied.out).toMatch(new RegExp(`warning: object_container:site: ${named.source}`));
    // the summary at the end names it too
    expect(applied.out).toContain('\nwarnings (what was not done):\n');
    expect(applied.out.slice(applied.out.indexOf('warnings (what was not done):'))).toMatch(named);
    const results = (await readFile(journal, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { t: string; key?: string; warnings?: { code: string; message: string }[] })
      .filter((r) => r.t === 'result' && r.key === 'object_container:site');
    expect(results.flatMap((r) => r.warnings ?? []).map((w) => w.code)).toEqual(['OBJECT_GONE']);
    const copied = await collect(swift.listObjects(objectStoreClient(b), 'site'));
    expect(copied.map((r) => r.name)).toEqual(['a.txt', 'empty']);
  });
});
