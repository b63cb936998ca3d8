import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { call, login, type Session } from './helpers.js';

const N = 10_000;

describe('a project with 10,000 resources of a kind', () => {
  let sim: Simulator;
  let s: Session;
  beforeAll(async () => {
    const names = Array.from({ length: N }, (_, i) => `n-${String(i).padStart(5, '0')}`);
    sim = await startSimulator({
      clouds: [
        {
          name: 'big',
          profile: 'zed',
          seed: {
            projects: [{ name: 'big' }],
            users: [{ name: 'u', password: 'pw' }],
            role_assignments: [{ user: 'u', project: 'big', role: 'member' }],
            flavors: [{ id: '1', name: 'tiny', ram: 64, vcpus: 1, disk: 1 }],
            resources: {
              big: {
                networks: names.map((name) => ({ name })),
                images: names.map((name) => ({ name, visibility: 'private' })),
                volumes: names.map((name) => ({ name, size: 1 })),
              },
            },
          },
        },
      ],
    });
    s = await login(sim, 'big', 'u', 'pw', 'big');
  }, 120_000);
  afterAll(() => sim.stop());

  it('lists 10,000 networks in pages of 1,000 (Neutron links)', async () => {
    let url: string | undefined = `${s.url('network')}/v2.0/networks?limit=1000`;
    const ids = new Set<string>();
    let pages = 0;
    while (url) {
      const res = await call('GET', url, { token: s.token });
      expect(res.status).toBe(200);
      for (const n of res.body.networks) ids.add(n.id);
      pages++;
      url = res.body.networks_links.find((l: { rel: string }) => l.rel === 'next')?.href;
    }
    expect(ids.size).toBe(N);
    expect(pages).toBe(11);
  });

  it('lists 10,000 images through Glance next links and 10,000 volumes through Cinder links', async () => {
    let next: string | undefined = '/v2/images?limit=1000';
    let images = 0;
    while (next) {
      const res = await call('GET', `${s.url('image')}${next}`, { token: s.token });
      images += res.body.images.length;
      next = res.body.next;
    }
    expect(images).toBe(N);
    let url: string | undefined = `${s.url('volumev3')}/volumes`;
    let volumes = 0;
    while (url) {
      const res = await call('GET', url, { token: s.token });
      volumes += res.body.volumes.length;
      url = res.body.volumes_links?.[0]?.href;
    }
    expect(volumes).toBe(N);
  });

  it('shows one resource by id among them', async () => {
    const page = await call('GET', `${s.url('network')}/v2.0/networks?name=n-09999`, { token: s.token });
    expect(page.body.networks).toHaveLength(1);
    const one = await call('GET', `${s.url('network')}/v2.0/networks/${page.body.networks[0].id}`, { token: s.token });
    expect(one.body.network.name).toBe('n-09999');
  });
});
