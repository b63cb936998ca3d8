import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { dnsClient } from '../../src/openstack/dns/client.js';
import * as recordsets from '../../src/openstack/dns/recordsets/requests.js';
import * as zones from '../../src/openstack/dns/zones/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import type { PlanResource } from '../../src/plan/types.js';
import { designateOf } from '../../src/sim/designate/state.js';
import type { ProfileName, SeedFile } from '../../src/sim/index.js';
import { OLD, platformSeed } from './seed.js';
import {
  applyAtoB,
  applyJournaled,
  dryRunChanges,
  entryOf,
  expectAuditClean,
  exportPlan,
  fileIn,
  pendingActions,
  rollBackB,
  shopSeed,
  startCloudsPerTest,
  type SimClouds,
} from './support.js';

/**
 * Issue 17, DNS, on the simulator (pike and 2025.1): a zone with A, CNAME, MX and TXT recordsets is exported, the
 * dry run lists the rewrite of the A record at the project's floating IP, the apply makes the zone under its mapped
 * name with the record at the target floating IP's address, the audit is clean, a second dry run changes nothing,
 * rollback leaves the target as it was; a zone name already taken on the target is a conflict, never a second zone.
 */
const startClouds = startCloudsPerTest();

const SOURCE_ADDRESS = '203.0.113.50';

function sourceSeed(): SeedFile {
  return shopSeed({
    networks: [{ name: 'net', subnets: [{ name: 'net-v4', cidr: '10.40.0.0/24', ip_version: 4 }] }],
    routers: [{ name: 'edge', external_gateway: OLD.externalNetwork, interfaces: ['net-v4'] }],
    ports: [{ name: 'web-host', network: 'net', fixed_ips: [{ subnet: 'net-v4', ip_address: '10.40.0.10' }] }],
    floating_ips: [{ network: OLD.externalNetwork, floating_ip_address: SOURCE_ADDRESS, port: 'web-host' }],
  });
}

const MAPPING = `format: bascule.mapping/v1
external_networks:
  - { from: ${OLD.externalNetwork}, to: ${OLD.externalNetwork} }
names:
  - { kinds: [dns_zone], strip_suffix: src.test. }
  - { kinds: [dns_zone], suffix: dst.test. }
`;

/** The source zone shop.src.test. with records at the floating IP, inside the zone and outside it. */
async function seedZone(clouds: SimClouds): Promise<void> {
  const dns = dnsClient(await clouds.connect('a'));
  const zone = await zones.create(dns, {
    name: 'shop.src.test.',
    email: 'ops@shop.src.test',
    ttl: 600,
    description: 'the shop',
  });
  const add = (name: string, type: string, records: string[], ttl?: number) =>
    recordsets.create(dns, zone.id, { name, type, records, ...(ttl ? { ttl } : {}) });
  await add('www.shop.src.test.', 'A', [SOURCE_ADDRESS], 300);
  await add('mail.shop.src.test.', 'A', ['192.0.2.25']);
  await add('alias.shop.src.test.', 'CNAME', ['www.shop.src.test.']);
  await add('docs.shop.src.test.', 'CNAME', ['pages.example.org.']);
  await add('shop.src.test.', 'MX', ['10 mail.shop.src.test.']);
  await add('shop.src.test.', 'TXT', ['"v=spf1 mx -all"']);
  await zones.waitActive(dns, zone, { timeoutMs: 5000 });
}

const recordsOf = (e: PlanResource): unknown => (e.spec as unknown as { records?: string[] }).records;

const settle = () => new Promise((r) => setTimeout(r, 80));

