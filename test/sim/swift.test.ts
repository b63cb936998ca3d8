import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type Cloud } from '../../src/openstack/index.js';
import { isHttpError } from '../../src/openstack/errors.js';
import { hasObjectStore, objectStoreClient } from '../../src/openstack/object-store/client.js';
import * as swift from '../../src/openstack/object-store/requests.js';
import { startBasicClients, type BasicClients } from './helpers.js';

const md5 = (bytes: Uint8Array | string) => createHash('md5').update(bytes).digest('hex');

async function bytesOf(body: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function status(call: Promise<unknown>): Promise<number | string> {
  return call.then(
    () => 'ok',
    (e: unknown) => (isHttpError(e) ? e.status : String(e)),
  );
}

/** Bascule's object-store client (src/openstack/object-store) against the simulator's Swift, oldest and newest profiles. */
describe.each(['pike', '2025.1'] as const)('Swift on the %s profile, through the client', (profile) => {
  let demo: Cloud;
  let other: Cloud;
  let clients: BasicClients;
  beforeAll(async () => {
    clients = await startBasicClients(profile, 'sim-swift-');
    ({ demo, other } = clients);
  });
  afterAll(() => clients.stop());

  it('publishes the account in the catalog and answers /info as the profile', async () => {
    expect(await hasObjectStore(demo)).toBe(true);
    const sc = objectStoreClient(demo);
    const resolved = await sc.resolve();
    expect(resolved.base).toMatch(new RegExp(`/v1/AUTH_${demo.projectId}$`));
    const info = await sc.request<Record<string, unknown>>('GET', `${resolved.root}/info`);
    expect(Object.keys(info.data)).toContain('slo');
    expect('object_versioning' in info.data).toBe(profile === '2025.1');
    const account = await swift.headAccount(sc);
    expect(account).toMatchObject({ containerCount: 0, objectCount: 0, bytesUsed: 0 });
  });

  it('keeps container metadata, ACLs, versioning and quotas; removes them with null', async () => {
    const sc = objectStoreClient(demo);
    expect(await swift.createContainer(sc, 'versions')).toBe(201);
    expect(
      await swift.createContainer(sc, 'docs', {
        metadata: { Color: 'blue', owner: 'web' },
        read: '.r:*,.rlistings',
        write: `${other.projectId}:*`,
        versionsLocation: 'versions',
        quotaBytes: 1000,
        quotaCount: 3,
      }),
    ).toBe(201);
    expect(await swift.createContainer(sc, 'docs')).toBe(202);
    const info = await swift.headContainer(sc, 'docs');
    expect(info).toMatchObject({
      name: 'docs',
      objectCount: 0,
      metadata: { color: 'blue', owner: 'web' },
      read: '.r:*,.rlistings',
      write: `${other.projectId}:*`,
      versionsLocation: 'versions',
      quotaBytes: 1000,
      quotaCount: 3,
      storagePolicy: 'Policy-0',
    });
    await swift.updateContainer(sc, 'docs', { metadata: { owner: null }, write: null });
    const after = await swift.headContainer(sc, 'docs');
    expect(after.metadata).toEqual({ color: 'blue' });
    expect(after.write).toBeUndefined();
  });

  it('stores objects under their MD5, lists them by marker pages and with a delimiter, and versions overwrites', async () => {
    const sc = objectStoreClient(demo);
    const names = ['a.txt', 'dir/b.txt', 'dir/c.txt'];
    for (const name of names) {
      const body = Buffer.from(`v1 of ${name}`);
      expect(await swift.uploadObject(sc, 'docs', name, body, { etag: md5(body), metadata: { n: name } })).toBe(
        md5(body),
      );
    }
    const paged = await collect(swift.listObjects(sc, 'docs', {}, { pageSize: 1 }));
    expect(paged.map((o) => o.name)).toEqual(names);
    const top = await collect(swift.listObjects(sc, 'docs', { delimiter: '/' }));
    expect(top.map((o) => o.name ?? (o as unknown as { subdir: string }).subdir)).toEqual(['a.txt', 'dir/']);
    // a fourth object is past the count quota; more bytes than 1000 past the byte quota
    expect(await status(swift.uploadObject(sc, 'docs', 'd', Buffer.from('x')))).toBe(413);
    // a wrong ETag is refused, and nothing is written
    expect(await status(swift.uploadObject(sc, 'docs', 'a.txt', Buffer.from('v2'), { etag: md5('other') }))).toBe(422);
    const v2 = Buffer.from('v2 of a.txt');
    await swift.uploadObject(sc, 'docs', 'a.txt', Readable.from([v2]), { contentType: 'text/plain' });
    const got = await swift.downloadObject(sc, 'docs', 'a.txt');
    expect((await bytesOf(got.response.body)).equals(v2)).toBe(true);
    expect(got.info).toMatchObject({ etag: md5(v2), contentType: 'text/plain', contentLength: v2.length });
    const old = await collect(swift.listObjects(sc, 'versions'));
    expect(old.map((o) => o.name)).toEqual([expect.stringMatching(/^005a\.txt\/\d+\.\d{5}$/)]);
    expect(old[0]!.hash).toBe(md5('v1 of a.txt'));
    await swift.updateObjectMetadata(sc, 'docs', 'dir/b.txt', { kept: 'yes' });
    expect((await swift.headObject(sc, 'docs', 'dir/b.txt')).metadata).toEqual({ kept: 'yes' });
  });

  it('builds static and dynamic large objects from segments and reads their manifests', async () => {
    const sc = objectStoreClient(demo);
    await swift.createContainer(sc, 'big');
    await swift.createContainer(sc, 'big_segments');
    const parts = [randomBytes(70_000), randomBytes(50_001)];
    for (const [i, part] of parts.entries()) await swift.uploadObject(sc, 'big_segments', `slo/${i}`, part);
    const sloEtag = await swift.uploadSloManifest(
      sc,
      'big',
      'slo.bin',
      parts.map((p, i) => ({ path: `/big_segments/slo/${i}`, etag: md5(p), size_bytes: p.length })),
      { metadata: { kind: 'slo' } },
    );
    expect(sloEtag).toBe(md5(parts.map((p) => md5(p)).join('')));
    const head = await swift.headObject(sc, 'big', 'slo.bin');
    expect(head).toMatchObject({ isSlo: true, etag: sloEtag, contentLength: 120_001, metadata: { kind: 'slo' } });
    const whole = await swift.downloadObject(sc, 'big', 'slo.bin');
    expect((await bytesOf(whole.response.body)).equals(Buffer.concat(parts))).toBe(true);
    const manifest = await swift.getSloManifest(sc, 'big', 'slo.bin');
    expect(manifest.map((s) => [s.name, s.hash, s.bytes])).toEqual(
      parts.map((p, i) => [`/big_segments/slo/${i}`, md5(p), p.length]),
    );
    const row = (await collect(swift.listObjects(sc, 'big'))).find((o) => o.name === 'slo.bin')!;
    expect(row).toMatchObject({ bytes: 120_001, slo_etag: `"${sloEtag}"` });
    // a segment that does not match is refused
    expect(
      await status(swift.uploadSloManifest(sc, 'big', 'bad', [{ path: '/big_segments/slo/0', etag: md5('x') }])),
    ).toBe(400);

    for (const [i, part] of parts.entries()) await swift.uploadObject(sc, 'big_segments', `dlo/${i}`, part);
    await swift.uploadObject(sc, 'big', 'dlo.bin', Buffer.alloc(0), { dloManifest: 'big_segments/dlo/' });
    const dlo = await swift.downloadObject(sc, 'big', 'dlo.bin');
    expect((await bytesOf(dlo.response.body)).equals(Buffer.concat(parts))).toBe(true);
    expect(dlo.info).toMatchObject({ dloManifest: 'big_segments/dlo/', isSlo: false });
    const dloManifest = await swift.headObject(sc, 'big', 'dlo.bin', { manifest: true });
    expect(dloManifest).toMatchObject({ contentLength: 0, etag: md5('') });

    // the manifest alone, or with its segments
    await swift.removeObject(sc, 'big', 'slo.bin', { segments: true });
    expect((await collect(swift.listObjects(sc, 'big_segments', { prefix: 'slo/' }))).length).toBe(0);
    await swift.removeObject(sc, 'big', 'dlo.bin');
    expect((await collect(swift.listObjects(sc, 'big_segments', { prefix: 'dlo/' }))).length).toBe(2);
  });

  it('keeps accounts apart, refuses to delete a container that holds objects, and counts the account', async () => {
    const sc = objectStoreClient(demo);
    const otherSc = objectStoreClient(other);
    expect(await collect(swift.listContainers(otherSc))).toEqual([]);
    // the other project's token on this account's URL
    const foreign = `${(await sc.resolve()).base}/docs`;
    expect(await status(otherSc.request('GET', foreign))).toBe(403);
    expect(await status(swift.removeContainer(sc, 'big_segments'))).toBe(409);
    const containers = await collect(swift.listContainers(sc, {}, { pageSize: 2 }));
    expect(containers.map((c) => c.name)).toEqual(['big', 'big_segments', 'docs', 'versions']);
    const account = await swift.headAccount(sc);
    expect(account.containerCount).toBe(4);
    expect(account.objectCount).toBe(containers.reduce((n, c) => n + c.count, 0));
    expect(await status(swift.headObject(sc, 'docs', 'missing'))).toBe(404);
  });
});
