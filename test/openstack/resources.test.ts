import { afterEach, describe, expect, it } from 'vitest';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as keypairs from '../../src/openstack/compute/keypairs/requests.js';
import * as servers from '../../src/openstack/compute/servers/requests.js';
import * as images from '../../src/openstack/image/images/requests.js';
import * as networkCommon from '../../src/openstack/network/common.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import * as routers from '../../src/openstack/network/routers/requests.js';
import { isBasculeError } from '../../src/shared/errors.js';
import { fakeCloud } from '../support/cloud.js';
import type { Release } from '../support/fake-openstack.js';
import { FakeOpenStack } from '../support/fake-openstack.js';

let fake: FakeOpenStack | undefined;
let cloud: Cloud | undefined;
afterEach(async () => {
  await cloud?.close();
  await fake?.close();
  cloud = undefined;
  fake = undefined;
});

async function start(release: Release = 'zed'): Promise<{ fake: FakeOpenStack; cloud: Cloud }> {
  fake = await FakeOpenStack.start({ release });
  cloud = fakeCloud(fake);
  return { fake, cloud };
}

describe('compute', () => {
  it('servers.create sends the body in its envelope, asks 2.52 for tags, and drops adminPass', async () => {
    const { fake, cloud } = await start('pike');
    fake.reply('POST', '/compute/v2.1/servers', 'compute/server-create');
    const server = await servers.create(cloud.compute, {
      name: 'web-1',
      flavorRef: '1',
      imageRef: 'img',
      networks: [{ uuid: 'n1' }],
      tags: ['web'],
    });
    expect(server).not.toHaveProperty('adminPass');
    expect(server.id).toBe('f5dc173b-6804-445a-a6d8-c705dad5b5eb');
    const sent = fake.requestsTo('/compute/v2.1/servers', 'POST')[0];
    expect(sent?.json).toEqual({
      server: { name: 'web-1', flavorRef: '1', imageRef: 'img', networks: [{ uuid: 'n1' }], tags: ['web'] },
    });
    expect(sent?.headers['openstack-api-version']).toBe('compute 2.53');
  });

  it('servers.create refuses before sending when the cloud is too old for what is asked', async () => {
    const { fake, cloud } = await start('pike');
    fake.on('GET', '/compute/', () => ({
      body: { versions: [{ id: 'v2.1', status: 'CURRENT', version: '2.42', min_version: '2.1' }] },
    }));
    const error = await servers
      .create(cloud.compute, { name: 'x', flavorRef: '1', tags: ['a'] })
      .catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_VERSION_UNSUPPORTED');
    expect((error as Error).message).toContain('needs microversion 2.52');
    expect(fake.requestsTo('/compute/v2.1/servers', 'POST')).toHaveLength(0);
  });

  it('servers.create asks for the highest microversion any of its fields needs', async () => {
    const { fake, cloud } = await start('pike');
    fake.on('GET', '/compute/', () => ({
      body: { versions: [{ id: 'v2.1', status: 'CURRENT', version: '2.30', min_version: '2.1' }] },
    }));
    // A description needs 2.19, `networks: auto` needs 2.37: a 2.30 cloud cannot take both.
    const error = await servers
      .create(cloud.compute, { name: 'x', flavorRef: '1', description: 'd', networks: 'auto' })
      .catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_VERSION_UNSUPPORTED');
    expect((error as Error).message).toContain('needs microversion 2.37');
    expect(fake.requestsTo('/compute/v2.1/servers', 'POST')).toHaveLength(0);
  });

  it('createImage reads the image id from the body (2.45+) or from the Location header (before)', async () => {
    const { fake, cloud } = await start();
    fake.on('POST', '/compute/v2.1/servers/s1/action', () => ({ status: 202, body: { image_id: 'img-from-body' } }));
    fake.on('POST', '/compute/v2.1/servers/s2/action', () => ({
      status: 202,
      headers: { location: 'http://glance:9292/images/img-from-location' },
    }));
    expect(await servers.createImage(cloud.compute, 's1', 'snap')).toBe('img-from-body');
    expect(await servers.createImage(cloud.compute, 's2', 'snap', { k: 'v' })).toBe('img-from-location');
    expect(fake.requestsTo('/compute/v2.1/servers/s2/action')[0]?.json).toEqual({
      createImage: { name: 'snap', metadata: { k: 'v' } },
    });
  });

  it('server actions: os-start / os-stop bodies', async () => {
    const { fake, cloud } = await start();
    fake.reply('POST', '/compute/v2.1/servers/s1/action', { status: 202 });
    await servers.stop(cloud.compute, 's1');
    await servers.start(cloud.compute, 's1');
    expect(fake.requestsTo('/compute/v2.1/servers/s1/action').map((r) => r.json)).toEqual([
      { 'os-stop': null },
      { 'os-start': null },
    ]);
  });

  it('keypairs: list unwraps {keypair}, create imports a public key and asks 2.2 for a type', async () => {
    const { fake, cloud } = await start();
    fake.reply('GET', '/compute/v2.1/os-keypairs', {
      body: { keypairs: [{ keypair: { name: 'ops', public_key: 'ssh-ed25519 AAAA', type: 'ssh' } }] },
    });
    fake.on('POST', '/compute/v2.1/os-keypairs', ({ req }) => ({
      body: { keypair: { ...(req.json as { keypair: object }).keypair, fingerprint: 'aa:bb' } },
    }));
    const list = [];
    for await (const k of keypairs.list(cloud.compute)) list.push(k);
    expect(list).toEqual([{ name: 'ops', public_key: 'ssh-ed25519 AAAA', type: 'ssh' }]);
    const created = await keypairs.create(cloud.compute, { name: 'k2', public_key: 'ssh-ed25519 BBBB', type: 'ssh' });
    expect(created.fingerprint).toBe('aa:bb');
    expect(fake.requestsTo('/compute/v2.1/os-keypairs', 'GET')[0]?.headers['openstack-api-version']).toBe(
      'compute 2.35',
    );
  });
});

