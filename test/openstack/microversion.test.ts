import { afterEach, describe, expect, it } from 'vitest';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as flavors from '../../src/openstack/compute/flavors/requests.js';
import * as serverGroups from '../../src/openstack/compute/server-groups/requests.js';
import * as servers from '../../src/openstack/compute/servers/requests.js';
import { compareMicroversions, mvAtLeast, negotiate, parseMicroversion } from '../../src/openstack/microversion.js';
import { collect } from '../../src/openstack/pagination.js';
import { isBasculeError } from '../../src/shared/errors.js';
import { fakeCloud, fakeConfig } from '../support/cloud.js';
import type { FakeOptions, Release } from '../support/fake-openstack.js';
import { FakeOpenStack } from '../support/fake-openstack.js';
import { fixtureBody, loadResponse } from '../support/fixtures.js';

describe('microversion arithmetic', () => {
  it('parses and compares numerically (2.10 > 2.9)', () => {
    expect(parseMicroversion('2.53')).toEqual([2, 53]);
    expect(parseMicroversion('v3.70')).toEqual([3, 70]);
    expect(compareMicroversions('2.10', '2.9')).toBeGreaterThan(0);
    expect(compareMicroversions('2.53', '2.53')).toBe(0);
    expect(mvAtLeast('2.64', '2.64')).toBe(true);
    expect(mvAtLeast('2.63', '2.64')).toBe(false);
    expect(mvAtLeast(undefined, '2.1')).toBe(false);
    expect(() => parseMicroversion('latest')).toThrow(/not a microversion/);
  });

  it('negotiate: min(call max, server max), never below the server min', () => {
    expect(negotiate('compute', { min: '2.1', max: '2.53' }, { max: '2.79' })).toBe('2.53');
    expect(negotiate('compute', { min: '2.1', max: '2.93' }, { max: '2.79' })).toBe('2.79');
    expect(negotiate('volume', { min: '3.0', max: '3.70' }, { max: '3.60' })).toBe('3.60');
    expect(negotiate('compute', { min: '2.30', max: '2.93' }, { max: '2.10' })).toBe('2.30');
  });

  it('negotiate: a pin wins, within the server range', () => {
    expect(negotiate('compute', { min: '2.1', max: '2.93' }, { max: '2.79' }, '2.53')).toBe('2.53');
    expect(() => negotiate('compute', { min: '2.1', max: '2.53' }, { max: '2.79' }, '2.60')).toThrow(
      /2\.60 is above the server's maximum 2\.53/,
    );
  });

  it('negotiate: a call needing more than the server has is refused', () => {
    let error: unknown;
    try {
      negotiate('compute', { min: '2.1', max: '2.53' }, { max: '2.79', min: '2.64' });
    } catch (e) {
      error = e;
    }
    expect(isBasculeError(error) && error.code).toBe('OS_VERSION_UNSUPPORTED');
    expect((error as Error).message).toBe(
      'compute: this call needs microversion 2.64 or later; the server offers up to 2.53',
    );
  });

  it('negotiate: no microversions announced (Cinder v2, Neutron): no header', () => {
    expect(negotiate('block-storage', undefined, { max: '3.60' })).toBeUndefined();
    expect(() => negotiate('compute', undefined, { max: '2.79', min: '2.26' })).toThrow(
      /does not announce microversions/,
    );
  });
});

