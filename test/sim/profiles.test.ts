import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, login, startBasic, type Session } from './helpers.js';

describe('pike profile (HPE Helion OpenStack 8)', () => {
  let sim: Simulator;
  let s: Session;
  beforeAll(async () => {
    sim = await startBasic('pike');
    s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
  });
  afterAll(() => sim.stop());

  it('has a compute endpoint with the project id, Cinder v2 and v3, no block-storage', () => {
    expect(s.url('compute')).toMatch(new RegExp(`/v2\\.1/${s.projectId}$`));
    expect(s.url('volumev2')).toMatch(new RegExp(`/v2/${s.projectId}$`));
    expect(s.catalog.map((c) => c.type)).not.toContain('block-storage');
  });

  it('caps Nova at 2.53 and serves the pre-2.64 server group shape', async () => {
    const base = s.url('compute').replace(/\/v2\.1\/.*$/, '');
    const root = await call('GET', `${base}/`);
    expect(root.body.versions[1].version).toBe('2.53');
    const tooHigh = await call('GET', `${s.url('compute')}/servers`, {
      token: s.token,
      headers: { 'openstack-api-version': 'compute 2.54' },
    });
    expect(tooHigh.status).toBe(406);
    expect(tooHigh.body.computeFault.message).toBe(
      'Version 2.54 is not supported by the API. Minimum is 2.1 and maximum is 2.53.',
    );
    const latest = await call('POST', `${s.url('compute')}/os-server-groups`, {
      token: s.token,
      headers: { 'openstack-api-version': 'compute latest' },
      body: { server_group: { name: 'g', policies: ['affinity'] } },
    });
    expect(latest.status).toBe(200);
    expect(latest.body.server_group.policies).toEqual(['affinity']);
    expect(latest.headers['openstack-api-version']).toBe('compute 2.53');
  });

  it('serves Cinder v2 without microversions and v3 up to 3.43', async () => {
    const v2 = await call('POST', `${s.url('volumev2')}/volumes`, {
      token: s.token,
      body: { volume: { size: 1, name: 'old' } },
    });
    expect(v2.status).toBe(202);
    expect(v2.headers['openstack-api-version']).toBeUndefined();
    const base = s.url('volumev2').replace(/\/v2\/.*$/, '');
    const root = await call('GET', `${base}/`);
    expect(root.body.versions.map((v: { id: string }) => v.id)).toEqual(['v2.0', 'v3.0']);
    expect(root.body.versions[1].version).toBe('3.43');
    const v3 = await call('GET', `${s.url('volumev3')}/volumes`, {
      token: s.token,
      headers: { 'openstack-api-version': 'volume 3.44' },
    });
    expect(v3.status).toBe(406);
  });

  it('has Glance without multihash, os_hidden or the import API', async () => {
    const img = await call('POST', `${s.url('image')}/v2/images`, {
      token: s.token,
      body: { name: 'x', disk_format: 'raw', container_format: 'bare' },
    });
    expect(img.body).not.toHaveProperty('os_hash_algo');
    expect(img.body).not.toHaveProperty('os_hidden');
    await call('PUT', `${s.url('image')}/v2/images/${img.body.id}/file`, { token: s.token, raw: Buffer.from('hello') });
    const shown = await call('GET', `${s.url('image')}/v2/images/${img.body.id}`, { token: s.token });
    expect(shown.body.checksum).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(shown.body).not.toHaveProperty('os_hash_value');
    expect((await call('GET', `${s.url('image')}/v2/info/import`, { token: s.token })).status).toBe(404);
    expect((await call('GET', `${s.url('image')}/`)).body.versions[0].id).toBe('v2.5');
  });

  it('has no application credentials in Keystone', async () => {
    const check = await call('GET', `${sim.endpoints('c').identity}/auth/tokens`, {
      token: s.token,
      headers: { 'x-subject-token': s.token },
    });
    const res = await call(
      'POST',
      `${sim.endpoints('c').identity}/users/${check.body.token.user.id}/application_credentials`,
      { token: s.token, body: { application_credential: { name: 'x' } } },
    );
    expect(res.status).toBe(404);
  });

  it('tags networks and security groups (tag, tag-ext and standard-attr-tag are all in Pike)', async () => {
    const net = await call('POST', `${s.url('network')}/v2.0/networks`, {
      token: s.token,
      body: { network: { name: 'n' } },
    });
    expect(
      (await call('PUT', `${s.url('network')}/v2.0/networks/${net.body.network.id}/tags/t`, { token: s.token })).status,
    ).toBe(201);
    const sg = await call('POST', `${s.url('network')}/v2.0/security-groups`, {
      token: s.token,
      body: { security_group: { name: 'sg' } },
    });
    expect(sg.body.security_group.tags).toEqual([]);
    expect(sg.body.security_group).not.toHaveProperty('stateful');
    expect(
      (
        await call('PUT', `${s.url('network')}/v2.0/security-groups/${sg.body.security_group.id}/tags/t`, {
          token: s.token,
        })
      ).status,
    ).toBe(201);
    const ext = (await call('GET', `${s.url('network')}/v2.0/extensions`, { token: s.token })).body.extensions.map(
      (e: { alias: string }) => e.alias,
    );
    expect(ext).toContain('tag-ext');
    expect(ext).toContain('standard-attr-tag');
    expect(ext).not.toContain('extraroute-atomic');
    expect(ext).not.toContain('fip-port-details');
  });

  it('serves Nova with and without the project id in the path', async () => {
    const withPid = await call('GET', `${s.url('compute')}/flavors`, { token: s.token });
    const bare = await call('GET', `${s.url('compute').replace(`/${s.projectId}`, '')}/flavors`, { token: s.token });
    expect(withPid.status).toBe(200);
    expect(bare.body).toEqual(withPid.body);
    expect(withPid.body.flavors[0].links[0].href).toContain(`/v2.1/${s.projectId}/flavors/`);
  });
});

