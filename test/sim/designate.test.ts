import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type Cloud } from '../../src/openstack/index.js';
import { isHttpError } from '../../src/openstack/errors.js';
import { dnsClient, hasDns } from '../../src/openstack/dns/client.js';
import * as zones from '../../src/openstack/dns/zones/requests.js';
import * as recordsets from '../../src/openstack/dns/recordsets/requests.js';
import type { Simulator } from '../../src/sim/index.js';
import { startBasicClients, type BasicClients } from './helpers.js';

/** Bascule's DNS client (src/openstack/dns) against the simulator's Designate, on the oldest and newest profiles. */
describe.each(['pike', '2025.1'] as const)('Designate on the %s profile, through the client', (profile) => {
  let sim: Simulator;
  let demo: Cloud;
  let other: Cloud;
  let clients: BasicClients;
  beforeAll(async () => {
    clients = await startBasicClients(profile, 'sim-dns-');
    ({ sim, demo, other } = clients);
  });
  afterAll(() => clients.stop());

  it('creates a zone PENDING, waits until ACTIVE, with the managed SOA and NS recordsets made by the service', async () => {
    const dns = dnsClient(demo);
    expect(await hasDns(demo)).toBe(true);
    const zone = await zones.create(dns, {
      name: 'web.example.test.',
      email: 'ops@example.test',
      ttl: 600,
      description: 'web',
    });
    expect(zone.status).toBe('PENDING');
    expect(zone.action).toBe('CREATE');
    const active = await zones.waitActive(dns, zone, { timeoutMs: 5000 });
    expect(active).toMatchObject({
      status: 'ACTIVE',
      action: 'NONE',
      ttl: 600,
      email: 'ops@example.test',
      type: 'PRIMARY',
    });
    expect('shared' in active).toBe(profile === '2025.1');
    const sets = await collect(recordsets.list(dns, zone.id));
    expect(sets.map((r) => r.type).sort()).toEqual(['NS', 'SOA']);
    expect(sets.find((r) => r.type === 'SOA')!.records[0]).toMatch(/^ns1\.sim\.test\. ops\.example\.test\. \d+ /);
  });

  it('creates, updates and deletes recordsets, each PENDING then ACTIVE; the zone serial goes up', async () => {
    const dns = dnsClient(demo);
    const [zone] = await collect(zones.list(dns, { name: 'web.example.test.' }));
    const serial = zone!.serial!;
    const a = await recordsets.create(dns, zone!.id, {
      name: 'www.web.example.test.',
      type: 'A',
      records: ['203.0.113.5'],
      ttl: 300,
    });
    expect(a.status).toBe('PENDING');
    expect((await recordsets.waitActive(dns, a, { timeoutMs: 5000 })).records).toEqual(['203.0.113.5']);
    const changed = await recordsets.update(dns, zone!.id, a.id, { records: ['203.0.113.6', '203.0.113.7'] });
    expect(changed.action).toBe('UPDATE');
    expect((await recordsets.waitActive(dns, changed, { timeoutMs: 5000 })).records).toEqual([
      '203.0.113.6',
      '203.0.113.7',
    ]);
    expect((await zones.get(dns, zone!.id)).serial).toBeGreaterThan(serial);
    await recordsets.remove(dns, zone!.id, a.id);
    await new Promise((r) => setTimeout(r, 60));
    const left = await collect(recordsets.list(dns, zone!.id));
    expect(left.map((r) => r.type).sort()).toEqual(['NS', 'SOA']);
  });

  it('pages through zones with links.next (6 zones by 2: three full pages, then an empty one, as Designate links on every full page)', async () => {
    const dns = dnsClient(demo);
    for (let i = 0; i < 5; i++) await zones.create(dns, { name: `p${i}.example.test.`, email: 'ops@example.test' });
    sim.clearLog();
    const all = await collect(zones.list(dns, undefined, { pageSize: 2 }));
    expect(all.filter((z) => z.name.startsWith('p')).length).toBe(5);
    expect(sim.requestLog().filter((e) => e.service === 'dns' && e.route === 'GET /v2/zones').length).toBe(4);
  });

  it('answers a zone name taken by any project with 409 duplicate_zone, and names the error clearly', async () => {
    const error = await zones
      .create(dnsClient(other), { name: 'web.example.test.', email: 'x@example.test' })
      .catch((e: unknown) => e);
    expect(isHttpError(error)).toBe(true);
    expect(error).toMatchObject({ status: 409, code: 'OS_CONFLICT' });
    expect((error as Error).message).toContain('Duplicate Zone');
    // The other project cannot see (nor guess the ID of) the first project's zone.
    expect(await collect(zones.list(dnsClient(other)))).toEqual([]);
  });

  it('refuses bad input as Designate does: no trailing dot, a record outside its zone, a duplicate recordset', async () => {
    const dns = dnsClient(demo);
    await expect(zones.create(dns, { name: 'nodot.example.test', email: 'a@b.c' })).rejects.toMatchObject({
      status: 400,
    });
    const [zone] = await collect(zones.list(dns, { name: 'web.example.test.' }));
    await expect(
      recordsets.create(dns, zone!.id, { name: 'www.elsewhere.test.', type: 'A', records: ['192.0.2.1'] }),
    ).rejects.toMatchObject({ status: 400 });
    await recordsets.create(dns, zone!.id, {
      name: 'mx.web.example.test.',
      type: 'MX',
      records: ['10 mail.web.example.test.'],
    });
    await expect(
      recordsets.create(dns, zone!.id, {
        name: 'mx.web.example.test.',
        type: 'MX',
        records: ['20 mail.web.example.test.'],
      }),
    ).rejects.toMatchObject({ status: 409 });
  });

  it('deletes a zone with its recordsets (PENDING/DELETE, then gone)', async () => {
    const dns = dnsClient(demo);
    const [zone] = await collect(zones.list(dns, { name: 'web.example.test.' }));
    await zones.remove(dns, zone!.id);
    expect((await zones.get(dns, zone!.id)).action).toBe('DELETE');
    await new Promise((r) => setTimeout(r, 60));
    await expect(zones.get(dns, zone!.id)).rejects.toMatchObject({ status: 404 });
  });
});