describe('DNS zones and recordsets', () => {
  it.each<ProfileName>(['pike', '2025.1'])(
    '%s: exported, dry run lists the rewrite, applied under the mapped name at the target address, audited clean, rolled back',
    async (profile) => {
      const c = await startClouds([
        { name: 'a', profile, seed: sourceSeed() },
        { name: 'b', profile, seed: platformSeed(OLD) },
      ]);
      await seedZone(c);
      const mapping = ['--mapping', fileIn(c, 'map.yaml')];
      await writeFile(fileIn(c, 'map.yaml'), MAPPING);

      // Export: one zone, its six recordsets (the service's SOA and NS left out), names relative to the zone.
      c.sim.clearLog();
      const { plan } = await exportPlan(c);
      // The recordsets' floating IPs come from the listing the floating IP reader makes: one request, not two.
      const fipLists = c.sim.requestLog('a').filter((e) => e.method === 'GET' && e.route.endsWith('/floatingips'));
      expect(fipLists).toHaveLength(1);
      expect(entryOf(plan, 'dns_zone:shop.src.test.').spec).toEqual({
        name: 'shop.src.test.',
        email: 'ops@shop.src.test',
        ttl: 600,
        description: 'the shop',
      });
      const dnsKeys = plan.resources.filter((r) => r.kind === 'dns_recordset').map((r) => r.key);
      expect(dnsKeys.sort()).toEqual([
        'dns_recordset:shop.src.test./@/MX',
        'dns_recordset:shop.src.test./@/TXT',
        'dns_recordset:shop.src.test./alias/CNAME',
        'dns_recordset:shop.src.test./docs/CNAME',
        'dns_recordset:shop.src.test./mail/A',
        'dns_recordset:shop.src.test./www/A',
      ]);
      const www = entryOf(plan, 'dns_recordset:shop.src.test./www/A');
      const fipKey = plan.resources.find((r) => r.kind === 'floating_ip')!.key;
      expect(www.spec).toEqual({ name: 'www', type: 'A', records: [SOURCE_ADDRESS], ttl: 300 });
      expect(www.refs).toEqual({ zone: 'dns_zone:shop.src.test.', floating_ips: [fipKey] });
      expect(entryOf(plan, 'dns_recordset:shop.src.test./mail/A').refs).toEqual({ zone: 'dns_zone:shop.src.test.' });
      expect(recordsOf(entryOf(plan, 'dns_recordset:shop.src.test./alias/CNAME'))).toEqual(['www']);
      expect(recordsOf(entryOf(plan, 'dns_recordset:shop.src.test./docs/CNAME'))).toEqual(['pages.example.org.']);
      expect(recordsOf(entryOf(plan, 'dns_recordset:shop.src.test./@/MX'))).toEqual(['10 mail']);
      expect((plan.warnings ?? []).filter((w) => /dns|zone/i.test(w.message))).toEqual([]);

      // Dry run: the rewrite of www's address is listed, the target address known after apply.
      const dry = await dryRunChanges(c, 'changes.json', mapping);
      expect(dry.out).toContain(`rewrites records ${SOURCE_ADDRESS} -> (known after apply: the address of ${fipKey})`);
      const changes = dry.changes;
      expect(changes.actions.find((a) => a.key === www.key)?.rewrites).toEqual([
        { field: 'records', from: SOURCE_ADDRESS, to: `(known after apply: the address of ${fipKey})`, via: fipKey },
      ]);
      expect(
        changes.actions.filter((a) => a.kind === 'dns_zone' || a.kind === 'dns_recordset').map((a) => a.action),
      ).toEqual(Array(7).fill('create'));

      // Apply: the zone under its mapped name, the A record at the target floating IP's address.
      await applyJournaled(c, mapping);
      const b = c.sim.regionState('b');
      const targetAddress = String(b.floatingips.find(() => true)!.floating_ip_address);
      expect(targetAddress).not.toBe(SOURCE_ADDRESS);
      const dnsB = dnsClient(await c.connect('b'));
      const [zone] = await collect(zones.list(dnsB));
      expect(zone).toMatchObject({ name: 'shop.dst.test.', email: 'ops@shop.src.test', ttl: 600, status: 'ACTIVE' });
      const sets = await collect(recordsets.list(dnsB, zone!.id));
      const records = (name: string, type: string) => sets.find((r) => r.name === name && r.type === type)?.records;
      expect(records('www.shop.dst.test.', 'A')).toEqual([targetAddress]);
      expect(records('mail.shop.dst.test.', 'A')).toEqual(['192.0.2.25']);
      expect(records('alias.shop.dst.test.', 'CNAME')).toEqual(['www.shop.dst.test.']);
      expect(records('docs.shop.dst.test.', 'CNAME')).toEqual(['pages.example.org.']);
      expect(records('shop.dst.test.', 'MX')).toEqual(['10 mail.shop.dst.test.']);
      expect(records('shop.dst.test.', 'TXT')).toEqual(['"v=spf1 mx -all"']);
      expect(sets.filter((r) => r.type === 'SOA' || r.type === 'NS')).toHaveLength(2);
      // The journal holds the rewritten entry: what rollback compares before it deletes.
      const journal = await readFile(fileIn(c, 'j.jsonl'), 'utf8');
      expect(journal).toContain(`"records":["${targetAddress}"]`);

      // A second dry run: nothing to do; it still lists the rewrite, now with the actual address.
      const { changes: second } = await dryRunChanges(c, 'again.json', mapping);
      expect(pendingActions(second)).toEqual([]);
      expect(second.actions.find((a) => a.key === www.key)?.rewrites).toEqual([
        { field: 'records', from: SOURCE_ADDRESS, to: targetAddress, via: fipKey },
      ]);

      // Audit: the rewritten record compares clean against the target address.
      await expectAuditClean(c, ...mapping);

      // Rollback: zone and recordsets gone, as the floating IP.
      await rollBackB(c);
      await settle();
      await collect(zones.list(dnsB));
      expect(designateOf(b).zones.all()).toEqual([]);
      expect(designateOf(b).recordsets.all()).toEqual([]);
      expect(b.floatingips.all()).toEqual([]);
    },
    90_000,
  );

  it('a zone name taken on the target (by another project) is a clear failure of that zone, never a second zone', async () => {
    const c = await startClouds([
      { name: 'a', profile: '2025.1', seed: sourceSeed() },
      { name: 'b', profile: '2025.1', seed: platformSeed(OLD) },
    ]);
    await seedZone(c);
    await writeFile(fileIn(c, 'map.yaml'), MAPPING);
    // Another project of the target holds the mapped name.
    const admin = dnsClient(await c.connect('b-admin'));
    const taken = await zones.create(admin, { name: 'shop.dst.test.', email: 'noc@elsewhere.test' });
    await exportPlan(c);
    const applied = await applyAtoB(c, '--mapping', fileIn(c, 'map.yaml'), '--journal', fileIn(c, 'j.jsonl'), '--yes');
    expect(applied.code).not.toBe(0);
    expect(applied.out).toMatch(
      /dns_zone:shop\.src\.test\.[\s\S]*the zone name shop\.dst\.test\. is taken on the target's DNS service/,
    );
    expect(applied.out).not.toMatch(/at Object|at async/);
    const all = designateOf(c.sim.regionState('b')).zones.all();
    expect(all.map((z) => [z.name, z.id])).toEqual([['shop.dst.test.', taken.id]]);
    expect(
      designateOf(c.sim.regionState('b'))
        .recordsets.all()
        .filter((r) => r.zone_id !== taken.id),
    ).toEqual([]);
  }, 90_000);
});
