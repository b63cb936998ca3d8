import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as flavors from '../../src/openstack/compute/flavors/requests.js';
import * as images from '../../src/openstack/image/images/requests.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import { collect, paginate } from '../../src/openstack/pagination.js';
import { isBasculeError } from '../../src/shared/errors.js';
import { fakeCloud } from '../support/cloud.js';
import { FakeOpenStack } from '../support/fake-openstack.js';
import { fixtureBody } from '../support/fixtures.js';

let fake: FakeOpenStack;
let cloud: Cloud;
beforeEach(async () => {
  fake = await FakeOpenStack.start();
  cloud = fakeCloud(fake);
});
afterEach(async () => {
  await cloud.close();
  await fake.close();
});

describe('paginate: links', () => {
  it('Nova `flavors_links`: follows next with the recorded page, on our own endpoint', async () => {
    const page1 = fixtureBody<{ flavors: { id: string }[] }>('compute/flavors-list-page1');
    fake.on('GET', '/compute/v2.1/flavors/detail', ({ req }) => ({
      body: req.query.get('marker') === '1' ? { flavors: [{ id: '2', name: 'm1.small' }] } : page1,
    }));
    const list = await collect(flavors.list(cloud.compute));
    expect(list.map((f) => f.id)).toEqual(['1', '2']);
    const sent = fake.requestsTo('/compute/v2.1/flavors/detail');
    expect(sent.map((r) => r.query.toString())).toEqual(['', 'limit=1&marker=1']);
  });

  it('Neutron `networks_links` (with a previous link beside next)', async () => {
    const page1 = fixtureBody<{ networks: { id: string }[] }>('network/networks-list-page1');
    const firstId = page1.networks[0]?.id ?? '';
    fake.on('GET', '/network/v2.0/networks', ({ req }) => ({
      body:
        req.query.get('marker') === firstId
          ? {
              networks: [{ id: 'second' }],
              networks_links: [{ rel: 'previous', href: 'http://x/v2.0/networks?page_reverse=True' }],
            }
          : page1,
    }));
    const list = await collect(networks.list(cloud.network, { 'router:external': true }, { pageSize: 1 }));
    expect(list.map((n) => n.id)).toEqual([firstId, 'second']);
    const sent = fake.requestsTo('/network/v2.0/networks');
    expect(sent[0]?.query.get('router:external')).toBe('true');
    expect(sent[0]?.query.get('limit')).toBe('1');
    expect(sent[1]?.query.get('marker')).toBe(firstId);
    expect(sent[1]?.query.get('page_reverse')).toBeNull();
  });

  it('Cinder `volumes_links` naming another host: the query is applied to our endpoint', async () => {
    const pid = fake.projectId;
    fake.on('GET', `/volume/v3/${pid}/volumes/detail`, ({ req }) => ({
      body: req.query.get('marker')
        ? fixtureBody('block-storage/volumes-list-page2')
        : fixtureBody('block-storage/volumes-list-page1'),
    }));
    const list = await collect(volumes.list(cloud.blockStorage, undefined, { pageSize: 2 }));
    expect(list.map((v) => v.name)).toEqual(['vol-1', 'vol-2', 'vol-3']);
    const sent = fake.requestsTo(`/volume/v3/${pid}/volumes/detail`);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.query.get('marker')).toBe('00000002-0000-4000-8000-000000000000');
    expect(fake.requests.every((r) => r.headers.host === new URL(fake.base).host)).toBe(true);
  });

  it('Glance `next` (a relative link)', async () => {
    const page1 = fixtureBody<{ images: { id: string }[] }>('image/images-list-page1');
    const firstId = page1.images[0]?.id ?? '';
    fake.on('GET', '/image/v2/images', ({ req }) => ({
      body:
        req.query.get('marker') === firstId
          ? { images: [{ id: 'img-2', name: 'two' }], first: '/v2/images', schema: '/v2/schemas/images' }
          : page1,
    }));
    const list = await collect(images.list(cloud.image));
    expect(list.map((i) => i.id)).toEqual([firstId, 'img-2']);
    const sent = fake.requestsTo('/image/v2/images');
    expect(sent[0]?.query.get('limit')).toBe('200');
    expect(sent[1]?.query.toString()).toBe(`limit=1&marker=${firstId}`);
  });

  it('a next link that repeats stops with OS_PAGINATION_LOOP', async () => {
    fake.reply('GET', '/network/v2.0/networks', {
      body: {
        networks: [{ id: 'a' }],
        networks_links: [{ rel: 'next', href: 'http://x/v2.0/networks?marker=a&limit=1' }],
      },
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const n of networks.list(cloud.network)) seen.push(n.id);
    })().catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_PAGINATION_LOOP');
    expect((error as Error).message).toContain('same page marker twice (a)');
    expect(fake.requestsTo('/network/v2.0/networks')).toHaveLength(2);
    expect(seen).toEqual(['a', 'a']);
  });

  it('stops reading when the consumer stops (lazy)', async () => {
    fake.on('GET', '/network/v2.0/networks', ({ call }) => ({
      body: {
        networks: [{ id: `n${call}` }],
        networks_links: [{ rel: 'next', href: `http://x/v2.0/networks?marker=n${call}` }],
      },
    }));
    for await (const n of networks.list(cloud.network)) {
      expect(n.id).toBe('n1');
      break;
    }
    expect(fake.requestsTo('/network/v2.0/networks')).toHaveLength(1);
  });

  it('an answer without the collection key is an OS_BAD_RESPONSE', async () => {
    fake.reply('GET', '/network/v2.0/networks', { body: { nets: [] } });
    const error = await collect(networks.list(cloud.network)).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_BAD_RESPONSE');
    expect((error as Error).message).toContain('no `networks` list');
  });
});

