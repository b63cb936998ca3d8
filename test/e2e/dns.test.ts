// DNS on the real OpenStack (Zed with Designate, fake backend): the seed's zone bascule-src.e2e.test.
// (test/e2e/seed-dns.sh: www A at the floating IP of seed-port-vip, mail A, alias CNAME, MX, TXT) is exported with
// the router its floating IP needs, dry-run on dst (the rewrite of www's address listed), applied under the mapped
// name bascule-dst.e2e.test. (zone names are global: src still holds its own), checked with the openstack CLI (www at
// dst's floating IP, the in-zone names followed the zone), audited clean with the journal, dry-run again (nothing to
// do), and rolled back (dst as it was). Skips when the cloud has no DNS service.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/diff/report.js';
import type { ChangeSet } from '../../src/engine/dry-run.js';
import type { Plan } from '../../src/plan/types.js';
import { bascule } from './support/bascule.js';
import { requireCloud } from './support/env.js';
import { osJson, osRun } from './support/openstack-cli.js';
import { seedOnce } from './support/seed.js';

type Row = Record<string, unknown>;
const SOURCE_ZONE = 'bascule-src.e2e.test.';
const TARGET_ZONE = 'bascule-dst.e2e.test.';
const MAPPING = `format: bascule.mapping/v1
names:
  - { kinds: [dns_zone], strip_prefix: bascule-src. }
  - { kinds: [dns_zone], prefix: bascule-dst. }
`;

const zonesOf = async (cloud: 'src' | 'dst'): Promise<Row[]> => osJson<Row[]>(cloud, ['zone', 'list']);

async function waitZoneGone(name: string): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    if (!(await zonesOf('dst')).some((z) => z['name'] === name)) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`zone ${name} is still in dst after 120 s`);
}

let dir = '';
let hasDns = false;
let plan: Plan;
const d = (file: string) => join(dir, file);

