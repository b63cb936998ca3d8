import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { ADMIN_PASSWORD } from '../../src/sim/index.js';
import { call, login, startBasic, type Session } from './helpers.js';

describe('neutron', () => {
  let sim: Simulator;
  let s: Session;
  let net: string;
  beforeAll(async () => {
    sim = await startBasic('zed');
    s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
  });
  afterAll(() => sim.stop());
  const n = (path: string): string => `${s.url('network')}/v2.0${path}`;

  it('serves the version document at / without a token', async () => {
    const res = await call('GET', `${s.url('network')}/`);
    expect(res.status).toBe(200);
    expect(res.body.versions[0]).toMatchObject({ id: 'v2.0', status: 'CURRENT' });
  });

  it('creates the default security group with its four rules on first use', async () => {
    const res = await call('GET', n('/security-groups'), { token: s.token });
    expect(res.status).toBe(200);
    const dflt = res.body.security_groups.find((g: { name: string }) => g.name === 'default');
    expect(dflt.security_group_rules).toHaveLength(4);
    const ingress = dflt.security_group_rules.filter((r: { direction: string }) => r.direction === 'ingress');
    expect(ingress.map((r: { remote_group_id: string }) => r.remote_group_id)).toEqual([dflt.id, dflt.id]);
    expect(
      dflt.security_group_rules
        .filter((r: { direction: string }) => r.direction === 'egress')
        .map((r: { ethertype: string }) => r.ethertype)
        .sort(),
    ).toEqual(['IPv4', 'IPv6']);
  });

  it('creates networks and subnets with defaults, and lists them filtered', async () => {
    const created = await call('POST', n('/networks'), {
      token: s.token,
      body: { network: { name: 'web-net', tags: undefined } },
    });
    expect(created.status).toBe(201);
    net = created.body.network.id;
    expect(created.body.network).toMatchObject({
      name: 'web-net',
      status: 'ACTIVE',
      'router:external': false,
      mtu: 1450,
      project_id: s.projectId,
      subnets: [],
    });
    expect(created.body.network).not.toHaveProperty('provider:network_type');
    const sub = await call('POST', n('/subnets'), {
      token: s.token,
      body: { subnet: { name: 'web-sub', network_id: net, cidr: '10.0.0.0/24', ip_version: 4 } },
    });
    expect(sub.status).toBe(201);
    expect(sub.body.subnet).toMatchObject({
      gateway_ip: '10.0.0.1',
      allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
      enable_dhcp: true,
    });
    const overlap = await call('POST', n('/subnets'), {
      token: s.token,
      body: { subnet: { network_id: net, cidr: '10.0.0.128/25', ip_version: 4 } },
    });
    expect(overlap.status).toBe(400);
    expect(overlap.body.NeutronError.type).toBe('InvalidInput');
    const list = await call('GET', n('/networks?name=web-net'), { token: s.token });
    expect(list.body.networks).toHaveLength(1);
    expect(list.body.networks[0].subnets).toEqual([sub.body.subnet.id]);
    const ext = await call('GET', n('/networks?router:external=true'), { token: s.token });
    expect(ext.body.networks.map((x: { name: string }) => x.name)).toEqual(['public']);
  });

  it('answers 404 with a NeutronError body', async () => {
    const res = await call('GET', n('/networks/00000000-0000-4000-8000-000000000000'), { token: s.token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      NeutronError: {
        type: 'NetworkNotFound',
        message: 'Network 00000000-0000-4000-8000-000000000000 could not be found.',
        detail: '',
      },
    });
  });

  it('allocates IPs, refuses a taken one with 409, and generates MACs', async () => {
    const p1 = await call('POST', n('/ports'), { token: s.token, body: { port: { network_id: net, name: 'p1' } } });
    expect(p1.status).toBe(201);
    expect(p1.body.port.mac_address).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    expect(p1.body.port.fixed_ips[0].ip_address).toBe('10.0.0.2');
    expect(p1.body.port.security_groups).toHaveLength(1);
    const fixed = await call('POST', n('/ports'), {
      token: s.token,
      body: {
        port: {
          network_id: net,
          fixed_ips: [{ ip_address: '10.0.0.50' }],
          allowed_address_pairs: [{ ip_address: '10.0.0.200' }],
        },
      },
    });
    expect(fixed.status).toBe(201);
    expect(fixed.body.port.allowed_address_pairs[0].mac_address).toBe(fixed.body.port.mac_address);
    const taken = await call('POST', n('/ports'), {
      token: s.token,
      body: { port: { network_id: net, fixed_ips: [{ ip_address: '10.0.0.50' }] } },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.NeutronError.type).toBe('IpAddressAlreadyAllocated');
    const byIp = await call('GET', n('/ports?fixed_ips=ip_address=10.0.0.50'), { token: s.token });
    expect(byIp.body.ports.map((p: { id: string }) => p.id)).toEqual([fixed.body.port.id]);
    const inUse = await call('DELETE', n(`/networks/${net}`), { token: s.token });
    expect(inUse.status).toBe(409);
    expect(inUse.body.NeutronError.type).toBe('NetworkInUse');
  });

  it('manages security groups and rules, including one referencing another group', async () => {
    const web = await call('POST', n('/security-groups'), {
      token: s.token,
      body: { security_group: { name: 'web', description: 'web tier' } },
    });
    expect(web.status).toBe(201);
    expect(web.body.security_group.security_group_rules).toHaveLength(2);
    const db = await call('POST', n('/security-groups'), { token: s.token, body: { security_group: { name: 'db' } } });
    const rule = {
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: 5432,
      port_range_max: 5432,
      remote_group_id: web.body.security_group.id,
      security_group_id: db.body.security_group.id,
    };
    const r1 = await call('POST', n('/security-group-rules'), { token: s.token, body: { security_group_rule: rule } });
    expect(r1.status).toBe(201);
    expect(r1.body.security_group_rule).toMatchObject({ ethertype: 'IPv4', remote_ip_prefix: null });
    const dup = await call('POST', n('/security-group-rules'), { token: s.token, body: { security_group_rule: rule } });
    expect(dup.status).toBe(409);
    expect(dup.body.NeutronError.type).toBe('SecurityGroupRuleExists');
    const both = await call('POST', n('/security-group-rules'), {
      token: s.token,
      body: { security_group_rule: { ...rule, remote_ip_prefix: '0.0.0.0/0' } },
    });
    expect(both.status).toBe(400);
    const del = await call('DELETE', n(`/security-groups/${web.body.security_group.id}`), { token: s.token });
    expect(del.status).toBe(204);
    const after = await call('GET', n(`/security-groups/${db.body.security_group.id}`), { token: s.token });
    expect(after.body.security_group.security_group_rules).toHaveLength(2);
  });

  it('routes: gateway, interfaces, extra routes, floating IPs', async () => {
    const ext = (await call('GET', n('/networks?name=public'), { token: s.token })).body.networks[0];
    const router = await call('POST', n('/routers'), {
      token: s.token,
      body: { router: { name: 'r1', external_gateway_info: { network_id: ext.id } } },
    });
    expect(router.status).toBe(201);
    expect(router.body.router.external_gateway_info.external_fixed_ips[0].ip_address).toMatch(/^203\.0\.113\./);
    const rid = router.body.router.id;
    const sub = (await call('GET', n('/subnets?name=web-sub'), { token: s.token })).body.subnets[0];
    const port = (await call('GET', n('/ports?name=p1'), { token: s.token })).body.ports[0];
    const noRoute = await call('POST', n('/floatingips'), {
      token: s.token,
      body: { floatingip: { floating_network_id: ext.id, port_id: port.id } },
    });
    expect(noRoute.status).toBe(404);
    expect(noRoute.body.NeutronError.type).toBe('ExternalGatewayForFloatingIPNotFound');
    const iface = await call('PUT', n(`/routers/${rid}/add_router_interface`), {
      token: s.token,
      body: { subnet_id: sub.id },
    });
    expect(iface.status).toBe(200);
    expect(iface.body).toMatchObject({ id: rid, subnet_id: sub.id });
    const again = await call('PUT', n(`/routers/${rid}/add_router_interface`), {
      token: s.token,
      body: { subnet_id: sub.id },
    });
    expect(again.status).toBe(400);
    const badRoute = await call('PUT', n(`/routers/${rid}`), {
      token: s.token,
      body: { router: { routes: [{ destination: '192.168.0.0/24', nexthop: '172.16.0.1' }] } },
    });
    expect(badRoute.status).toBe(400);
    const route = await call('PUT', n(`/routers/${rid}`), {
      token: s.token,
      body: { router: { routes: [{ destination: '192.168.0.0/24', nexthop: '10.0.0.10' }] } },
    });
    expect(route.body.router.routes).toEqual([{ destination: '192.168.0.0/24', nexthop: '10.0.0.10' }]);
    const fip = await call('POST', n('/floatingips'), {
      token: s.token,
      body: { floatingip: { floating_network_id: ext.id, port_id: port.id } },
    });
    expect(fip.status).toBe(201);
    expect(fip.body.floatingip).toMatchObject({
      router_id: rid,
      fixed_ip_address: '10.0.0.2',
      status: 'ACTIVE',
      port_id: port.id,
    });
    expect(fip.body.floatingip.port_details.network_id).toBe(net);
    const busy = await call('DELETE', n(`/routers/${rid}`), { token: s.token });
    expect(busy.status).toBe(409);
    const rm = await call('PUT', n(`/routers/${rid}/remove_router_interface`), {
      token: s.token,
      body: { subnet_id: sub.id },
    });
    expect(rm.status).toBe(409);
  });

  it('tags resources and filters by tags', async () => {
    const put = await call('PUT', n(`/networks/${net}/tags/blue`), { token: s.token });
    expect(put.status).toBe(201);
    await call('PUT', n(`/networks/${net}/tags/green`), { token: s.token });
    expect((await call('GET', n(`/networks/${net}/tags`), { token: s.token })).body.tags).toEqual(['blue', 'green']);
    expect((await call('GET', n('/networks?tags=blue,green'), { token: s.token })).body.networks).toHaveLength(1);
    expect((await call('GET', n('/networks?tags-any=red'), { token: s.token })).body.networks).toHaveLength(0);
    expect(
      (await call('GET', n('/networks?not-tags=blue'), { token: s.token })).body.networks.some(
        (x: { id: string }) => x.id === net,
      ),
    ).toBe(false);
    const replaced = await call('PUT', n(`/networks/${net}/tags`), { token: s.token, body: { tags: ['x'] } });
    expect(replaced.body.tags).toEqual(['x']);
    expect((await call('DELETE', n(`/networks/${net}/tags/missing`), { token: s.token })).status).toBe(404);
  });

  it('paginates with limit/marker and next/previous links sorted by id', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push(
        (await call('POST', n('/networks'), { token: s.token, body: { network: { name: `page-${i}` } } })).body.network
          .id,
      );
    const seen: string[] = [];
    let url: string | undefined = n('/networks?limit=2');
    let pages = 0;
    while (url) {
      const res = await call('GET', url, { token: s.token });
      pages++;
      seen.push(...res.body.networks.map((x: { id: string }) => x.id));
      expect(res.body.networks_links.some((l: { rel: string }) => l.rel === 'previous')).toBe(true);
      url = res.body.networks_links.find((l: { rel: string }) => l.rel === 'next')?.href;
    }
    expect(seen).toEqual([...seen].sort());
    const last = await call('GET', n(`/networks?limit=2&marker=${seen.at(-2)!}`), { token: s.token });
    const prevHref = last.body.networks_links.find((l: { rel: string }) => l.rel === 'previous').href as string;
    expect(prevHref).toContain('page_reverse=True');
    const prev = await call('GET', prevHref, { token: s.token });
    expect(prev.body.networks.map((x: { id: string }) => x.id)).toEqual(seen.slice(-3, -1));
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of made) expect(seen).toContain(id);
    expect(pages).toBeGreaterThan(3);
  });

  it('enforces policy (external networks need admin) and quotas (409 OverQuota)', async () => {
    const ext = await call('POST', n('/networks'), {
      token: s.token,
      body: { network: { name: 'x', 'router:external': true } },
    });
    expect(ext.status).toBe(403);
    const admin = await login(sim, 'c', 'admin', ADMIN_PASSWORD, 'admin');
    const set = await call('PUT', `${admin.url('network')}/v2.0/quotas/${s.projectId}`, {
      token: admin.token,
      body: { quota: { router: 1 } },
    });
    expect(set.body.quota.router).toBe(1);
    const over = await call('POST', n('/routers'), { token: s.token, body: { router: { name: 'r2' } } });
    expect(over.status).toBe(409);
    expect(over.body.NeutronError).toEqual({
      type: 'OverQuota',
      message: "Quota exceeded for resources: ['router'].",
      detail: '',
    });
    const details = await call('GET', n(`/quotas/${s.projectId}/details`), { token: s.token });
    expect(details.body.quota.router).toEqual({ limit: 1, used: 1, reserved: 0 });
    const reader = await login(sim, 'c', 'rita', 'rita-pw', 'demo');
    expect((await call('POST', n('/networks'), { token: reader.token, body: { network: { name: 'r' } } })).status).toBe(
      403,
    );
    expect((await call('GET', n('/networks'), { token: reader.token })).status).toBe(200);
  });

  it('refuses a bad limit as Neutron does', async () => {
    const res = await call('GET', n('/networks?limit=abc'), { token: s.token });
    expect(res.body).toEqual({
      NeutronError: {
        type: 'BadRequest',
        message: "Bad limit request: Limit must be an integer 0 or greater and not 'abc'.",
        detail: '',
      },
    });
  });

  it('lists the extensions of the profile', async () => {
    const res = await call('GET', n('/extensions'), { token: s.token });
    const aliases = res.body.extensions.map((e: { alias: string }) => e.alias);
    expect(aliases).toContain('standard-attr-tag');
    expect(aliases).toContain('extraroute-atomic');
  });
});

describe('neutron filter validation', () => {
  it('refuses unknown filters on zed (filter-validation) and ignores them on pike', async () => {
    for (const [profile, expected] of [
      ['zed', 400],
      ['pike', 200],
    ] as const) {
      const sim = await startBasic(profile);
      try {
        const s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
        const res = await call('GET', `${s.url('network')}/v2.0/networks?colour=blue`, { token: s.token });
        expect(res.status).toBe(expected);
        if (expected === 400)
          expect(res.body.NeutronError.message).toBe("['colour'] is invalid attribute for filtering");
        expect(
          (
            await call(
              'GET',
              `${s.url('network')}/v2.0/ports?device_owner=compute:nova&fixed_ips=ip_address=10.0.0.1&fields=id`,
              { token: s.token },
            )
          ).status,
        ).toBe(200);
      } finally {
        await sim.stop();
      }
    }
  });
});
