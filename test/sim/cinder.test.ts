import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { ADMIN_PASSWORD } from '../../src/sim/index.js';
import { call, login, startBasic, waitFor, type Session } from './helpers.js';

describe('cinder (zed profile)', () => {
  let sim: Simulator;
  let s: Session;
  let imageId: string;
  beforeAll(async () => {
    sim = await startBasic('zed', { delays: { volumeCreateMs: 30, imageActiveMs: 30 } });
    s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
    imageId = (await call('GET', `${s.url('image')}/v2/images?name=cirros`, { token: s.token })).body.images[0].id;
  });
  afterAll(() => sim.stop());
  const v = (path: string): string => `${s.url('volumev3')}${path}`;
  const mv = (x: string): Record<string, string> => ({ 'openstack-api-version': `volume ${x}` });

  it('serves versions at / with the profile maximum', async () => {
    const base = s.url('volumev3').replace(/\/v3\/.*$/, '');
    const res = await call('GET', `${base}/`);
    expect(res.status).toBe(300);
    expect(res.body.versions).toHaveLength(1);
    expect(res.body.versions[0]).toMatchObject({ id: 'v3.0', version: '3.70', min_version: '3.0' });
    const tooHigh = await call('GET', v('/volumes'), { token: s.token, headers: mv('3.71') });
    expect(tooHigh.status).toBe(406);
    const ok = await call('GET', v('/volumes'), { token: s.token, headers: mv('3.70') });
    expect(ok.headers['openstack-api-version']).toBe('volume 3.70');
  });

  it('creates a volume (creating -> available), with metadata and a type', async () => {
    const res = await call('POST', v('/volumes'), {
      token: s.token,
      body: { volume: { size: 2, name: 'data', volume_type: 'standard', metadata: { tier: 'db' } } },
    });
    expect(res.status).toBe(202);
    expect(res.body.volume).toMatchObject({
      status: 'creating',
      size: 2,
      volume_type: 'standard',
      metadata: { tier: 'db' },
      bootable: 'false',
    });
    const done = await waitFor(
      () => call('GET', v(`/volumes/${res.body.volume.id}`), { token: s.token, headers: mv('3.63') }),
      (r) => r.body.volume.status === 'available',
    );
    expect(done.body.volume.volume_type_id).toBeTypeOf('string');
    expect(done.body.volume).not.toHaveProperty('os-vol-host-attr:host');
    const byMeta = await call('GET', v(`/volumes/detail?metadata=${encodeURIComponent('{"tier":"db"}')}`), {
      token: s.token,
    });
    expect(byMeta.body.volumes.map((x: { id: string }) => x.id)).toEqual([res.body.volume.id]);
    const meta = await call('POST', v(`/volumes/${res.body.volume.id}/metadata`), {
      token: s.token,
      body: { metadata: { owner: 'x' } },
    });
    expect(meta.body.metadata).toEqual({ tier: 'db', owner: 'x' });
  });

  it('answers 404 with itemNotFound and refuses a bad size', async () => {
    const res = await call('GET', v('/volumes/nope'), { token: s.token });
    expect(res.body).toEqual({ itemNotFound: { code: 404, message: 'Volume nope could not be found.' } });
    expect((await call('POST', v('/volumes'), { token: s.token, body: { volume: { size: 0 } } })).status).toBe(400);
    const wrongProject = await call('GET', `${s.url('volumev3').replace(s.projectId, 'someoneelse')}/volumes`, {
      token: s.token,
    });
    expect(wrongProject.status).toBe(400);
  });

  it('creates a volume from an image (bytes copied) and uploads it back to an image', async () => {
    const res = await call('POST', v('/volumes'), {
      token: s.token,
      body: { volume: { size: 1, name: 'from-img', imageRef: imageId } },
    });
    expect(res.body.volume.status).toBe('downloading');
    const vol = await waitFor(
      () => call('GET', v(`/volumes/${res.body.volume.id}`), { token: s.token }),
      (r) => r.body.volume.status === 'available',
    );
    expect(vol.body.volume.bootable).toBe('true');
    expect(vol.body.volume.volume_image_metadata.image_id).toBe(imageId);
    const up = await call('POST', v(`/volumes/${res.body.volume.id}/action`), {
      token: s.token,
      headers: mv('3.1'),
      body: {
        'os-volume_upload_image': {
          image_name: 'from-vol',
          disk_format: 'raw',
          container_format: 'bare',
          visibility: 'private',
        },
      },
    });
    expect(up.status).toBe(202);
    expect(up.body['os-volume_upload_image']).toMatchObject({
      status: 'uploading',
      image_name: 'from-vol',
      visibility: 'private',
    });
    const newId = up.body['os-volume_upload_image'].image_id;
    const img = await waitFor(
      () => call('GET', `${s.url('image')}/v2/images/${newId}`, { token: s.token }),
      (r) => r.body.status === 'active',
    );
    const base = await call('GET', `${s.url('image')}/v2/images/${imageId}`, { token: s.token });
    expect(img.body.checksum).toBe(base.body.checksum);
    const bytes = Buffer.from(
      await (
        await fetch(`${s.url('image')}/v2/images/${newId}/file`, { headers: { 'x-auth-token': s.token } })
      ).arrayBuffer(),
    );
    expect(createHash('md5').update(bytes).digest('hex')).toBe(base.body.checksum);
    await waitFor(
      () => call('GET', v(`/volumes/${res.body.volume.id}`), { token: s.token }),
      (r) => r.body.volume.status === 'available',
    );
  });

  it('snapshots, volume from snapshot, delete rules', async () => {
    const vol = (await call('GET', v('/volumes?name=from-img'), { token: s.token })).body.volumes[0];
    const snap = await call('POST', v('/snapshots'), {
      token: s.token,
      body: { snapshot: { volume_id: vol.id, name: 'snap1' } },
    });
    expect(snap.status).toBe(202);
    await waitFor(
      () => call('GET', v(`/snapshots/${snap.body.snapshot.id}`), { token: s.token }),
      (r) => r.body.snapshot.status === 'available',
    );
    const blocked = await call('DELETE', v(`/volumes/${vol.id}`), { token: s.token });
    expect(blocked.status).toBe(400);
    const clone = await call('POST', v('/volumes'), {
      token: s.token,
      body: { volume: { snapshot_id: snap.body.snapshot.id, name: 'clone' } },
    });
    expect(clone.body.volume.size).toBe(1);
    await waitFor(
      () => call('GET', v(`/volumes/${clone.body.volume.id}`), { token: s.token }),
      (r) => r.body.volume.status === 'available',
    );
    expect((await call('DELETE', v(`/volumes/${vol.id}?cascade=true`), { token: s.token })).status).toBe(202);
    expect((await call('GET', v(`/volumes/${vol.id}`), { token: s.token })).status).toBe(404);
  });

  it('volume types: members list, only admins create', async () => {
    const list = await call('GET', v('/types'), { token: s.token });
    expect(list.body.volume_types.map((t: { name: string }) => t.name)).toContain('standard');
    const denied = await call('POST', v('/types'), { token: s.token, body: { volume_type: { name: 'fast' } } });
    expect(denied.status).toBe(403);
    const admin = await login(sim, 'c', 'admin', ADMIN_PASSWORD, 'admin');
    const ok = await call('POST', `${admin.url('volumev3')}/types`, {
      token: admin.token,
      body: { volume_type: { name: 'fast', extra_specs: { volume_backend_name: 'ssd' } } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.volume_type).toMatchObject({
      name: 'fast',
      is_public: true,
      extra_specs: { volume_backend_name: 'ssd' },
    });
  });

  it('paginates with volumes_links', async () => {
    for (const name of ['p1', 'p2'])
      await call('POST', v('/volumes'), { token: s.token, body: { volume: { size: 1, name } } });
    const all = (await call('GET', v('/volumes'), { token: s.token })).body.volumes;
    expect(all.map((x: { name: string }) => x.name).slice(0, 2)).toEqual(['p2', 'p1']);
    const first = await call('GET', v('/volumes?limit=2'), { token: s.token });
    expect(first.body.volumes).toEqual(all.slice(0, 2));
    const second = await call('GET', first.body.volumes_links[0].href, { token: s.token });
    expect(second.body.volumes).toEqual(all.slice(2, 4));
  });
  it('quotas with usage and 413 overLimit', async () => {
    const admin = await login(sim, 'c', 'admin', ADMIN_PASSWORD, 'admin');
    await call('PUT', `${admin.url('volumev3')}/os-quota-sets/${s.projectId}`, {
      token: admin.token,
      body: { quota_set: { volumes: 4 } },
    });
    const q = await call('GET', v(`/os-quota-sets/${s.projectId}?usage=true`), { token: s.token });
    expect(q.body.quota_set.volumes).toMatchObject({ limit: 4, in_use: 4 });
    const over = await call('POST', v('/volumes'), { token: s.token, body: { volume: { size: 1 } } });
    expect(over.status).toBe(413);
    expect(over.body.overLimit.message).toBe(
      "VolumeLimitExceeded: Maximum number of volumes allowed (4) exceeded for quota 'volumes'.",
    );
    const limits = await call('GET', v('/limits'), { token: s.token });
    expect(limits.body.limits.absolute.totalVolumesUsed).toBe(4);
  });
});
