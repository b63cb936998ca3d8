import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../../src/openstack/auth/catalog.js';
import { fillTemplate, selectEndpoint, versionedBase } from '../../../src/openstack/auth/catalog.js';
import { collect } from '../../../src/openstack/pagination.js';
import * as networks from '../../../src/openstack/network/networks/requests.js';
import * as volumes from '../../../src/openstack/block-storage/volumes/requests.js';
import { isBasculeError } from '../../../src/shared/errors.js';
import { fakeCloud, fakeConfig } from '../../support/cloud.js';
import type { CatalogEntryLike } from '../../support/fake-openstack.js';
import { FakeOpenStack } from '../../support/fake-openstack.js';
import { fixtureBody } from '../../support/fixtures.js';

const zedCatalog = fixtureBody<{ token: { catalog: CatalogEntry[] } }>('identity/token-password').token.catalog;
const pikeCatalog = fixtureBody<{ token: { catalog: CatalogEntry[] } }>('identity/token-pike-password').token.catalog;

function entry(type: string, url: string, region = 'RegionOne', iface = 'public'): CatalogEntry {
  return { type, endpoints: [{ interface: iface, region_id: region, region, url }] };
}

describe('selectEndpoint', () => {
  it('picks the endpoint by service type and interface from a recorded Zed catalog', () => {
    expect(selectEndpoint(zedCatalog, 'compute', 'public')).toEqual({
      url: 'http://127.0.0.1:8774/v2.1',
      serviceType: 'compute',
      region: 'RegionOne',
    });
    expect(selectEndpoint(zedCatalog, 'network', 'internal', 'RegionOne').url).toBe('http://127.0.0.1:9696');
    expect(selectEndpoint(zedCatalog, 'identity', 'admin').url).toBe('http://127.0.0.1:5000/v3/');
  });

  it('chooses by region when several regions publish the service', () => {
    const catalog: CatalogEntry[] = [
      {
        type: 'compute',
        endpoints: [
          { interface: 'public', region_id: 'RegionOne', url: 'https://one/compute/v2.1' },
          { interface: 'internal', region_id: 'RegionTwo', url: 'https://two-internal/compute/v2.1' },
          { interface: 'public', region_id: 'RegionTwo', url: 'https://two/compute/v2.1' },
        ],
      },
    ];
    expect(selectEndpoint(catalog, 'compute', 'public', 'RegionTwo')).toEqual({
      url: 'https://two/compute/v2.1',
      serviceType: 'compute',
      region: 'RegionTwo',
    });
    expect(selectEndpoint(catalog, 'compute', 'internal', 'RegionTwo').url).toBe('https://two-internal/compute/v2.1');
    expect(selectEndpoint(catalog, 'compute', 'public').url).toBe('https://one/compute/v2.1');
  });

  it('understands the v2-era `publicURL` interface names and the `region` field of old catalogs', () => {
    const catalog: CatalogEntry[] = [
      { type: 'image', endpoints: [{ interface: 'publicURL', region: 'r1', url: 'https://glance:9292' }] },
    ];
    expect(selectEndpoint(catalog, 'image', 'public', 'r1')).toEqual({
      url: 'https://glance:9292',
      serviceType: 'image',
      region: 'r1',
    });
  });

  it('block storage falls back in order: block-storage, volumev3, volumev2', () => {
    const all = [
      entry('volumev2', 'https://c/v2/p'),
      entry('volumev3', 'https://c/v3/p'),
      entry('block-storage', 'https://c/bs/v3/p'),
    ];
    expect(selectEndpoint(all, 'block-storage', 'public').serviceType).toBe('block-storage');
    expect(selectEndpoint(all.slice(0, 2), 'block-storage', 'public').serviceType).toBe('volumev3');
    expect(selectEndpoint(all.slice(0, 1), 'block-storage', 'public')).toMatchObject({
      serviceType: 'volumev2',
      url: 'https://c/v2/p',
    });
    // Pike (HPE Helion 8): volumev2 and volumev3, no block-storage type.
    expect(selectEndpoint(pikeCatalog, 'block-storage', 'public').serviceType).toBe('volumev3');
  });

  it('a type present only in another region is skipped for the next type that matches the region', () => {
    const catalog = [
      entry('volumev3', 'https://c3/v3/p', 'RegionTwo'),
      entry('volumev2', 'https://c2/v2/p', 'RegionOne'),
    ];
    expect(selectEndpoint(catalog, 'block-storage', 'public', 'RegionOne')).toMatchObject({ serviceType: 'volumev2' });
  });

  it('no match: OS_NO_ENDPOINT naming the service, the region and the regions that exist', () => {
    const catalog = [entry('compute', 'https://a/v2.1', 'RegionOne'), entry('compute', 'https://b/v2.1', 'RegionTwo')];
    let error: unknown;
    try {
      selectEndpoint(catalog, 'compute', 'public', 'RegionThree');
    } catch (e) {
      error = e;
    }
    expect(isBasculeError(error) && error.code).toBe('OS_NO_ENDPOINT');
    const message = (error as Error).message;
    expect(message).toContain('compute');
    expect(message).toContain('in region RegionThree');
    expect(message).toContain('regions with a public endpoint: RegionOne, RegionTwo');
    expect(() => selectEndpoint(zedCatalog, 'block-storage', 'public', 'Nowhere')).toThrow(
      /block-storage or volumev3 or volumev2 or volume/,
    );
    expect(() => selectEndpoint([], 'network', 'public')).toThrow(/no public endpoint for network/);
  });
});

