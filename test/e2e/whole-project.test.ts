// The WHOLE source project with every service, as one, on the real cloud (#17): the base seed (seed-source.sh, with
// the DNS zone of seed-dns.sh) plus, seeded here into bascule-src, the load balancer of seed-lb.sh (listener, pool,
// two members at the seed's servers, health monitor), the containers of seed-swift.sh (small, zero-byte, static and
// dynamic large objects, versions), the Neutron extras of seed-neutron-extras.sh (trunk with sub-ports, port
// forwardings, address group, bindings to the admin's shared QoS policy) and a record `nx` in the seed zone at the
// forwardings' floating IP, so the zone has records at two floating IPs. The project is exported WHOLE (no --kinds,
// no --select), dry-run, applied to bascule-dst2 (the per-service files' target; apply.test and kill-resume work in
// dst, audit.test in dst2 and dst, each rolling back, and the files run one at a time) with the zone under a mapped
// name (zone names are global), audited clean against the live source, applied again (nothing to change) and rolled
// back (dst2 as it was, checked with the openstack CLI). The servers' disks are copied live (--consistency live), so
// the source servers keep running. afterAll removes what this file seeded, so the other files find bascule-src as
// the base seed left it. Each service the catalog lacks is skipped with the reason; the rest still runs.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/diff/report.js';
import type { ChangeSet } from '../../src/engine/dry-run.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { bascule, runScript } from './support/bascule.js';
import { requireCloud } from './support/env.js';
import { osJson, osRun } from './support/openstack-cli.js';
import { seedOnce } from './support/seed.js';

type Row = Record<string, unknown>;
const TARGET = 'dst2';
const SOURCE_ZONE = 'bascule-src.e2e.test.';
const TARGET_ZONE = 'bascule-dst2.e2e.test.';
const MAPPING = `format: bascule.mapping/v1
names:
  - { kinds: [dns_zone], strip_prefix: bascule-src. }
  - { kinds: [dns_zone], prefix: bascule-dst2. }
`;
/** The record this file adds to the seed zone, at the floating IP of the port forwardings (and removes after). */
const NX_RECORD = `nx.${SOURCE_ZONE}`;
const NX_FIP = 'nx forwardings';
const CONTAINERS = ['seed-files', 'seed-files-versions', 'seed-files_segments'];
const NX_EXTENSIONS = ['trunk', 'qos', 'floating-ip-port-forwarding', 'address-group'];

/** Why a service is not tested here (the cloud lacks it), or undefined when it is. */
const absent: { lb?: string; swift?: string; dns?: string; nx?: string } = {};
let dir = '';
let plan: Plan;
let seededSwiftHere = false;
let rolledBack = false;
/** What dst2 held before the apply, per `openstack ... list` (names or IDs). */
let before: Record<string, string[]>;
const d = (file: string) => join(dir, file);
/** The source, the target and the mapping of every dry run, apply and audit of this file. */
const toTarget = () => ['--from', 'src', '--to', TARGET, '--mapping', d('map.yaml')];
const elapsed: Record<string, number> = {};
async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await work();
  } finally {
    elapsed[step] = Math.round((Date.now() - t0) / 1000);
  }
}

const of = (kind: string): PlanResource[] => plan.resources.filter((r) => r.kind === kind);
const entry = (key: string): PlanResource | undefined => plan.resources.find((r) => r.key === key);
const names = (rows: Row[], field = 'Name'): string[] => rows.map((r) => String(r[field] ?? r['name'])).sort();

/** What dst2 holds of everything this file moves, as the openstack CLI lists it. */
async function target(): Promise<Record<string, string[]>> {
  const lists: [string, string[], string][] = [
    ['servers', ['server', 'list'], 'Name'],
    ['volumes', ['volume', 'list'], 'Name'],
    ['images', ['image', 'list', '--private'], 'Name'],
    ['networks', ['network', 'list'], 'Name'],
    ['ports', ['port', 'list'], 'ID'],
    ['routers', ['router', 'list'], 'Name'],
    ['floating ips', ['floating', 'ip', 'list'], 'ID'],
    ['security groups', ['security', 'group', 'list'], 'Name'],
  ];
  if (!absent.nx) {
    lists.push(
      ['trunks', ['network', 'trunk', 'list'], 'Name'],
      ['address groups', ['address', 'group', 'list'], 'Name'],
    );
  }
  if (!absent.lb) lists.push(['load balancers', ['loadbalancer', 'list'], 'name']);
  if (!absent.dns) lists.push(['zones', ['zone', 'list'], 'name']);
  if (!absent.swift) lists.push(['containers', ['container', 'list'], 'Name']);
  const rows = await Promise.all(lists.map(([, args]) => osJson<Row[]>(TARGET, args)));
  return Object.fromEntries(lists.map(([what, , field], i) => [what, names(rows[i]!, field)]));
}

