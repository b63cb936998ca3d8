import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { objectStoreClient } from '../../src/openstack/object-store/client.js';
import * as swift from '../../src/openstack/object-store/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import type { ProfileName } from '../../src/sim/index.js';
import { swiftOf } from '../../src/sim/swift/state.js';
import { bytesOf, OLD, platformSeed, SEGMENTS, seedContainers } from './seed.js';
import {
  applyAtoB,
  applyJournaled,
  fileIn,
  dryRunChanges,
  entryOf,
  expectAuditClean,
  exportPlan,
  pendingActions,
  rollBackB,
  startCloudsPerTest,
} from './support.js';

/**
 * Issue 17, object storage, on the simulator (pike and 2025.1): a project's containers (metadata, ACLs, versioning,
 * quotas) and their objects (small, zero-byte, a static large object whose segments are in another container, a
 * dynamic one) are exported with their data summed up, dry-run with their bytes in the data estimate, applied with
 * every object's bytes and ETag, audited clean, applied again as a no-op, resumed after a lost object, rolled back.
 */
const startClouds = startCloudsPerTest();

describe('object storage', () => {
  it.each<ProfileName>(['pike', '2025.1'])(
    '%s: containers exported with their objects summed up, dry-run, applied with every byte, audited, resumed, rolled back',
    async (profile) => {
      const c = await startClouds([
        { name: 'a', profile, seed: platformSeed(OLD) },
        { name: 'b', profile, seed: platformSeed(OLD) },
      ]);
      const a = await c.connect('a');
      const b = await c.connect('b');
      await seedContainers(a);

      const { plan, out: exported } = await exportPlan(c);
      expect(exported).not.toMatch(/object containers \(Swift\)/);
      const site = entryOf(plan, 'object_container:site');
      expect(site.spec).toMatchObject({
        name: 'site',
        metadata: { color: 'blue' },
        read_acl: '.r:*,.rlistings',
        write_acl: '$project:*',
        versioning: 'versions',
        quota_count: 50,
        objects: { count: 4, bytes: 9 + 0 + 172_345 + 0, large: 1 },
      });
      expect(site.refs).toEqual({
        versions: 'object_container:site-versions',
        segments: ['object_container:site_segments'],
      });
      expect(entryOf(plan, 'object_container:site_segments').spec).toMatchObject({ objects: { count: 5, large: 0 } });
      expect(entryOf(plan, 'object_container:site-versions').spec).toMatchObject({ objects: { count: 1, bytes: 9 } });
      expect((plan.warnings ?? []).filter((w) => /container|Swift/i.test(w.message))).toEqual([]);

      const { changes } = await dryRunChanges(c, 'dry.json');
      expect(
        changes.actions
          .filter((x) => x.kind === 'object_container')
          .map((x) => `${x.key} ${x.action}`)
          .sort(),
      ).toEqual([
        'object_container:site create',
        'object_container:site-versions create',
        'object_container:site_segments create',
      ]);
      const data = (
        changes as unknown as { data?: { bytes: number; items: { key: string; what: string; bytes: number }[] } }
      ).data;
      expect(data?.items.filter((i) => i.key.startsWith('object_container:'))).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ key: 'object_container:site', what: '4 objects', bytes: 172_354 }),
          expect.objectContaining({ key: 'object_container:site_segments', what: '5 objects' }),
        ]),
      );

      await applyJournaled(c);
      const sb = objectStoreClient(b);
      expect((await bytesOf(b, 'site', 'index.html')).toString()).toBe('<p>v2</p>');
      expect((await swift.headObject(sb, 'site', 'index.html')).metadata).toEqual({ author: 'web' });
      expect((await bytesOf(b, 'site', 'empty')).length).toBe(0);
      expect((await bytesOf(b, 'site', 'big.bin')).equals(Buffer.concat(SEGMENTS))).toBe(true);
      expect((await swift.headObject(sb, 'site', 'big.bin')).isSlo).toBe(true);
      expect((await bytesOf(b, 'site', 'movie')).toString()).toBe('first half, second half');
      expect((await swift.headObject(sb, 'site', 'movie', { manifest: true })).dloManifest).toBe('site_segments/dlo/');
      const info = await swift.headContainer(sb, 'site');
      expect(info).toMatchObject({
        read: '.r:*,.rlistings',
        write: `${b.projectId}:*`,
        versionsLocation: 'site-versions',
        quotaCount: 50,
        metadata: { color: 'blue', 'bascule-marker': expect.any(String) as string },
      });

      await expectAuditClean(c);

      const { changes: second } = await dryRunChanges(c, 'again.json');
      expect(pendingActions(second)).toEqual([]);

      // An object lost on the target: the next apply copies that one back, and only that one.
      await swift.removeObject(sb, 'site_segments', 'dlo/1');
      const resumed = await applyJournaled(c, [], 'j2.jsonl');
      expect((await bytesOf(b, 'site', 'movie')).toString()).toBe('first half, second half');
      const puts = c.sim
        .requestLog('b')
        .filter((e) => e.method === 'PUT' && e.service === 'object-store')
        .map((e) => e.path);
      expect(puts.filter((p) => p.endsWith('/site_segments/dlo/1'))).toHaveLength(2);
      expect(puts.filter((p) => p.endsWith('/site_segments/dlo/0'))).toHaveLength(1);
      expect(resumed).toMatch(/object_container:site_segments/);

      await rollBackB(c);
      expect(await collect(swift.listContainers(sb))).toEqual([]);
      expect((await collect(swift.listContainers(objectStoreClient(a)))).map((x) => x.name)).toEqual([
        'site',
        'site-versions',
        'site_segments',
      ]);
    },
    90_000,
  );

  it('an object whose bytes do not match its ETag is refused by the target (the PUT carries the ETag) and named; never stored', async () => {
    const c = await startClouds([
      { name: 'a', profile: '2025.1', seed: platformSeed(OLD) },
      { name: 'b', profile: '2025.1', seed: platformSeed(OLD) },
    ]);
    const a = await c.connect('a');
    const sc = objectStoreClient(a);
    await swift.createContainer(sc, 'site');
    await swift.uploadObject(sc, 'site', 'good.txt', Buffer.from('good bytes'));
    await swift.uploadObject(sc, 'site', 'rotten.txt', Buffer.from('original bytes'));
    await exportPlan(c);
    // The source's disk rots under the object: same length, other bytes, the ETag it lists and sends unchanged.
    const state = c.sim.regionState('a');
    const rotten = swiftOf(state)
      .accounts.get(`AUTH_${a.projectId}`)!
      .containers.get('site')!
      .objects.get('rotten.txt')!;
    await writeFile(state.blobs.path('objects', rotten.blob!), Buffer.from('ORIGINAL BYTES'));
    const applied = await applyAtoB(c, '--journal', fileIn(c, 'j.jsonl'), '--yes');
    expect(applied.code, applied.out).not.toBe(0);
    expect(applied.out).toMatch(/object_container:site[\s\S]*rotten\.txt/);
    expect(applied.out).not.toMatch(/at Object|at async/);
    const b = await c.connect('b');
    const names = (await collect(swift.listObjects(objectStoreClient(b), 'site'))).map((o) => o.name);
    expect(names).not.toContain('rotten.txt');
  }, 60_000);

  it("an ACL naming another project of the source is named by the export (its ID means nothing on the target), the project's own mapped", async () => {
    const c = await startClouds([
      { name: 'a', profile: '2025.1', seed: platformSeed(OLD) },
      { name: 'b', profile: '2025.1', seed: platformSeed(OLD) },
    ]);
    const a = await c.connect('a');
    const sc = objectStoreClient(a);
    await swift.createContainer(sc, 'shared', { read: `.r:*,f00dfeed:*,${a.projectId}:bob`, write: 'f00dfeed:alice' });
    await swift.createContainer(sc, 'private', { read: `${a.projectId}:*` });
    const { plan } = await exportPlan(c);
    expect(entryOf(plan, 'object_container:shared').spec).toMatchObject({
      read_acl: '.r:*,f00dfeed:*,$project:bob',
      write_acl: 'f00dfeed:alice',
    });
    expect((plan.warnings ?? []).filter((w) => w.code === 'ACL_OTHER_PROJECT')).toEqual([
      {
        code: 'ACL_OTHER_PROJECT',
        kind: 'object_container',
        resource: 'shared',
        message: expect.stringMatching(
          /^container shared: its read ACL names f00dfeed:\*, its write ACL f00dfeed:alice: projects of the source by ID/,
        ) as string,
      },
    ]);
  }, 60_000);
});
