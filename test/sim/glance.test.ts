import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, login, startBasic, waitFor, type Session } from './helpers.js';

describe('glance (zed profile)', () => {
  let sim: Simulator;
  let s: Session;
  beforeAll(async () => {
    sim = await startBasic('zed');
    s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
  });
  afterAll(() => sim.stop());
  const g = (path: string): string => `${s.url('image')}${path}`;

  it('lists versions at / (300) and /versions', async () => {
    const root = await call('GET', g('/'));
    expect(root.status).toBe(300);
    expect(root.body.versions[0]).toMatchObject({ id: 'v2.15', status: 'CURRENT' });
    expect((await call('GET', g('/versions'))).status).toBe(200);
  });

  it('creates, uploads, downloads an image with checksum and sha512 multihash', async () => {
    const created = await call('POST', g('/v2/images'), {
      token: s.token,
      body: {
        name: 'up',
        disk_format: 'raw',
        container_format: 'bare',
        min_disk: 1,
        os_distro: 'debian',
        tags: ['t1'],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'queued',
      visibility: 'shared',
      os_distro: 'debian',
      checksum: null,
      os_hash_algo: null,
      os_hidden: false,
      self: `/v2/images/${created.body.id}`,
    });
    const bytes = randomBytes(300_000);
    const put = await call('PUT', g(`/v2/images/${created.body.id}/file`), { token: s.token, raw: bytes });
    expect(put.status).toBe(204);
    const shown = await call('GET', g(`/v2/images/${created.body.id}`), { token: s.token });
    expect(shown.body).toMatchObject({
      status: 'active',
      size: bytes.length,
      checksum: createHash('md5').update(bytes).digest('hex'),
      os_hash_algo: 'sha512',
      os_hash_value: createHash('sha512').update(bytes).digest('hex'),
      virtual_size: bytes.length,
      stores: 'file',
    });
    const down = await fetch(g(`/v2/images/${created.body.id}/file`), { headers: { 'x-auth-token': s.token } });
    expect(down.status).toBe(200);
    expect(down.headers.get('content-md5')).toBe(shown.body.checksum);
    expect(Buffer.from(await down.arrayBuffer()).equals(bytes)).toBe(true);
    const twice = await call('PUT', g(`/v2/images/${created.body.id}/file`), { token: s.token, raw: bytes });
    expect(twice.status).toBe(409);
    const other = (await call('POST', g('/v2/images'), { token: s.token, body: { name: 'ct' } })).body;
    const wrongType = await call('PUT', g(`/v2/images/${other.id}/file`), {
      token: s.token,
      raw: bytes,
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
  });

  it('answers 404 as the real Glance does: HTML by default, JSON or plain text when asked', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const html = await call('GET', g(`/v2/images/${id}`), { token: s.token, headers: { accept: '*/*' } });
    expect(html.status).toBe(404);
    expect(html.headers['content-type']).toBe('text/html; charset=UTF-8');
    expect(html.text).toBe(
      `<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID ${id}<br /><br />\n\n\n\n </body>\n</html>`,
    );
    const json = await call('GET', g(`/v2/images/${id}`), { token: s.token });
    expect(json.body).toEqual({
      message: `No image found with ID ${id}<br /><br />\n\n\n`,
      code: '404 Not Found',
      title: 'Not Found',
    });
    const text = await call('GET', g(`/v2/images/${id}`), { token: s.token, headers: { accept: 'text/plain' } });
    expect(text.headers['content-type']).toContain('text/plain');
    expect(text.text).toContain(`No image found with ID ${id}`);
  });

  it('patches with json-patch, refuses read-only attributes and public visibility for members', async () => {
    const img = (await call('POST', g('/v2/images'), { token: s.token, body: { name: 'p' } })).body;
    const patch = (ops: unknown[], ct = 'application/openstack-images-v2.1-json-patch') =>
      call('PATCH', g(`/v2/images/${img.id}`), { token: s.token, body: ops, headers: { 'content-type': ct } });
    const ok = await patch([
      { op: 'replace', path: '/name', value: 'p2' },
      { op: 'add', path: '/hw_disk_bus', value: 'scsi' },
    ]);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: 'p2', hw_disk_bus: 'scsi' });
    expect((await patch([{ op: 'replace', path: '/checksum', value: 'x' }])).status).toBe(403);
    expect((await patch([{ op: 'replace', path: '/visibility', value: 'public' }])).status).toBe(403);
    expect((await patch([{ op: 'remove', path: '/nothing' }])).status).toBe(409);
    expect((await patch([{ op: 'replace', path: '/name', value: 'x' }], 'application/json')).status).toBe(415);
    expect((await call('PUT', g(`/v2/images/${img.id}/tags/red`), { token: s.token })).status).toBe(204);
    expect(
      (await call('GET', g(`/v2/images?tag=red`), { token: s.token })).body.images.map((i: { id: string }) => i.id),
    ).toEqual([img.id]);
    await patch([{ op: 'replace', path: '/protected', value: true }]);
    expect((await call('DELETE', g(`/v2/images/${img.id}`), { token: s.token })).status).toBe(403);
    await patch([{ op: 'replace', path: '/protected', value: false }]);
    expect((await call('DELETE', g(`/v2/images/${img.id}`), { token: s.token })).status).toBe(204);
  });

  it('paginates 25 by default with a relative next link', async () => {
    for (let i = 0; i < 30; i++) await call('POST', g('/v2/images'), { token: s.token, body: { name: `many-${i}` } });
    const first = await call('GET', g('/v2/images'), { token: s.token });
    expect(first.body.images).toHaveLength(25);
    expect(first.body.next).toMatch(/^\/v2\/images\?marker=/);
    const second = await call('GET', g(first.body.next), { token: s.token });
    const ids = [...first.body.images, ...second.body.images].map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(second.body).not.toHaveProperty('next');
    const bad = await call('GET', g('/v2/images?visibility=bogus'), { token: s.token });
    expect(bad.body).toEqual({
      message: 'Invalid visibility value: bogus<br /><br />\n\n\n',
      code: '400 Bad Request',
      title: 'Bad Request',
    });
  });

  it('imports with glance-direct: stage then import, queued -> uploading -> importing -> active', async () => {
    const info = await call('GET', g('/v2/info/import'), { token: s.token });
    expect(info.body['import-methods'].value).toContain('glance-direct');
    const img = (
      await call('POST', g('/v2/images'), {
        token: s.token,
        body: { name: 'imp', disk_format: 'qcow2', container_format: 'bare' },
      })
    ).body;
    const early = await call('POST', g(`/v2/images/${img.id}/import`), {
      token: s.token,
      body: { method: { name: 'glance-direct' } },
    });
    expect(early.status).toBe(409);
    const bytes = randomBytes(70_000);
    expect((await call('PUT', g(`/v2/images/${img.id}/stage`), { token: s.token, raw: bytes })).status).toBe(204);
    expect((await call('GET', g(`/v2/images/${img.id}`), { token: s.token })).body.status).toBe('uploading');
    expect(
      (
        await call('POST', g(`/v2/images/${img.id}/import`), {
          token: s.token,
          body: { method: { name: 'glance-direct' } },
        })
      ).status,
    ).toBe(202);
    const done = await waitFor(
      () => call('GET', g(`/v2/images/${img.id}`), { token: s.token }),
      (r) => r.body.status === 'active',
    );
    expect(done.body.checksum).toBe(createHash('md5').update(bytes).digest('hex'));
    // qcow2 by name but not by content: Glance's format inspector finds no virtual size.
    expect(done.body.virtual_size).toBeNull();
  });

  it('shares an image with another project through members', async () => {
    const img = (
      await call('POST', g('/v2/images'), { token: s.token, body: { name: 'shared-one', visibility: 'shared' } })
    ).body;
    const bob = await login(sim, 'c', 'bob', 'bob-pw', 'other');
    expect((await call('GET', g(`/v2/images/${img.id}`), { token: bob.token })).status).toBe(404);
    const m = await call('POST', g(`/v2/images/${img.id}/members`), {
      token: s.token,
      body: { member: bob.projectId },
    });
    expect(m.body.status).toBe('pending');
    expect((await call('GET', g(`/v2/images/${img.id}`), { token: bob.token })).status).toBe(200);
    expect((await call('GET', g('/v2/images?name=shared-one'), { token: bob.token })).body.images).toHaveLength(0);
    await call('PUT', g(`/v2/images/${img.id}/members/${bob.projectId}`), {
      token: bob.token,
      body: { status: 'accepted' },
    });
    expect((await call('GET', g('/v2/images?name=shared-one'), { token: bob.token })).body.images).toHaveLength(1);
  });
});