describe('DNS zones and records on the real cloud', () => {
  beforeAll(async () => {
    requireCloud();
    hasDns = await osRun('admin', ['catalog', 'show', 'dns']).then(
      () => true,
      () => false,
    );
    if (!hasDns) return;
    await seedOnce();
    dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-dns-'));
    await writeFile(d('map.yaml'), MAPPING);
    // A zone an earlier, interrupted run of this file left in dst would be found rather than made.
    for (const zone of (await zonesOf('dst')).filter((z) => z['name'] === TARGET_ZONE)) {
      await osRun('dst', ['zone', 'delete', String(zone['id'])]);
      await waitZoneGone(TARGET_ZONE);
    }
  }, 900_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exports the zone, its five recordsets (not the SOA and NS) and the floating IP the A record points at', async (ctx) => {
    if (!hasDns) ctx.skip('the cloud has no DNS service (no dns in the catalog)');
    const run = await bascule([
      'export',
      '--os-cloud',
      'src',
      '--select',
      SOURCE_ZONE,
      '--select',
      'seed-router',
      '--output',
      d('plan.json'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    plan = JSON.parse(await readFile(d('plan.json'), 'utf8')) as Plan;
    const zone = plan.resources.find((r) => r.kind === 'dns_zone');
    expect(zone).toMatchObject({
      key: `dns_zone:${SOURCE_ZONE}`,
      spec: {
        name: SOURCE_ZONE,
        email: `hostmaster@${SOURCE_ZONE.slice(0, -1)}`,
        ttl: 600,
        description: 'e2e seed zone',
      },
    });
    const sets = plan.resources.filter((r) => r.kind === 'dns_recordset');
    expect(sets.map((r) => r.key).sort()).toEqual(
      ['@/MX', '@/TXT', 'alias/CNAME', 'mail/A', 'www/A'].map((k) => `dns_recordset:${SOURCE_ZONE}/${k}`),
    );
    const fips = await osJson<Row[]>('src', ['floating', 'ip', 'list', '--port', 'seed-port-vip']);
    const address = String(fips[0]?.['Floating IP Address']);
    const www = sets.find((r) => r.key.endsWith('/www/A'))!;
    expect(www.spec).toMatchObject({ name: 'www', type: 'A', records: [address], ttl: 300 });
    expect(www.refs?.floating_ips).toEqual(['floating_ip:seed-port-vip']);
    expect(sets.find((r) => r.key.endsWith('/alias/CNAME'))!.spec).toMatchObject({ records: ['www'] });
    expect(sets.find((r) => r.key.endsWith('/@/MX'))!.spec).toMatchObject({ records: ['10 mail'] });
  }, 600_000);

  it('dry run on dst lists the rewrite of the A record; apply makes the zone under its mapped name at dst addresses', async (ctx) => {
    if (!hasDns || !plan) ctx.skip('no DNS service, or the export failed');
    const fipKey = 'floating_ip:seed-port-vip';
    const dry = await bascule([
      'apply',
      d('plan.json'),
      '--to',
      'dst',
      '--mapping',
      d('map.yaml'),
      '--dry-run',
      '--out',
      d('changes.json'),
    ]);
    expect(dry.code, `${dry.stdout}\n${dry.stderr}`).toBe(0);
    expect(dry.stdout).toContain(`(known after apply: the address of ${fipKey})`);
    const changes = JSON.parse(await readFile(d('changes.json'), 'utf8')) as ChangeSet;
    const wwwKey = `dns_recordset:${SOURCE_ZONE}/www/A`;
    expect(changes.actions.find((a) => a.key === wwwKey)?.rewrites).toMatchObject([{ field: 'records', via: fipKey }]);

    const applied = await bascule([
      'apply',
      d('plan.json'),
      '--to',
      'dst',
      '--mapping',
      d('map.yaml'),
      '--journal',
      d('j.jsonl'),
      '--yes',
    ]);
    expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);
    const zone = (await zonesOf('dst')).find((z) => z['name'] === TARGET_ZONE);
    expect(zone).toMatchObject({ status: 'ACTIVE', type: 'PRIMARY' });
    const target = await osJson<Row[]>('dst', ['floating', 'ip', 'list', '--port', 'seed-port-vip']);
    expect(target).toHaveLength(1);
    const address = String(target[0]!['Floating IP Address']);
    const sets = await osJson<Row[]>('dst', ['recordset', 'list', TARGET_ZONE]);
    const records = (name: string, type: string) =>
      String(sets.find((r) => r['name'] === name && r['type'] === type)?.['records'] ?? '')
        .split(/\n|, /)
        .filter(Boolean)
        .sort();
    expect(records(`www.${TARGET_ZONE}`, 'A')).toEqual([address]);
    expect(records(`mail.${TARGET_ZONE}`, 'A')).toEqual(['192.0.2.25']);
    expect(records(`alias.${TARGET_ZONE}`, 'CNAME')).toEqual([`www.${TARGET_ZONE}`]);
    expect(records(TARGET_ZONE, 'MX')).toEqual([`10 mail.${TARGET_ZONE}`]);
    expect(records(TARGET_ZONE, 'TXT')).toEqual(['"bascule e2e seed"']);
    // The service's own SOA and NS came with the zone; nothing of the source zone was copied over them.
    expect(sets.filter((r) => r['type'] === 'SOA' || r['type'] === 'NS')).toHaveLength(2);
    // The source zone is untouched.
    expect((await zonesOf('src')).some((z) => z['name'] === SOURCE_ZONE)).toBe(true);
  }, 900_000);

  it('audits clean with the journal (www compared at dst address), and a second dry run has nothing to do', async (ctx) => {
    if (!hasDns || !plan) ctx.skip('no DNS service, or the export failed');
    const audit = await bascule([
      'audit',
      '--plan',
      d('plan.json'),
      '--to',
      'dst',
      '--mapping',
      d('map.yaml'),
      '--journal',
      d('j.jsonl'),
      '--format',
      'json',
    ]);
    const report = JSON.parse(audit.stdout) as AuditReport;
    // dst may hold what other files left; what this plan made must match exactly.
    expect(report.differences.filter((x) => x.type !== 'expected-lossy' && x.type !== 'extra')).toEqual([]);
    expect(report.differences.filter((x) => x.type === 'extra' && x.kind.startsWith('dns_'))).toEqual([]);
    const again = await bascule([
      'apply',
      d('plan.json'),
      '--to',
      'dst',
      '--mapping',
      d('map.yaml'),
      '--dry-run',
      '--out',
      d('again.json'),
    ]);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    const second = JSON.parse(await readFile(d('again.json'), 'utf8')) as ChangeSet;
    expect(second.actions.filter((a) => a.action !== 'no-op').map((a) => `${a.key} ${a.action}`)).toEqual([]);
    const address = String(
      (await osJson<Row[]>('dst', ['floating', 'ip', 'list', '--port', 'seed-port-vip']))[0]!['Floating IP Address'],
    );
    expect(second.actions.find((a) => a.key === `dns_recordset:${SOURCE_ZONE}/www/A`)?.rewrites).toMatchObject([
      { field: 'records', to: address },
    ]);
  }, 900_000);

  it('rolls back: the zone, its recordsets and the floating IP are gone from dst', async (ctx) => {
    if (!hasDns || !plan) ctx.skip('no DNS service, or the export failed');
    const rolled = await bascule(['rollback', '--os-cloud', 'dst', '--journal', d('j.jsonl'), '--yes']);
    expect(rolled.code, `${rolled.stdout}\n${rolled.stderr}`).toBe(0);
    await waitZoneGone(TARGET_ZONE);
    const fips = await osJson<Row[]>('dst', ['floating', 'ip', 'list', '--long']);
    expect(fips.filter((f) => f['Description'] === 'seed vip')).toEqual([]);
    expect((await osJson<Row[]>('dst', ['router', 'list'])).filter((r) => r['Name'] === 'seed-router')).toEqual([]);
  }, 900_000);
});
