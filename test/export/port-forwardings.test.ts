import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import type { ProfileName, SeedFile } from '../../src/sim/index.js';
import { OLD, platformSeed } from '../roundtrip/seed.js';
import { basculeOn as bascule, startClouds, type SimClouds } from '../roundtrip/support.js';
import { call, login } from '../sim/helpers.js';

/**
 * Port forwardings of floating IPs: the simulator serves the `floating-ip-port-forwarding` API where the release has
 * it (Zed with the launcher's port_forwarding plugin, 2025.1; not Pike), and export makes each forwarding a
 * `port_forwarding` entry (issue 17; test/roundtrip/neutron-extras.test.ts applies them); where the extension is
 * missing nothing is asked.
 */
let c: SimClouds | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

function seed(forwardings: boolean): SeedFile {
  const base = platformSeed(OLD);
  return {
    ...base,
    resources: {
      ...base.resources,
      shop: {
        networks: [{ name: 'net', subnets: [{ name: 'net-v4', cidr: '10.40.0.0/24', ip_version: 4 }] }],
        routers: [{ name: 'edge', external_gateway: OLD.externalNetwork, interfaces: ['net-v4'] }],
        ports: [{ name: 'ssh-host', network: 'net', fixed_ips: [{ subnet: 'net-v4', ip_address: '10.40.0.10' }] }],
        floating_ips: [
          {
            network: OLD.externalNetwork,
            floating_ip_address: '203.0.113.50',
            ...(forwardings
              ? {
                  port_forwardings: [
                    { port: 'ssh-host', protocol: 'tcp', internal_port: 22, external_port: 2222, description: 'ssh' },
                  ],
                }
              : {}),
          },
        ],
      },
    },
  };
}