/** Poll a recordset of the seed zone until Designate has it ACTIVE. */
async function recordActive(cloud: 'src' | 'dst2', zone: string, name: string): Promise<void> {
  for (const until = Date.now() + 120_000; Date.now() < until;) {
    const sets = await osJson<Row[]>(cloud, ['recordset', 'list', zone, '--name', name]);
    if (sets.length > 0 && sets.every((s) => s['status'] === 'ACTIVE')) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`recordset ${name} of ${zone} is not ACTIVE after 120 s`);
}

async function nxFipAddress(cloud: 'src' | 'dst2'): Promise<string | undefined> {
  const fips = await osJson<Row[]>(cloud, ['floating', 'ip', 'list', '--long']);
  const fip = fips.find((f) => f['Description'] === NX_FIP);
  return fip ? String(fip['Floating IP Address']) : undefined;
}

/** The load balancer of seed-lb.sh deleted from src, and waited on until Octavia no longer lists it. */
async function removeSeedLb(): Promise<void> {
  await osRun('src', ['loadbalancer', 'delete', '--cascade', 'seed-lb']).catch(() => undefined);
  for (const until = Date.now() + 120_000; Date.now() < until;) {
    if (!(await osJson<Row[]>('src', ['loadbalancer', 'list'])).some((l) => l['name'] === 'seed-lb')) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * What this file seeded in src and the target does not hold, removed (once; the rollback test starts it beside the
 * rollback): the load balancer, the containers (when this file seeded them), the record at the forwardings' address.
 */
let sourceCleaning: Promise<unknown> | undefined;
const cleanSource = () =>
  (sourceCleaning ??= Promise.all([
    absent.lb ? undefined : removeSeedLb(),
    absent.swift || !seededSwiftHere ? undefined : runScript('test/e2e/support/empty-containers.sh', ['src']),
    absent.dns
      ? undefined
      : osJson<Row[]>('src', ['recordset', 'list', SOURCE_ZONE, '--name', NX_RECORD]).then(async (sets) => {
          for (const s of sets) await osRun('src', ['recordset', 'delete', SOURCE_ZONE, String(s['id'])]);
        }),
  ]));
/** The Neutron extras removed from src (once), after the rollback: the admin's QoS policy goes when nothing uses it. */
let extrasCleaning: Promise<unknown> | undefined;
const cleanExtras = () =>
  (extrasCleaning ??= absent.nx
    ? Promise.resolve()
    : runScript('test/e2e/seed-neutron-extras.sh', ['--remove']).then((o) => console.log(o.trim())));

describe('the whole source project with every service, on the real cloud', () => {
  beforeAll(async () => {
    requireCloud();
    const [catalog, aliases] = await Promise.all([
      osJson<Row[]>('src', ['catalog', 'list']).then((rows) => rows.map((r) => String(r['Type']))),
      osRun('src', ['extension', 'list', '--network', '-f', 'value', '-c', 'Alias']).then((o) =>
        o.split('\n').map((a) => a.trim()),
      ),
    ]);
    if (!catalog.includes('load-balancer')) absent.lb = 'the cloud has no load-balancer service (Octavia)';
    if (!catalog.includes('object-store')) absent.swift = 'the cloud has no object-store (Swift)';
    if (!catalog.includes('dns')) absent.dns = 'the cloud has no DNS service (Designate)';
    const missing = NX_EXTENSIONS.filter((a) => !aliases.includes(a));
    if (missing.length > 0) absent.nx = `the cloud's Neutron lacks ${missing.join(', ')}`;
    for (const why of Object.values(absent)) console.log(`skipped here: ${why}`);

    dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-whole-'));
    await writeFile(d('map.yaml'), MAPPING);
    if (!absent.swift) {
      seededSwiftHere = !(await osJson<Row[]>('src', ['container', 'list'])).some((c) => c['Name'] === 'seed-files');
    }
    // The seeds touch different things and run side by side: the base seed, then the load balancer in front of its
    // servers; Swift's containers; the Neutron extras on their own network, then (with the base seed's zone) the
    // record at the forwardings' floating IP. What dst2 holds is listed meanwhile.
    const base = timed('base seed', () => seedOnce());
    const seeds = Promise.all([
      absent.lb ? undefined : base.then(() => runScript('test/e2e/seed-lb.sh')).then((o) => console.log(o.trim())),
      absent.swift ? undefined : runScript('test/e2e/seed-swift.sh').then((o) => console.log(o.trim())),
      absent.nx
        ? undefined
        : runScript('test/e2e/seed-neutron-extras.sh').then(async (o) => {
            console.log(o.trim());
            await base;
            if (absent.dns) return;
            const address = await nxFipAddress('src');
            if (!address) throw new Error(`no floating IP "${NX_FIP}" in src after seed-neutron-extras.sh`);
            const sets = await osJson<Row[]>('src', ['recordset', 'list', SOURCE_ZONE, '--name', NX_RECORD]);
            for (const s of sets) await osRun('src', ['recordset', 'delete', SOURCE_ZONE, String(s['id'])]);
            await osRun('src', ['recordset', 'create', '--type', 'A', '--record', address, SOURCE_ZONE, NX_RECORD]);
            await recordActive('src', SOURCE_ZONE, NX_RECORD);
          }),
      target().then((found) => (before = found)),
    ]);
    await timed('seeds', () => Promise.all([base, seeds]));
    // A zone an interrupted run of this file left on dst2 would be found rather than made.
    if (!absent.dns) expect(before['zones']).not.toContain(TARGET_ZONE);
  }, 1_800_000);

  afterAll(async () => {
    if (dir && !rolledBack) await bascule(['rollback', '--journal', d('j.jsonl'), '--os-cloud', TARGET, '--yes']);
    // bascule-src goes back to the base seed: what this file seeded goes (the per-service files do the same).
    await timed('clean-up', () => Promise.all([cleanSource(), cleanExtras()]));
    if (dir) await rm(dir, { recursive: true, force: true });
    console.log(`whole-project steps (s): ${JSON.stringify(elapsed)}`);
  }, 1_200_000);

  it('exports the whole project: every service in the plan, none named unsupported', async () => {
    const run = await timed('export', () => bascule(['export', '--os-cloud', 'src', '-o', d('plan.json')]));
    expect(run.code, run.out).toBe(0);
    plan = JSON.parse(await readFile(d('plan.json'), 'utf8')) as Plan;
    // the base seed is there (servers, volumes, the image)
    for (const key of ['server:seed-vm-image', 'server:seed-vm-volume', 'volume:seed-vol-data', 'image:seed-image'])
      expect(entry(key), key).toBeDefined();
    if (!absent.lb) {
      expect(of('load_balancer')).toMatchObject([
        { key: 'load_balancer:seed-lb', refs: { vip_subnet: 'subnet:seed-subnet-app' } },
      ]);
      expect(of('listener').map((r) => r.key)).toEqual(['listener:seed-lb-http']);
      expect(of('pool').map((r) => r.key)).toEqual(['pool:seed-lb-pool']);
      const members = of('member');
      expect(members.map((m) => m.key).sort()).toEqual(['member:seed-lb-vm-image', 'member:seed-lb-vm-volume']);
      // each member follows its server's port, which is in the plan with its server
      for (const m of members) expect(entry(String(m.refs?.port)), m.key).toBeDefined();
      expect(of('health_monitor')).toHaveLength(1);
    }
    if (!absent.dns) {
      expect(of('dns_zone').map((r) => r.key)).toEqual([`dns_zone:${SOURCE_ZONE}`]);
      const sets = of('dns_recordset');
      const www = sets.find((r) => r.key.endsWith('/www/A'));
      expect(www?.refs?.floating_ips).toEqual(['floating_ip:seed-port-vip']);
      if (!absent.nx) {
        // the record at the port forwardings' floating IP (a floating IP without a port) follows it too
        const nx = sets.find((r) => r.key.endsWith('/nx/A'));
        const fip = of('floating_ip').find((f) => (f.spec as { description?: string }).description === NX_FIP);
        expect(fip).toBeDefined();
        expect(nx?.refs?.floating_ips).toEqual([fip!.key]);
      }
    }
    if (!absent.swift) {
      expect(
        of('object_container')
          .map((r) => r.key)
          .sort(),
      ).toEqual(CONTAINERS.map((n) => `object_container:${n}`));
      // small.txt (1,336 bytes), empty (0), big.bin (a static large object of 2 MiB + 5,000 bytes), movie (dynamic)
      expect(entry('object_container:seed-files')?.spec).toMatchObject({
        objects: { count: 4, bytes: 1336 + 0 + 2 * 1048576 + 5000 + 0, large: 1 },
      });
    }
    if (!absent.nx) {
      expect(of('trunk')).toMatchObject([
        { key: 'trunk:nx-trunk', refs: { port: 'port:nx-parent', sub_ports: ['port:nx-sub-101', 'port:nx-sub-102'] } },
      ]);
      expect(of('qos_policy')).toMatchObject([{ key: 'qos_policy:nx-qos', external: true }]);
      expect(entry('port:nx-web')?.refs).toMatchObject({ qos_policy: 'qos_policy:nx-qos' });
      expect(entry('network:nx-net')?.refs).toMatchObject({ qos_policy: 'qos_policy:nx-qos' });
      expect(of('port_forwarding')).toHaveLength(2);
      expect(of('address_group').map((r) => r.key)).toEqual(['address_group:nx-office']);
    }
    // Nothing the project holds is named as not moved.
    expect((plan.warnings ?? []).filter((w) => w.code.startsWith('UNSUPPORTED'))).toEqual([]);
    expect(run.stderr).not.toMatch(/does not move/);
  }, 600_000);

  it('dry-runs: a create for every entry of the project, nothing blocked', async (ctx) => {
    if (!plan) return ctx.skip('the export failed');
    const dry = await timed('dry run', () =>
      bascule(['--format', 'json', 'apply', d('plan.json'), ...toTarget(), '--dry-run']),
    );
    expect(dry.code, dry.out).toBe(0);
    const changes = (JSON.parse(dry.stdout) as { changes: ChangeSet }).changes;
    const action = new Map(changes.actions.map((a) => [a.key, a.action]));
    const own = plan.resources.filter((r) => !r.external && r.kind !== 'quota');
    // dst2 is empty of this project: each of its own entries is made ("lossy": made without a field it cannot keep,
    // a MAC, an address), but what Neutron makes by itself, matched (no-op): the project's default security group
    // with its rules, and the egress rules of every new group
    const made = new Set(['create', 'lossy']);
    const notMade = own.filter((r) => !made.has(String(action.get(r.key)))).map((r) => `${r.key} ${action.get(r.key)}`);
    const neutrons =
      /^(security_group:default|security_group_rule:default\/[^ ]+|security_group_rule:[^ ]+\/egress-IPv[46]-any-any-any) no-op$/;
    expect(notMade.filter((x) => !neutrons.test(x))).toEqual([]);
    for (const key of [
      'load_balancer:seed-lb',
      'member:seed-lb-vm-image',
      'trunk:nx-trunk',
      'object_container:seed-files',
      `dns_zone:${SOURCE_ZONE}`,
    ]) {
      if (entry(key)) expect(made.has(String(action.get(key))), `${key} ${action.get(key)}`).toBe(true);
    }
    expect(changes.actions.filter((a) => a.action === 'blocked' || a.action === 'conflict')).toEqual([]);
  }, 600_000);

  it('applies to dst2: the openstack CLI sees the load balancer, the zone, the objects, the trunk and the bindings', async (ctx) => {
    if (!plan) return ctx.skip('the export failed');
    const applied = await timed('apply', () =>
      bascule(['apply', d('plan.json'), ...toTarget(), '--consistency', 'live', '--journal', d('j.jsonl'), '--yes']),
    );
    expect(applied.code, applied.out).toBe(0);
    const ports = await osJson<Row[]>(TARGET, ['port', 'list', '--long']);
    const portId = (name: string) => String(ports.find((p) => p['Name'] === name)?.['ID']);
    const checks: Promise<void>[] = [];
    if (!absent.lb) {
      checks.push(
        (async () => {
          const lbs = await osJson<Row[]>(TARGET, ['loadbalancer', 'list']);
          expect(lbs.map((l) => [l['name'], l['provisioning_status']])).toEqual([['seed-lb', 'ACTIVE']]);
          // the members are at the addresses the servers got on dst2
          const members = await osJson<Row[]>(TARGET, ['loadbalancer', 'member', 'list', 'seed-lb-pool']);
          const servers = new Set(
            ports
              .filter((p) => String(p['Device Owner']).startsWith('compute:'))
              .flatMap((p) => (p['Fixed IP Addresses'] as { ip_address: string }[]).map((a) => a.ip_address)),
          );
          expect(members).toHaveLength(2);
          for (const m of members) expect(servers.has(String(m['address'])), String(m['address'])).toBe(true);
        })(),
      );
    }
    if (!absent.dns) {
      checks.push(
        (async () => {
          const sets = await osJson<Row[]>(TARGET, ['recordset', 'list', TARGET_ZONE]);
          const records = (name: string) =>
            String(sets.find((r) => r['name'] === name && r['type'] === 'A')?.['records'] ?? '');
          const vip = await osJson<Row[]>(TARGET, ['floating', 'ip', 'list', '--port', 'seed-port-vip']);
          expect(records(`www.${TARGET_ZONE}`)).toBe(String(vip[0]?.['Floating IP Address']));
          if (!absent.nx) expect(records(`nx.${TARGET_ZONE}`)).toBe(await nxFipAddress(TARGET));
        })(),
      );
    }
    if (!absent.swift) {
      checks.push(
        (async () => {
          const objects = await osJson<Row[]>(TARGET, ['object', 'list', '--long', 'seed-files']);
          const size = (name: string) => objects.find((o) => o['Name'] === name)?.['Bytes'];
          expect(size('small.txt')).toBe(1336);
          expect(size('empty')).toBe(0);
          expect(size('big.bin')).toBe(2 * 1048576 + 5000);
        })(),
      );
    }
    if (!absent.nx) {
      checks.push(
        (async () => {
          const trunk = await osJson<Row>(TARGET, ['network', 'trunk', 'show', 'nx-trunk']);
          expect(trunk['port_id']).toBe(portId('nx-parent'));
          expect(((trunk['sub_ports'] as Row[]) ?? []).map((s) => s['port_id']).sort()).toEqual(
            [portId('nx-sub-101'), portId('nx-sub-102')].sort(),
          );
          const policy = await osJson<Row>('admin', ['network', 'qos', 'policy', 'show', 'nx-qos']);
          expect((await osJson<Row>(TARGET, ['port', 'show', 'nx-web']))['qos_policy_id']).toBe(policy['id']);
        })(),
      );
    }
    await Promise.all(checks);
  }, 1_200_000);

  it('audits clean against the source (every kind), and a second apply has nothing to change', async (ctx) => {
    if (!plan) return ctx.skip('the export failed');
    const audit = await timed('audit', () =>
      bascule(['--format', 'json', 'audit', ...toTarget(), '--journal', d('j.jsonl')]),
    );
    const report = JSON.parse(audit.stdout) as AuditReport;
    expect(report.differences.filter((x) => x.type !== 'expected-lossy')).toEqual([]);
    expect(audit.code, audit.stderr).toBe(0);
    const again = await timed('second apply', () =>
      bascule(['apply', d('plan.json'), ...toTarget(), '--consistency', 'live', '--journal', d('j2.jsonl'), '--yes']),
    );
    expect(again.code, again.out).toBe(0);
    expect(again.stdout).toContain('Nothing to change');
  }, 1_200_000);

  it('rolls back: dst2 holds what it held before, nothing of the project left', async (ctx) => {
    if (!plan) return ctx.skip('the export failed');
    // The source's own clean-up (what dst2 never held) runs beside the rollback; the extras' after it (the admin's
    // QoS policy goes only when nothing on dst2 is bound to it).
    const source = cleanSource();
    source.catch(() => undefined); // awaited below, or by afterAll when a step fails first
    const run = await timed('rollback', () =>
      bascule(['rollback', '--journal', d('j.jsonl'), '--os-cloud', TARGET, '--yes']),
    );
    expect(run.code, run.out).toBe(0);
    rolledBack = true;
    const extras = cleanExtras();
    extras.catch(() => undefined);
    // Designate deletes a zone in the background: wait for it before comparing
    for (const until = Date.now() + 120_000; !absent.dns && Date.now() < until;) {
      if (!(await osJson<Row[]>(TARGET, ['zone', 'list'])).some((z) => z['name'] === TARGET_ZONE)) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    expect(await target()).toEqual(before);
    await Promise.all([source, extras]);
  }, 900_000);
});