describe('paginate: marker', () => {
  it('sends the id of the last item while pages are full, keeping the filters', async () => {
    const all = ['a', 'b', 'c', 'd', 'e'];
    fake.on('GET', '/compute/v2.1/os-things', ({ req }) => {
      const marker = req.query.get('marker');
      const start = marker ? all.indexOf(marker) + 1 : 0;
      return { body: { things: all.slice(start, start + Number(req.query.get('limit'))).map((id) => ({ id })) } };
    });
    const got = await collect(
      paginate<{ id: string }>(cloud.compute, '/os-things', {
        key: 'things',
        strategy: 'marker',
        pageSize: 2,
        query: { all_projects: false },
      }),
    );
    expect(got.map((t) => t.id)).toEqual(all);
    const sent = fake.requestsTo('/compute/v2.1/os-things').map((r) => r.query.toString());
    expect(sent).toEqual([
      'all_projects=false&limit=2',
      'all_projects=false&limit=2&marker=b',
      'all_projects=false&limit=2&marker=d',
    ]);
  });

  it('uses another marker field when told', async () => {
    fake.on('GET', '/compute/v2.1/os-keypairs-like', ({ req }) => ({
      body: { keypairs: req.query.get('marker') === 'k2' ? [] : [{ name: 'k1' }, { name: 'k2' }] },
    }));
    const got = await collect(
      paginate<{ name: string }>(cloud.compute, '/os-keypairs-like', {
        key: 'keypairs',
        strategy: 'marker',
        pageSize: 2,
        markerField: 'name',
      }),
    );
    expect(got.map((k) => k.name)).toEqual(['k1', 'k2']);
    expect(fake.requestsTo('/compute/v2.1/os-keypairs-like')[1]?.query.get('marker')).toBe('k2');
  });

  it('a server that ignores the marker is caught (OS_PAGINATION_LOOP)', async () => {
    fake.reply('GET', '/compute/v2.1/os-things', { body: { things: [{ id: 'x' }, { id: 'y' }] } });
    const error = await collect(
      paginate(cloud.compute, '/os-things', { key: 'things', strategy: 'marker', pageSize: 2 }),
    ).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_PAGINATION_LOOP');
    // page 1 gives marker y, page 2 gives y again: stop there.
    expect(fake.requestsTo('/compute/v2.1/os-things')).toHaveLength(2);
  });

  it('strategy none makes one request and sends no limit', async () => {
    fake.reply('GET', '/compute/v2.1/os-things', {
      body: { things: [{ id: 'x' }], things_links: [{ rel: 'next', href: '?marker=x' }] },
    });
    const got = await collect(paginate(cloud.compute, '/os-things', { key: 'things', strategy: 'none', pageSize: 5 }));
    expect(got).toHaveLength(1);
    const sent = fake.requestsTo('/compute/v2.1/os-things');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.query.get('limit')).toBeNull();
  });
});