describe('simulator: floating IP port forwardings', () => {
  it('lists, creates, shows and deletes forwardings on 2025.1, with Neutron answers to bad requests', async () => {
    c = await startClouds([{ name: 'a', profile: '2025.1', seed: seed(true) }]);
    const s = await login(c.sim, 'a', 'alice', 'alice-pw', 'shop');
    const n = (p: string) => `${s.url('network')}/v2.0${p}`;
    const ext = (await call('GET', n('/extensions'), { token: s.token })).body.extensions.map(
      (e: { alias: string }) => e.alias,
    );
    expect(ext).toContain('floating-ip-port-forwarding');
    const fip = (await call('GET', n('/floatingips'), { token: s.token })).body.floatingips[0];
    const port = (await call('GET', n('/ports?name=ssh-host'), { token: s.token })).body.ports[0];
    const base = n(`/floatingips/${fip.id}/port_forwardings`);

    const seeded = (await call('GET', base, { token: s.token })).body.port_forwardings;
    expect(seeded).toEqual([
      {
        id: expect.any(String),
        protocol: 'tcp',
        internal_ip_address: '10.40.0.10',
        internal_port: 22,
        external_port: 2222,
        internal_port_id: port.id,
        description: 'ssh',
      },
    ]);
    // The floating IP shows its forwardings (expose-port-forwarding-in-fip, with -detail's id and port).
    expect(fip.port_forwardings).toEqual([
      expect.objectContaining({ id: seeded[0].id, internal_port_id: port.id, external_port: 2222, protocol: 'tcp' }),
    ]);

    const body = {
      protocol: 'udp',
      internal_ip_address: '10.40.0.10',
      internal_port: 53,
      external_port: 5353,
      internal_port_id: port.id,
    };
    const made = await call('POST', base, { token: s.token, body: { port_forwarding: body } });
    expect(made.status).toBe(201);
    expect(made.body.port_forwarding).toMatchObject({ ...body, description: '' });
    const id = made.body.port_forwarding.id as string;
    expect((await call('GET', `${base}/${id}`, { token: s.token })).body.port_forwarding.external_port).toBe(5353);
    // PUT changes the internal side (checked like a create).
    const put = await call('PUT', `${base}/${id}`, {
      token: s.token,
      body: { port_forwarding: { internal_port: 5300 } },
    });
    expect(put.status).toBe(200);
    expect(put.body.port_forwarding).toMatchObject({ internal_port: 5300, external_port: 5353 });
    const badPut = await call('PUT', `${base}/${id}`, {
      token: s.token,
      body: { port_forwarding: { internal_ip_address: '10.40.0.99' } },
    });
    expect(badPut.status).toBe(400);
    expect((await call('GET', `${base}/${id}`, { token: s.token })).body.port_forwarding.internal_port).toBe(5300);

    // Same external port and protocol again: Neutron's 400; a wrong protocol, port or address: 400; no port: 404.
    expect((await call('POST', base, { token: s.token, body: { port_forwarding: body } })).status).toBe(400);
    for (const bad of [{ protocol: 'gre' }, { external_port: 70000 }, { internal_ip_address: '10.40.0.99' }])
      expect(
        (await call('POST', base, { token: s.token, body: { port_forwarding: { ...body, ...bad } } })).status,
      ).toBe(400);
    const noPort = { ...body, external_port: 1, internal_port_id: '00000000-0000-0000-0000-000000000000' };
    expect((await call('POST', base, { token: s.token, body: { port_forwarding: noPort } })).status).toBe(404);
    // A floating IP with forwardings cannot be associated with a port.
    const assoc = await call('PUT', n(`/floatingips/${fip.id}`), {
      token: s.token,
      body: { floatingip: { port_id: port.id } },
    });
    expect(assoc.status).toBe(409);

    expect((await call('DELETE', `${base}/${id}`, { token: s.token })).status).toBe(204);
    expect((await call('GET', `${base}/${id}`, { token: s.token })).status).toBe(404);
    expect((await call('GET', base, { token: s.token })).body.port_forwardings).toHaveLength(1);
    // The dump keeps them, so a dump seeds the same cloud again.
    const dumped = Object.values(c.sim.dump('a').resources ?? {}).flatMap((r) => r.floating_ips ?? [])[0];
    expect(dumped?.port_forwardings).toEqual([expect.objectContaining({ port: port.id, external_port: 2222 })]);
  }, 60_000);

  it.each<ProfileName>(['pike'])(
    'has no port forwarding API on %s (404), and a seed asking for one fails',
    async (profile) => {
      c = await startClouds([{ name: 'a', profile, seed: seed(false) }]);
      const s = await login(c.sim, 'a', 'alice', 'alice-pw', 'shop');
      const n = (p: string) => `${s.url('network')}/v2.0${p}`;
      const fip = (await call('GET', n('/floatingips'), { token: s.token })).body.floatingips[0];
      expect((await call('GET', n(`/floatingips/${fip.id}/port_forwardings`), { token: s.token })).status).toBe(404);
      expect(fip.port_forwardings).toBeUndefined();
      await c.stop();
      c = undefined;
      await expect(startClouds([{ name: 'a', profile, seed: seed(true) }])).rejects.toThrow(
        /port_forwardings\/0.*no floating-ip-port-forwarding extension/,
      );
    },
    60_000,
  );
});

describe('export: port forwardings are plan entries, not warnings', () => {
  it('exports each forwarding with its floating IP and port by plan key, and no UNSUPPORTED_RESOURCE warning', async () => {
    c = await startClouds([
      { name: 'a', profile: '2025.1', seed: seed(true) },
      { name: 'p', profile: 'pike', seed: seed(false) },
    ]);
    const d = (f: string) => join(c!.dir, f);
    const exported = await bascule(c, 'export', '--os-cloud', 'a', '--strict', '-o', d('plan.json'));
    expect(exported.code, exported.out).toBe(0);
    const plan = JSON.parse(await readFile(d('plan.json'), 'utf8')) as Plan;
    expect(plan.warnings?.filter((w) => w.kind === 'port_forwarding') ?? []).toEqual([]);
    expect(plan.resources.filter((r) => r.kind === 'port_forwarding')).toEqual([
      expect.objectContaining({
        key: 'port_forwarding:ext-net/unassociated/tcp-2222',
        spec: {
          protocol: 'tcp',
          external_port: 2222,
          internal_ip_address: '10.40.0.10',
          internal_port: 22,
          description: 'ssh',
        },
        refs: { floating_ip: 'floating_ip:ext-net/unassociated', port: 'port:ssh-host' },
      }),
    ]);

    c.sim.clearLog();
    const pike = await bascule(c, 'export', '--os-cloud', 'p', '-o', d('pike.json'));
    expect(pike.code, pike.out).toBe(0);
    expect(c.sim.requestLog('p').filter((e) => e.path.includes('port_forwardings'))).toEqual([]);
  }, 60_000);
});