describe('discovery and headers against Pike-like and Zed-like clouds', () => {
  let fake: FakeOpenStack | undefined;
  let cloud: Cloud | undefined;
  afterEach(async () => {
    await cloud?.close();
    await fake?.close();
    cloud = undefined;
    fake = undefined;
  });

  async function start(
    release: Release,
    extra: Record<string, unknown> = {},
    options: FakeOptions = {},
  ): Promise<{ fake: FakeOpenStack; cloud: Cloud }> {
    fake = await FakeOpenStack.start({ release, ...options });
    cloud = fakeCloud(fake, { config: fakeConfig(fake, extra) });
    return { fake, cloud };
  }

  const cases = [
    {
      release: 'pike',
      nova: { min: '2.1', max: '2.53' },
      cinder: { min: '3.0', max: '3.40' },
      servers: '2.53',
      flavors: '2.53',
      volumes: '3.40',
    },
    {
      release: 'zed',
      nova: { min: '2.1', max: '2.93' },
      cinder: { min: '3.0', max: '3.70' },
      servers: '2.79',
      flavors: '2.61',
      volumes: '3.60',
    },
  ] as const;

  for (const c of cases) {
    it(`${c.release}: discovers Nova ${c.nova.max} and Cinder ${c.cinder.max} once, and sends min(call max, server max)`, async () => {
      const { fake, cloud } = await start(c.release);
      const pid = fake.projectId;
      fake.reply('GET', '/compute/v2.1/servers/detail', { body: { servers: [] } });
      fake.reply('GET', '/compute/v2.1/flavors/detail', { body: { flavors: [] } });
      fake.reply('GET', `/volume/v3/${pid}/volumes/detail`, { body: { volumes: [] } });
      expect((await cloud.compute.resolve()).versions).toEqual(c.nova);
      expect((await cloud.blockStorage.resolve()).versions).toEqual(c.cinder);
      await collect(servers.list(cloud.compute));
      await collect(servers.list(cloud.compute));
      await collect(flavors.list(cloud.compute));
      await collect(volumes.list(cloud.blockStorage));
      const [s1, s2] = fake.requestsTo('/compute/v2.1/servers/detail');
      expect(s1?.headers['openstack-api-version']).toBe(`compute ${c.servers}`);
      expect(s1?.headers['x-openstack-nova-api-version']).toBe(c.servers);
      expect(s2?.headers['openstack-api-version']).toBe(`compute ${c.servers}`);
      expect(fake.requestsTo('/compute/v2.1/flavors/detail')[0]?.headers['openstack-api-version']).toBe(
        `compute ${c.flavors}`,
      );
      const v = fake.requestsTo(`/volume/v3/${pid}/volumes/detail`)[0];
      expect(v?.headers['openstack-api-version']).toBe(`volume ${c.volumes}`);
      expect(v?.headers['x-openstack-nova-api-version']).toBeUndefined();
      // Discovery is done once per service, on the unversioned root.
      expect(fake.requestsTo('/compute/')).toHaveLength(1);
      expect(fake.requestsTo('/volume/')).toHaveLength(1);
    });
  }

  it('a call needing more than the server offers fails with OS_VERSION_UNSUPPORTED before any request', async () => {
    const { fake, cloud } = await start('pike');
    fake.reply('GET', '/compute/v2.1/servers/detail', { body: { servers: [] } });
    const error = await cloud.compute
      .request('GET', '/servers/detail', { microversion: { min: '2.60', max: '2.79' } })
      .catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_VERSION_UNSUPPORTED');
    expect((error as Error).message).toContain('needs microversion 2.60');
    expect(fake.requestsTo('/compute/v2.1/servers/detail')).toHaveLength(0);
  });

  it('a pinned compute_api_version is sent as is', async () => {
    const { fake, cloud } = await start('zed', { compute_api_version: '2.53' });
    fake.reply('GET', '/compute/v2.1/servers/detail', { body: { servers: [] } });
    await collect(servers.list(cloud.compute));
    expect(fake.requestsTo('/compute/v2.1/servers/detail')[0]?.headers['openstack-api-version']).toBe('compute 2.53');
  });

  it('a Cinder pin is read from block_storage_api_version or the older volume_api_version', async () => {
    for (const key of ['block_storage_api_version', 'volume_api_version']) {
      const s = await start('zed', { [key]: '3.40' });
      s.fake.reply('GET', `/volume/v3/${s.fake.projectId}/volumes/detail`, { body: { volumes: [] } });
      await collect(volumes.list(s.cloud.blockStorage));
      expect(
        s.fake.requestsTo(`/volume/v3/${s.fake.projectId}/volumes/detail`)[0]?.headers['openstack-api-version'],
      ).toBe('volume 3.40');
      await s.cloud.close();
      await s.fake.close();
      cloud = undefined;
      fake = undefined;
    }
  });

  it("a pin above the server's maximum is refused before the call", async () => {
    const { fake, cloud } = await start('pike', { compute_api_version: '2.79' });
    fake.reply('GET', '/compute/v2.1/servers/detail', { body: { servers: [] } });
    const error = await collect(servers.list(cloud.compute)).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_VERSION_UNSUPPORTED');
    expect(fake.requestsTo('/compute/v2.1/servers/detail')).toHaveLength(0);
  });

  it('server groups: `policies` on Pike, `policy`/`rules` on Zed, read back in one shape', async () => {
    const pike = await start('pike');
    pike.fake.reply('POST', '/compute/v2.1/os-server-groups', 'compute/server-group-create-pike');
    const oldGroup = await serverGroups.create(pike.cloud.compute, { name: 'web-anti', policy: 'anti-affinity' });
    const sentOld = pike.fake.requestsTo('/compute/v2.1/os-server-groups', 'POST')[0];
    expect(sentOld?.json).toEqual({ server_group: { name: 'web-anti', policies: ['anti-affinity'] } });
    expect(sentOld?.headers['openstack-api-version']).toBe('compute 2.53');
    expect(oldGroup).toMatchObject({
      id: '5bbcc3c4-1da2-4437-a48a-66f15b1b13f9',
      name: 'web-anti',
      policy: 'anti-affinity',
      rules: {},
      members: [],
    });
    expect(oldGroup).not.toHaveProperty('policies');
    // Rules cannot be said before 2.64: refused before any POST.
    const refused = await serverGroups
      .create(pike.cloud.compute, { name: 'x', policy: 'anti-affinity', rules: { max_server_per_host: 3 } })
      .catch((e: unknown) => e);
    expect(isBasculeError(refused) && refused.code).toBe('OS_VERSION_UNSUPPORTED');
    expect(pike.fake.requestsTo('/compute/v2.1/os-server-groups', 'POST')).toHaveLength(1);
    await pike.cloud.close();
    await pike.fake.close();

    const zed = await start('zed');
    zed.fake.reply('POST', '/compute/v2.1/os-server-groups', 'compute/server-group-create-zed');
    const newGroup = await serverGroups.create(zed.cloud.compute, {
      name: 'web-anti',
      policy: 'anti-affinity',
      rules: { max_server_per_host: 3 },
    });
    const sentNew = zed.fake.requestsTo('/compute/v2.1/os-server-groups', 'POST')[0];
    expect(sentNew?.json).toEqual({
      server_group: { name: 'web-anti', policy: 'anti-affinity', rules: { max_server_per_host: 3 } },
    });
    expect(sentNew?.headers['openstack-api-version']).toBe('compute 2.64');
    expect(newGroup).toMatchObject({
      name: 'web-anti',
      policy: 'anti-affinity',
      rules: { max_server_per_host: 3 },
      members: [],
    });
    expect(Object.keys(newGroup).sort()).toEqual(Object.keys(oldGroup).sort());
  });

  it('server groups list pages by marker and normalises each item', async () => {
    const { fake, cloud } = await start('pike');
    const pikeGroup = fixtureBody<{ server_group: Record<string, unknown> }>(
      'compute/server-group-create-pike',
    ).server_group;
    fake.on('GET', '/compute/v2.1/os-server-groups', ({ req }) => ({
      body: { server_groups: req.query.get('marker') ? [] : [pikeGroup] },
    }));
    const groups = await collect(serverGroups.list(cloud.compute));
    expect(groups).toEqual([
      {
        id: pikeGroup.id,
        name: 'web-anti',
        policy: 'anti-affinity',
        rules: {},
        members: [],
        project_id: pikeGroup.project_id,
        user_id: pikeGroup.user_id,
      },
    ]);
    const sent = fake.requestsTo('/compute/v2.1/os-server-groups');
    expect(sent[0]?.query.get('limit')).toBe('1000');
  });

  it("a server's flavor: {id, links} before 2.47, embedded from 2.47", async () => {
    const pike = await start('pike');
    const id = '9168b536-cd40-4630-b43f-b259807c6e87';
    pike.fake.reply('GET', `/compute/v2.1/servers/${id}`, 'compute/server-get-pike');
    const old = await servers.get(pike.cloud.compute, id);
    expect(old.flavor).toEqual({ id: '1', links: [{ rel: 'bookmark', href: 'http://127.0.0.1:8774/flavors/1' }] });
    expect(pike.fake.requestsTo(`/compute/v2.1/servers/${id}`)[0]?.headers['openstack-api-version']).toBe(
      'compute 2.53',
    );
    await pike.cloud.close();
    await pike.fake.close();

    const zed = await start('zed');
    zed.fake.reply('GET', `/compute/v2.1/servers/${id}`, 'compute/server-get-zed');
    const current = await servers.get(zed.cloud.compute, id);
    expect(current.flavor).toMatchObject({
      original_name: 'm1.tiny',
      vcpus: 1,
      ram: 512,
      disk: 1,
      extra_specs: { 'hw:cpu_policy': 'shared' },
    });
    expect(current.flavor.id).toBeUndefined();
    expect(current.tags).toEqual(['web']);
    expect(zed.fake.requestsTo(`/compute/v2.1/servers/${id}`)[0]?.headers['openstack-api-version']).toBe(
      'compute 2.79',
    );
  });

  it('Cinder v2 only (an old cloud): no discovery, no microversion header', async () => {
    const { fake, cloud } = await start(
      'pike',
      {},
      { editCatalog: (catalog) => catalog.filter((e) => e.type !== 'volumev3') },
    );
    const pid = fake.projectId;
    fake.reply('GET', `/volume/v2/${pid}/volumes/detail`, 'block-storage/volumes-list-page2');
    const list = await collect(volumes.list(cloud.blockStorage));
    expect(list.map((v) => v.name)).toEqual(['vol-3']);
    const resolved = await cloud.blockStorage.resolve();
    expect(resolved).toMatchObject({ serviceType: 'volumev2', apiVersion: 'v2' });
    expect(resolved.versions).toBeUndefined();
    const sent = fake.requestsTo(`/volume/v2/${pid}/volumes/detail`)[0];
    expect(sent?.headers['openstack-api-version']).toBeUndefined();
    expect(fake.requestsTo('/volume/')).toHaveLength(0);
  });

  it('version documents: the recorded Zed ones and the Pike reference ones have the expected ranges', () => {
    const find = (name: string, id: string) =>
      (loadResponse(name).body as { versions: { id: string; version: string; min_version: string }[] }).versions.find(
        (v) => v.id === id,
      );
    expect(find('versions/nova-zed', 'v2.1')).toMatchObject({ version: '2.93', min_version: '2.1' });
    expect(find('versions/nova-pike', 'v2.1')).toMatchObject({ version: '2.53', min_version: '2.1' });
    expect(find('versions/cinder-zed', 'v3.0')).toMatchObject({ version: '3.70', min_version: '3.0' });
    expect(find('versions/cinder-pike', 'v3.0')).toMatchObject({ version: '3.40', min_version: '3.0' });
  });

  it('an unreachable version root is an OS_NETWORK error (not a raw socket error), and discovery is tried again next time', async () => {
    const { fake, cloud } = await start('zed');
    fake.on('GET', '/compute/', ({ raw, call }) => {
      if (call === 1) {
        raw.socket.destroy();
        return undefined;
      }
      return { body: { versions: [{ id: 'v2.1', status: 'CURRENT', version: '2.93', min_version: '2.1' }] } };
    });
    fake.reply('GET', '/compute/v2.1/servers/detail', { body: { servers: [] } });
    const error = await collect(servers.list(cloud.compute)).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_NETWORK');
    expect((error as Error).message).toMatch(/^compute: GET .*\/compute\/ \(version discovery\)/);
    expect(await collect(servers.list(cloud.compute))).toEqual([]);
    expect(fake.requestsTo('/compute/')).toHaveLength(2);
  });

  it('an abort during version discovery is an AbortedError', async () => {
    const { fake, cloud } = await start('zed');
    const controller = new AbortController();
    await cloud.token();
    fake.on('GET', '/compute/', () => {
      controller.abort();
      return new Promise(() => undefined);
    });
    const error = await cloud.compute.resolve(controller.signal).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('ABORTED');
  });

  it('a version root answering 5xx is an error, not "no microversions" cached for the whole run', async () => {
    const { fake, cloud } = await start('zed');
    fake.on('GET', '/compute/', ({ call }) =>
      call === 1
        ? { status: 503, body: '503 Service Unavailable' }
        : { body: { versions: [{ id: 'v2.1', status: 'CURRENT', version: '2.93', min_version: '2.1' }] } },
    );
    fake.reply('GET', '/compute/v2.1/servers/detail', { body: { servers: [] } });
    const error = await collect(servers.list(cloud.compute)).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_UNAVAILABLE');
    expect((error as Error).message).toContain('version discovery');
    await collect(servers.list(cloud.compute));
    expect(fake.requestsTo('/compute/v2.1/servers/detail')[0]?.headers['openstack-api-version']).toBe('compute 2.79');
  });

  it('a version root that fails leaves the service without microversions (warned), calls go without header', async () => {
    const { fake, cloud } = await start('zed');
    fake.reply('GET', '/volume/', { status: 404, body: 'not here' });
    const resolved = await cloud.blockStorage.resolve();
    expect(resolved.versions).toBeUndefined();
    expect(resolved.apiVersion).toBe('v3');
  });
});