describe('2025.1 profile (Epoxy)', () => {
  let sim: Simulator;
  let s: Session;
  beforeAll(async () => {
    sim = await startBasic('2025.1');
    s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
  });
  afterAll(() => sim.stop());

  it('serves Nova 2.100 (scheduler_hints in server show) and Cinder 3.71', async () => {
    const group = await call('POST', `${s.url('compute')}/os-server-groups`, {
      token: s.token,
      headers: { 'openstack-api-version': 'compute 2.100' },
      body: { server_group: { name: 'g', policy: 'anti-affinity', rules: { max_server_per_host: 2 } } },
    });
    expect(group.body.server_group).toMatchObject({ policy: 'anti-affinity', rules: { max_server_per_host: 2 } });
    const image = (await call('GET', `${s.url('image')}/v2/images?name=cirros`, { token: s.token })).body.images[0].id;
    const srv = await call('POST', `${s.url('compute')}/servers`, {
      token: s.token,
      headers: { 'openstack-api-version': 'compute 2.100' },
      body: {
        server: { name: 'x', flavorRef: '1', imageRef: image, networks: 'none' },
        'os:scheduler_hints': { group: group.body.server_group.id },
      },
    });
    const shown = await call('GET', `${s.url('compute')}/servers/${srv.body.server.id}`, {
      token: s.token,
      headers: { 'openstack-api-version': 'compute 2.100' },
    });
    expect(shown.body.server.scheduler_hints).toEqual({ group: group.body.server_group.id });
    expect(
      (
        await call('GET', `${s.url('compute')}/servers`, {
          token: s.token,
          headers: { 'openstack-api-version': 'compute 2.101' },
        })
      ).status,
    ).toBe(406);
    const v = await call('GET', `${s.url('volumev3')}/volumes`, {
      token: s.token,
      headers: { 'openstack-api-version': 'volume 3.71' },
    });
    expect(v.status).toBe(200);
  });

  it('adds the security-groups-default-rules extension', async () => {
    const ext = (await call('GET', `${s.url('network')}/v2.0/extensions`, { token: s.token })).body.extensions.map(
      (e: { alias: string }) => e.alias,
    );
    expect(ext).toContain('security-groups-default-rules');
  });

  it('puts anti-affinity members on different hosts and errors when hosts run out', async () => {
    const local = await startBasic('2025.1', { computeHosts: 1 });
    try {
      const t = await login(local, 'c', 'alice', 'alice-pw', 'demo');
      const image = (await call('GET', `${t.url('image')}/v2/images?name=cirros`, { token: t.token })).body.images[0]
        .id;
      const g = await call('POST', `${t.url('compute')}/os-server-groups`, {
        token: t.token,
        headers: { 'openstack-api-version': 'compute 2.64' },
        body: { server_group: { name: 'aa', policy: 'anti-affinity' } },
      });
      const ids: string[] = [];
      for (const name of ['a', 'b']) {
        const r = await call('POST', `${t.url('compute')}/servers`, {
          token: t.token,
          body: {
            server: { name, flavorRef: '1', imageRef: image, networks: 'none' },
            'os:scheduler_hints': { group: g.body.server_group.id },
          },
        });
        ids.push(r.body.server.id);
      }
      await new Promise((r) => setTimeout(r, 20));
      const a = await call('GET', `${t.url('compute')}/servers/${ids[0]}`, { token: t.token });
      const b = await call('GET', `${t.url('compute')}/servers/${ids[1]}`, { token: t.token });
      expect(a.body.server.status).toBe('ACTIVE');
      expect(b.body.server.status).toBe('ERROR');
      expect(b.body.server.fault.message).toContain('No valid host was found');
    } finally {
      await local.stop();
    }
  });
});
