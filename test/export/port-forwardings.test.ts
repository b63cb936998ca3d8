import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import type { ProfileName, SeedFile } from '../../src/sim/index.js';
import { OLD, platformSeed } from '../roundtrip/seed.js';
import { basculeOn as bascule, startClouds, type SimClouds } from '../roundtrip/support.js';
import { call, login } from '../sim/helpers.js';

/**
 * Port forwardings of floating IPs (issue 13, "nothing is dropped silently"): the simulator serves the
 * `floating-ip-port-forwarding` API where the release has it (2025.1; not Pike, not the Zed recipe), and export names
 * each forwarding as an UNSUPPORTED_RESOURCE warning kept in the plan (`--strict` refuses); where the extension is
 * missing nothing is asked; where the list fails, the export says it could not check.
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

  it.each<ProfileName>(['pike', 'zed'])(
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

describe('export: port forwardings are named, not dropped', () => {
  it('keeps each forwarding as an UNSUPPORTED_RESOURCE warning naming the address; --strict refuses', async () => {
    c = await startClouds([{ name: 'a', profile: '2025.1', seed: seed(true) }]);
    const d = (f: string) => join(c!.dir, f);
    const exported = await bascule(c, 'export', '--os-cloud', 'a', '-o', d('plan.json'));
    expect(exported.code, exported.out).toBe(0);
    const plan = JSON.parse(await readFile(d('plan.json'), 'utf8')) as Plan;
    const found = plan.warnings?.filter((w) => w.kind === 'port_forwarding') ?? [];
    expect(found).toEqual([
      expect.objectContaining({
        code: 'UNSUPPORTED_RESOURCE',
        resource: '203.0.113.50 tcp 2222 -> 10.40.0.10:22',
        message: expect.stringMatching(
          /^port forwarding 203\.0\.113\.50 tcp 2222 -> 10\.40\.0\.10:22 \(ssh\) of floating IP 203\.0\.113\.50: Bascule does not move port forwardings/,
        ),
      }),
    ]);
    expect(exported.out).toContain('203.0.113.50 tcp 2222');

    const strict = await bascule(c, 'export', '--os-cloud', 'a', '--strict', '-o', d('strict.json'));
    expect(strict.code).toBe(1);
    expect(strict.out).toContain('203.0.113.50 tcp 2222 -> 10.40.0.10:22');
    await expect(readFile(d('strict.json'))).rejects.toThrow();
  }, 60_000);

  it('says it could not check when the list fails, and asks nothing where the extension is missing', async () => {
    c = await startClouds([
      { name: 'a', profile: '2025.1', seed: seed(true) },
      { name: 'z', profile: 'zed', seed: seed(false) },
    ]);
    c.sim.setFaults('a', [{ kind: 'error', status: 403, route: 'GET /v2.0/floatingips/{fip}/port_forwardings' }]);
    const d = (f: string) => join(c!.dir, f);
    const exported = await bascule(c, 'export', '--os-cloud', 'a', '-o', d('plan.json'));
    expect(exported.code, exported.out).toBe(0);
    const plan = JSON.parse(await readFile(d('plan.json'), 'utf8')) as Plan;
    expect(plan.warnings?.filter((w) => w.kind === 'port_forwarding')).toEqual([
      expect.objectContaining({
        code: 'UNSUPPORTED_NOT_CHECKED',
        message: expect.stringMatching(/^could not check port forwardings of floating IPs \(HTTP 403\)/),
      }),
    ]);
    const strict = await bascule(c, 'export', '--os-cloud', 'a', '--strict', '-o', d('strict.json'));
    expect(strict.code).toBe(1);

    c.sim.clearLog();
    const zed = await bascule(c, 'export', '--os-cloud', 'z', '-o', d('zed.json'));
    expect(zed.code, zed.out).toBe(0);
    const zplan = JSON.parse(await readFile(d('zed.json'), 'utf8')) as Plan;
    expect(zplan.warnings?.filter((w) => w.kind === 'port_forwarding') ?? []).toEqual([]);
    expect(c.sim.requestLog('z').filter((e) => e.path.includes('port_forwardings'))).toEqual([]);
  }, 60_000);
});