describe('network', () => {
  it('crud: create/update/remove send Neutron envelopes and accept Neutron statuses', async () => {
    const { fake, cloud } = await start();
    fake.on('POST', '/network/v2.0/networks', ({ req }) => ({
      status: 201,
      body: { network: { id: 'n1', ...(req.json as { network: object }).network } },
    }));
    fake.on('PUT', '/network/v2.0/networks/n1', ({ req }) => ({
      body: { network: { id: 'n1', ...(req.json as { network: object }).network } },
    }));
    fake.reply('DELETE', '/network/v2.0/networks/n1', { status: 204 });
    expect(await networks.create(cloud.network, { name: 'private', mtu: 1450 })).toEqual({
      id: 'n1',
      name: 'private',
      mtu: 1450,
    });
    expect(await networks.update(cloud.network, 'n1', { description: 'd' })).toEqual({ id: 'n1', description: 'd' });
    await networks.remove(cloud.network, 'n1');
    expect(fake.requestsTo('/network/v2.0/networks', 'POST')[0]?.json).toEqual({
      network: { name: 'private', mtu: 1450 },
    });
    expect(fake.requestsTo('/network/v2.0/networks/n1', 'DELETE')).toHaveLength(1);
    // Neutron has no microversions.
    expect(fake.requests.some((r) => r.headers['openstack-api-version'] !== undefined)).toBe(false);
  });

  it('router interfaces and tags', async () => {
    const { fake, cloud } = await start();
    fake.on('PUT', '/network/v2.0/routers/r1/add_router_interface', ({ req }) => ({
      body: { id: 'r1', port_id: 'p1', subnet_id: (req.json as { subnet_id: string }).subnet_id },
    }));
    fake.reply('PUT', '/network/v2.0/networks/n1/tags/web', { status: 201 });
    fake.reply('PUT', '/network/v2.0/networks/n1/tags', { body: { tags: ['a', 'b'] } });
    expect(await routers.addInterface(cloud.network, 'r1', { subnet_id: 's1' })).toMatchObject({
      port_id: 'p1',
      subnet_id: 's1',
    });
    await networkCommon.addTag(cloud.network, 'networks', 'n1', 'web');
    await networkCommon.replaceTags(cloud.network, 'networks', 'n1', ['a', 'b']);
    expect(fake.requestsTo('/network/v2.0/networks/n1/tags')[0]?.json).toEqual({ tags: ['a', 'b'] });
  });

  it('extensions: the aliases, read once per cloud', async () => {
    const { fake, cloud } = await start();
    const aliases = await cloud.networkExtensions();
    expect(aliases.has('router')).toBe(true);
    expect(aliases.has('qos')).toBe(false);
    await cloud.networkExtensions();
    expect(fake.requestsTo('/network/v2.0/extensions')).toHaveLength(1);
  });
});