describe('fillTemplate', () => {
  it('fills the project id in every template spelling', () => {
    for (const url of [
      'https://c:8776/v3/%(project_id)s',
      'https://c:8776/v3/%(tenant_id)s',
      'https://c:8776/v3/$(project_id)s',
      'https://c:8776/v3/{project_id}',
    ]) {
      expect(fillTemplate(url, 'p123')).toBe('https://c:8776/v3/p123');
    }
    expect(fillTemplate('https://c:8776/v3/already', 'p123')).toBe('https://c:8776/v3/already');
  });
});

describe('versionedBase', () => {
  it('adds the missing version suffix of Neutron, Glance, Nova and Keystone', () => {
    expect(versionedBase('network', 'http://127.0.0.1:9696')).toEqual({
      base: 'http://127.0.0.1:9696/v2.0',
      root: 'http://127.0.0.1:9696',
      version: 'v2.0',
    });
    expect(versionedBase('network', 'http://127.0.0.1:9696/')).toMatchObject({ base: 'http://127.0.0.1:9696/v2.0' });
    expect(versionedBase('image', 'http://127.0.0.1:9292')).toEqual({
      base: 'http://127.0.0.1:9292/v2',
      root: 'http://127.0.0.1:9292',
      version: 'v2',
    });
    expect(versionedBase('compute', 'https://nova:8774')).toMatchObject({
      base: 'https://nova:8774/v2.1',
      version: 'v2.1',
    });
    expect(versionedBase('identity', 'https://k:5000')).toMatchObject({ base: 'https://k:5000/v3' });
  });

  it('keeps versioned URLs and the project path of Nova and Cinder', () => {
    expect(versionedBase('compute', 'http://127.0.0.1:8774/v2.1')).toEqual({
      base: 'http://127.0.0.1:8774/v2.1',
      root: 'http://127.0.0.1:8774',
      version: 'v2.1',
    });
    expect(versionedBase('volumev3', 'http://127.0.0.1:8776/v3/db05018d')).toEqual({
      base: 'http://127.0.0.1:8776/v3/db05018d',
      root: 'http://127.0.0.1:8776',
      version: 'v3',
    });
    expect(versionedBase('volumev2', 'http://c:8776/v2/p/')).toEqual({
      base: 'http://c:8776/v2/p',
      root: 'http://c:8776',
      version: 'v2',
    });
    expect(versionedBase('compute', 'https://api.example/compute/v2.1/p1')).toEqual({
      base: 'https://api.example/compute/v2.1/p1',
      root: 'https://api.example/compute',
      version: 'v2.1',
    });
    expect(versionedBase('network', 'https://api.example/network/v2.0')).toMatchObject({
      root: 'https://api.example/network',
      version: 'v2.0',
    });
  });
});

