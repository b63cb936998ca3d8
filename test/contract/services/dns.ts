/**
 * Designate (dns): the behaviours Bascule's DNS kinds (src/kinds/dns-zone, src/kinds/dns-recordset) and the
 * simulator's Designate (src/sim/designate) rely on, checked through Bascule's own client (src/openstack/dns):
 * bare objects, 202 and PENDING on writes then ACTIVE, the service's own SOA and apex NS recordsets, paging with
 * `links.next`, global zone names (409 `duplicate_zone`), records kept in their zone (400), deletes.
 */
import { expect } from 'vitest';
import { dnsClient } from '../../../src/openstack/dns/client.js';
import * as recordsets from '../../../src/openstack/dns/recordsets/requests.js';
import * as zones from '../../../src/openstack/dns/zones/requests.js';
import { isHttpError } from '../../../src/openstack/errors.js';
import type { Zone } from '../../../src/openstack/dns/zones/types.js';
import { collect } from '../../../src/openstack/pagination.js';
import type { SectionContext, ServiceSection } from './section.js';

/** The contract zone's name: the run's prefix as a DNS label. */
function zoneName(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.contract.test.`;
}

async function contractZone(ctx: SectionContext): Promise<Zone> {
  const dns = dnsClient(ctx.target.cloud);
  const name = zoneName(ctx.prefix);
  const [found] = await collect(zones.list(dns, { name }));
  if (found) return zones.waitActive(dns, found, { timeoutMs: ctx.timeoutMs });
  const zone = await zones.create(dns, { name, email: 'hostmaster@contract.test', ttl: 900, description: 'contract' });
  ctx.cleanup(() => zones.remove(dns, zone.id).catch(() => undefined));
  return zone;
}

export const dnsSection: ServiceSection = {
  service: 'dns',
  title: 'DNS',
  checks(check) {
    check('lets a project member list its zones (v2)', async ({ target }) => {
      const designate = target.cloud.client('dns');
      const response = await designate.request<{ zones: unknown[] }>('GET', '/zones');
      expect(Array.isArray(response.data.zones)).toBe(true);
    });

    check('creates a zone PENDING (action CREATE), ACTIVE later, with the service SOA and apex NS', async (ctx) => {
      const dns = dnsClient(ctx.target.cloud);
      const zone = await contractZone(ctx);
      expect(['PENDING', 'ACTIVE']).toContain(zone.status);
      const active = await zones.waitActive(dns, zone, { timeoutMs: ctx.timeoutMs });
      expect(active).toMatchObject({ name: zoneName(ctx.prefix), ttl: 900, type: 'PRIMARY', action: 'NONE' });
      expect(active.email).toBe('hostmaster@contract.test');
      const sets = await collect(recordsets.list(dns, zone.id));
      const soa = sets.find((r) => r.type === 'SOA');
      const ns = sets.find((r) => r.type === 'NS');
      expect(soa?.name).toBe(zone.name);
      expect(ns?.name).toBe(zone.name);
      expect(ns?.records.length).toBeGreaterThan(0);
      expect(soa?.zone_name).toBe(zone.name);
    });

    check(
      'creates recordsets PENDING then ACTIVE, pages them with links.next, refuses a name outside the zone',
      async (ctx) => {
        const dns = dnsClient(ctx.target.cloud);
        const zone = await contractZone(ctx);
        await zones.waitActive(dns, zone, { timeoutMs: ctx.timeoutMs });
        const a = await recordsets.create(dns, zone.id, {
          name: `www.${zone.name}`,
          type: 'A',
          records: ['192.0.2.10', '192.0.2.11'],
          ttl: 300,
        });
        expect(a.status).toBe('PENDING');
        const ready = await recordsets.waitActive(dns, a, { timeoutMs: ctx.timeoutMs });
        expect([...ready.records].sort()).toEqual(['192.0.2.10', '192.0.2.11']);
        expect(ready.ttl).toBe(300);
        const cname = await recordsets.create(dns, zone.id, {
          name: `alias.${zone.name}`,
          type: 'CNAME',
          records: [`www.${zone.name}`],
        });
        expect((await recordsets.waitActive(dns, cname, { timeoutMs: ctx.timeoutMs })).ttl ?? null).toBeNull();
        const paged = await collect(recordsets.list(dns, zone.id, undefined, { pageSize: 1 }));
        expect(paged.map((r) => r.type).sort()).toEqual(['A', 'CNAME', 'NS', 'SOA']);
        const outside = await recordsets
          .create(dns, zone.id, { name: 'www.elsewhere.test.', type: 'A', records: ['192.0.2.1'] })
          .catch((e: unknown) => e);
        expect(isHttpError(outside) && outside.status).toBe(400);
        const twice = await recordsets
          .create(dns, zone.id, { name: `www.${zone.name}`, type: 'A', records: ['192.0.2.12'] })
          .catch((e: unknown) => e);
        expect(isHttpError(twice) && twice.status).toBe(409);
      },
    );

    check('updates a recordset in place (PUT) and the zone with PATCH; the serial goes up', async (ctx) => {
      const dns = dnsClient(ctx.target.cloud);
      const zone = await zones.waitActive(dns, await contractZone(ctx), { timeoutMs: ctx.timeoutMs });
      const rs = await recordsets.create(dns, zone.id, {
        name: `mx.${zone.name}`,
        type: 'MX',
        records: [`10 mail.${zone.name}`],
      });
      await recordsets.waitActive(dns, rs, { timeoutMs: ctx.timeoutMs });
      const before = (await zones.get(dns, zone.id)).serial ?? 0;
      const changed = await recordsets.update(dns, zone.id, rs.id, { records: [`20 mail.${zone.name}`], ttl: 600 });
      const done = await recordsets.waitActive(dns, changed, { timeoutMs: ctx.timeoutMs });
      expect(done.records).toEqual([`20 mail.${zone.name}`]);
      const patched = await zones.update(dns, zone.id, { ttl: 1200, description: 'changed' });
      const active = await zones.waitActive(dns, patched, { timeoutMs: ctx.timeoutMs });
      expect(active).toMatchObject({ ttl: 1200, description: 'changed' });
      expect(active.serial ?? 0).toBeGreaterThan(before);
    });

    check('answers a zone name that is taken with 409 and a Designate error body (duplicate_zone)', async (ctx) => {
      const dns = dnsClient(ctx.target.cloud);
      const zone = await contractZone(ctx);
      const error = await zones.create(dns, { name: zone.name, email: 'x@contract.test' }).catch((e: unknown) => e);
      expect(isHttpError(error)).toBe(true);
      expect(error).toMatchObject({ status: 409 });
      expect((error as Error).message).toMatch(/Duplicate Zone/i);
      // The service's own words come through, with its type as the fault (Designate's {code, type, message}).
      expect((error as { fault?: string }).fault).toBe('duplicate_zone');
    });

    check('deletes a zone: 202 with action DELETE, then it is gone with its recordsets', async (ctx) => {
      const dns = dnsClient(ctx.target.cloud);
      const name = `gone-${zoneName(ctx.prefix)}`;
      const zone = await zones.create(dns, { name, email: 'hostmaster@contract.test' });
      ctx.cleanup(() => zones.remove(dns, zone.id).catch(() => undefined));
      await zones.waitActive(dns, zone, { timeoutMs: ctx.timeoutMs });
      await zones.remove(dns, zone.id);
      const until = Date.now() + ctx.timeoutMs;
      let gone = false;
      while (!gone && Date.now() < until) {
        const current = await zones.get(dns, zone.id).catch((e: unknown) => e);
        if (isHttpError(current) && current.status === 404) gone = true;
        else {
          expect((current as { action?: string }).action).toBe('DELETE');
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      expect(gone).toBe(true);
    });
  },
};