describe('image', () => {
  it('create (no envelope, 201), update with the JSON-patch media type, remove (204)', async () => {
    const { fake, cloud } = await start();
    fake.on('POST', '/image/v2/images', ({ req }) => ({
      status: 201,
      body: { id: 'img-1', status: 'queued', ...(req.json as object) },
    }));
    fake.reply('PATCH', '/image/v2/images/img-1', { body: { id: 'img-1', status: 'queued', name: 'renamed' } });
    fake.reply('DELETE', '/image/v2/images/img-1', { status: 204 });
    expect(
      await images.create(cloud.image, {
        name: 'cirros',
        disk_format: 'qcow2',
        container_format: 'bare',
        visibility: 'private',
      }),
    ).toMatchObject({ id: 'img-1', name: 'cirros' });
    await images.update(cloud.image, 'img-1', [{ op: 'replace', path: '/name', value: 'renamed' }]);
    await images.remove(cloud.image, 'img-1');
    const patch = fake.requestsTo('/image/v2/images/img-1', 'PATCH')[0];
    expect(patch?.headers['content-type']).toBe('application/openstack-images-v2.1-json-patch');
    expect(JSON.parse(patch?.body ?? '')).toEqual([{ op: 'replace', path: '/name', value: 'renamed' }]);
  });

  it('download streams the bytes; import methods are [] before Queens (404)', async () => {
    const { fake, cloud } = await start();
    fake.reply('GET', '/image/v2/images/img-1/file', {
      headers: { 'content-type': 'application/octet-stream' },
      body: 'QFI\u00fb bytes',
    });
    const response = await images.download(cloud.image, 'img-1');
    expect(response.status).toBe(200);
    expect(await response.body.text()).toBe('QFI\u00fb bytes');
    expect(await images.importMethods(cloud.image)).toEqual(['glance-direct', 'web-download', 'copy-image']);
    fake.reply('GET', '/image/v2/info/import', 'image/error-404');
    const fresh = fakeCloud(fake);
    try {
      expect(await images.importMethods(fresh.image)).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});

describe('block storage', () => {
  it('volumes: create (202) and os-volume_upload_image with its defaults', async () => {
    const { fake, cloud } = await start();
    const pid = fake.projectId;
    fake.on('POST', `/volume/v3/${pid}/volumes`, ({ req }) => ({
      status: 202,
      body: { volume: { id: 'v1', status: 'creating', ...(req.json as { volume: object }).volume } },
    }));
    fake.reply('POST', `/volume/v3/${pid}/volumes/v1/action`, {
      status: 202,
      body: { 'os-volume_upload_image': { image_id: 'img-9', status: 'uploading' } },
    });
    expect(await volumes.create(cloud.blockStorage, { size: 1, name: 'data' })).toMatchObject({ id: 'v1', size: 1 });
    expect(await volumes.uploadToImage(cloud.blockStorage, 'v1', { image_name: 'data-img' })).toEqual({
      image_id: 'img-9',
      status: 'uploading',
    });
    const action = fake.requestsTo(`/volume/v3/${pid}/volumes/v1/action`)[0];
    expect(action?.json).toEqual({
      'os-volume_upload_image': { disk_format: 'raw', container_format: 'bare', force: false, image_name: 'data-img' },
    });
    expect(action?.headers['openstack-api-version']).toBe('volume 3.60');
  });
});