describe('Session.endpoint against a fake cloud', () => {
  let fake: FakeOpenStack;
  beforeEach(async () => {
    fake = await FakeOpenStack.start({ release: 'pike' });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('uses unversioned Neutron and Glance catalog URLs with the version added', async () => {
    fake.reply('GET', '/network/v2.0/networks', { body: { networks: [] } });
    const cloud = fakeCloud(fake);
    expect(await collect(networks.list(cloud.network))).toEqual([]);
    expect((await cloud.image.resolve()).base).toBe(`${fake.base}/image/v2`);
    expect(fake.requestsTo('/network/v2.0/networks')).toHaveLength(1);
    await cloud.close();
  });

  it('an endpoint override with %(project_id)s replaces the catalog entry', async () => {
    fake.reply('GET', `/volume/v3/${fake.projectId}/volumes/detail`, { body: { volumes: [] } });
    fake.reply('GET', '/alt-network/v2.0/networks', { body: { networks: [{ id: 'n' }] } });
    const config = fakeConfig(fake, {
      block_storage_endpoint_override: `${fake.base}/volume/v3/%(project_id)s`,
      network_endpoint_override: `${fake.base}/alt-network`,
    });
    const cloud = fakeCloud(fake, { config });
    expect(await cloud.session.endpoint('block-storage')).toEqual({
      url: `${fake.base}/volume/v3/${fake.projectId}`,
      serviceType: 'block-storage',
    });
    expect(await collect(volumes.list(cloud.blockStorage))).toEqual([]);
    expect(await collect(networks.list(cloud.network))).toEqual([{ id: 'n' }]);
    await cloud.close();
  });

  it('a region the catalog does not have: a clear error listing the regions', async () => {
    const local = await FakeOpenStack.start({
      editCatalog: (catalog: CatalogEntryLike[]) =>
        catalog.map((e) =>
          e.type === 'compute'
            ? {
                ...e,
                endpoints: [
                  ...e.endpoints,
                  ...e.endpoints.map((ep) => ({ ...ep, region_id: 'RegionTwo', region: 'RegionTwo' })),
                ],
              }
            : e,
        ),
    });
    try {
      const cloud = fakeCloud(local, { config: fakeConfig(local, { region_name: 'RegionNine' }) });
      const error = await cloud.compute.resolve().catch((e: unknown) => e);
      expect(isBasculeError(error) && error.code).toBe('OS_NO_ENDPOINT');
      expect((error as Error).message).toMatch(
        /no public endpoint for compute \(compute\) in region RegionNine in the catalog; regions with a public endpoint: RegionOne, RegionTwo/,
      );
      expect((error as { hint?: string }).hint).toMatch(/region_name/);
      await cloud.close();
    } finally {
      await local.close();
    }
  });

  it('interface internal selects the internal endpoints', async () => {
    const local = await FakeOpenStack.start({
      editCatalog: (catalog) =>
        catalog.map((e) =>
          e.type === 'network'
            ? {
                ...e,
                endpoints: e.endpoints.map((ep) =>
                  ep.interface === 'internal' ? { ...ep, url: ep.url.replace('/network', '/network-internal') } : ep,
                ),
              }
            : e,
        ),
    });
    try {
      local.reply('GET', '/network-internal/v2.0/networks', { body: { networks: [{ id: 'internal' }] } });
      const cloud = fakeCloud(local, { config: fakeConfig(local, { interface: 'internal' }) });
      expect(await collect(networks.list(cloud.network))).toEqual([{ id: 'internal' }]);
      await cloud.close();
    } finally {
      await local.close();
    }
  });
});
