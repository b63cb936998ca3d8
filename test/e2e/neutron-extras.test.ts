// Neutron extras on the real cloud (Zed with the trunk, qos and port_forwarding service plugins, address groups built
// in): test/e2e/seed-neutron-extras.sh seeds, in the source project, a trunk nx-trunk with two VLAN sub-ports, two
// port forwardings on a floating IP (tag nx) to the port nx-web, an address group nx-office used by a rule of the
// security group nx-ssh, and binds nx-web and its network to nx-qos, a QoS policy the admin made and shared (a member
// may not create one: rule:create_policy). They are exported (--kinds, --select nx-* and tag:nx, with what they use),
// dry-run, applied to dst2 (the policy matched there by name and rules, never copied), checked with the openstack
// CLI, audited clean against the plan, applied again (nothing to change) and rolled back (nothing of Bascule's left
// on dst2, the admin's policy kept). Each extension the cloud lacks is skipped, with the reason.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/diff/report.js';
import type { Plan } from '../../src/plan/types.js';
import { bascule, runScript } from './support/bascule.js';
import { requireCloud } from './support/env.js';
import { osJson, osRun } from './support/openstack-cli.js';

type Row = Record<string, unknown>;
const SEED_SCRIPT = 'test/e2e/seed-neutron-extras.sh';
const NEEDED = ['trunk', 'qos', 'floating-ip-port-forwarding', 'address-group', 'security-groups-remote-address-group'];
const OURS = ['trunk', 'port_forwarding', 'address_group', 'qos_policy'];

/** The member's view of dst2's Neutron extras, with the openstack CLI. */
async function dst2(): Promise<{ trunks: Row[]; groups: Row[]; fips: Row[]; ports: Row[]; networks: Row[] }> {
  const [trunks, groups, fips, ports, networks] = await Promise.all([
    osJson<Row[]>('dst2', ['network', 'trunk', 'list']),
    osJson<Row[]>('dst2', ['address', 'group', 'list']),
    osJson<Row[]>('dst2', ['floating', 'ip', 'list', '--long']),
    osJson<Row[]>('dst2', ['port', 'list', '--long']),
    osJson<Row[]>('dst2', ['network', 'list']),
  ]);
  return { trunks, groups, fips, ports, networks };
}

let dir = '';
let absent: string | undefined;
let plan: Plan;
const d = (file: string) => join(dir, file);

describe('Neutron extras (trunk, QoS, port forwarding, address group) on the real cloud', () => {
  beforeAll(async () => {
    requireCloud();
    const aliases = (await osRun('src', ['extension', 'list', '--network', '-f', 'value', '-c', 'Alias']))
      .split('\n')
      .map((a) => a.trim());
    const missing = NEEDED.filter((a) => !aliases.includes(a));
    if (missing.length > 0) {
      absent = `the cloud's Neutron lacks ${missing.join(', ')}`;
      return;
    }
    console.log((await runScript(SEED_SCRIPT)).trim());
    dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-nx-'));
  }, 600_000);
  afterAll(async () => {
    if (dir) {
      // Whatever a failed step left on dst2 goes with the journal's rollback.
      await bascule(['rollback', '--journal', d('j.jsonl'), '--os-cloud', 'dst2', '--yes']);
      await rm(dir, { recursive: true, force: true });
    }
    // The source goes back as the other files expect it: these resources are this file's.
    if (!absent) console.log((await runScript(SEED_SCRIPT, ['--remove'])).trim());
  }, 600_000);

  it('exports the trunk, the forwardings, the address group and the bindings to the shared QoS policy', async (ctx) => {
    if (absent) return ctx.skip(absent);
    const run = await bascule([
      'export',
      '--os-cloud',
      'src',
      '--kinds',
      'trunk,floating_ip,security_group,router',
      '--select',
      'nx-*',
      '--select',
      'tag:nx',
      '-o',
      d('plan.json'),
    ]);
    expect(run.code, run.out).toBe(0);
    plan = JSON.parse(await readFile(d('plan.json'), 'utf8')) as Plan;
    const of = (kind: string) => plan.resources.filter((r) => r.kind === kind);
    const entry = (key: string) => plan.resources.find((r) => r.key === key);
    expect(of('trunk')).toMatchObject([
      {
        key: 'trunk:nx-trunk',
        spec: {
          name: 'nx-trunk',
          description: 'two VLANs',
          sub_ports: [
            { segmentation_type: 'vlan', segmentation_id: 101 },
            { segmentation_type: 'vlan', segmentation_id: 102 },
          ],
        },
        refs: { port: 'port:nx-parent', sub_ports: ['port:nx-sub-101', 'port:nx-sub-102'] },
      },
    ]);
    // The sub-ports are plain ports of the plan (the parent is unbound: Neutron gives them no device owner).
    expect(entry('port:nx-sub-101')?.refs).toMatchObject({ network: 'network:nx-net' });
    const forwardings = of('port_forwarding');
    expect(forwardings.map((f) => [f.spec, f.refs?.port])).toEqual([
      [
        {
          protocol: 'tcp',
          external_port: 2222,
          internal_ip_address: '10.60.0.20',
          internal_port: 22,
          description: 'ssh',
        },
        'port:nx-web',
      ],
      [{ protocol: 'udp', external_port: 5353, internal_ip_address: '10.60.0.20', internal_port: 53 }, 'port:nx-web'],
    ]);
    const fip = entry(String(forwardings[0]!.refs?.floating_ip));
    expect(fip?.spec).toMatchObject({ description: 'nx forwardings', tags: ['nx'] });
    expect(of('address_group')).toMatchObject([
      { key: 'address_group:nx-office', spec: { addresses: ['192.0.2.0/28', '198.51.100.7/32'] } },
    ]);
    expect(
      of('security_group_rule').filter((r) => r.refs?.remote_address_group === 'address_group:nx-office'),
    ).toHaveLength(1);
    // The admin's shared policy is an external reference (matched on the target, never made), with its rules.
    expect(of('qos_policy')).toMatchObject([
      {
        key: 'qos_policy:nx-qos',
        external: true,
        spec: { name: 'nx-qos', rules: [{ type: 'bandwidth_limit', direction: 'egress', max_kbps: 1000 }] },
      },
    ]);
    expect(entry('port:nx-web')?.refs).toMatchObject({ qos_policy: 'qos_policy:nx-qos' });
    expect(entry('network:nx-net')?.refs).toMatchObject({ qos_policy: 'qos_policy:nx-qos' });
    expect(entry('router:nx-router')).toBeDefined();
    // Nothing of the main seed came along.
    expect(plan.resources.filter((r) => r.key.includes('seed-'))).toEqual([]);
  }, 300_000);

  it('dry-runs and applies to dst2: the trunk, forwardings, address group and QoS bindings are there', async (ctx) => {
    if (absent || !plan) return ctx.skip(absent ?? 'the export failed');
    const args = ['apply', d('plan.json'), '--to', 'dst2'];
    const dry = await bascule([...args, '--dry-run']);
    expect(dry.code, dry.out).toBe(0);
    for (const key of ['trunk:nx-trunk', 'address_group:nx-office', 'port:nx-web']) expect(dry.out).toContain(key);
    expect(dry.out).toMatch(/port_forwarding:.*\/tcp-2222/);
    const applied = await bascule([...args, '--journal', d('j.jsonl'), '--yes']);
    expect(applied.code, applied.out).toBe(0);

    const { trunks, groups, fips, ports, networks } = await dst2();
    const portId = (name: string) => String(ports.find((p) => p['Name'] === name)?.['ID']);
    const trunk = await osJson<Row>('dst2', ['network', 'trunk', 'show', 'nx-trunk']);
    expect(trunks.map((t) => t['Name'])).toEqual(['nx-trunk']);
    expect(trunk).toMatchObject({ port_id: portId('nx-parent'), status: 'DOWN', description: 'two VLANs' });
    expect(
      (trunk['sub_ports'] as Row[])
        .map((s) => [s['port_id'], s['segmentation_type'], s['segmentation_id']])
        .sort((a, b) => Number(a[2]) - Number(b[2])),
    ).toEqual([
      [portId('nx-sub-101'), 'vlan', 101],
      [portId('nx-sub-102'), 'vlan', 102],
    ]);
    const fip = fips.find((f) => f['Description'] === 'nx forwardings');
    expect(fip).toBeDefined();
    const pfs = await osJson<Row[]>('dst2', ['floating', 'ip', 'port', 'forwarding', 'list', String(fip!['ID'])]);
    expect(
      pfs
        .map((p) => [
          p['Protocol'],
          p['External Port'],
          p['Internal Port ID'],
          p['Internal IP Address'],
          p['Internal Port'],
        ])
        .sort(),
    ).toEqual([
      ['tcp', 2222, portId('nx-web'), '10.60.0.20', 22],
      ['udp', 5353, portId('nx-web'), '10.60.0.20', 53],
    ]);
    const group = groups.find((g) => g['Name'] === 'nx-office');
    expect(
      String(group?.['Addresses'])
        .split(/,\s*|\n/)
        .filter(Boolean)
        .sort(),
    ).toEqual(['192.0.2.0/28', '198.51.100.7/32']);
    const rules = await osJson<Row[]>('dst2', ['security', 'group', 'rule', 'list', 'nx-ssh', '--long']);
    expect(rules.filter((r) => r['Remote Address Group'] === group?.['ID'])).toHaveLength(1);
    // The shared policy of the admin is bound, not copied: the one policy of that name is the admin's.
    const policies = (await osJson<Row[]>('admin', ['network', 'qos', 'policy', 'list'])).filter(
      (p) => p['Name'] === 'nx-qos',
    );
    expect(policies).toHaveLength(1);
    const policy = String(policies[0]!['ID']);
    expect((await osJson<Row>('dst2', ['port', 'show', 'nx-web']))['qos_policy_id']).toBe(policy);
    expect(networks.some((n) => n['Name'] === 'nx-net')).toBe(true);
    expect((await osJson<Row>('dst2', ['network', 'show', 'nx-net']))['qos_policy_id']).toBe(policy);
  }, 600_000);

  it('audits clean against the plan, and applies again with nothing to change', async (ctx) => {
    if (absent || !plan) return ctx.skip(absent ?? 'the export failed');
    const audit = await bascule([
      'audit',
      '--plan',
      d('plan.json'),
      '--to',
      'dst2',
      '--journal',
      d('j.jsonl'),
      '--format',
      'json',
    ]);
    const report = JSON.parse(audit.stdout) as AuditReport;
    // dst2 may hold what other files left; what this plan made must match exactly.
    expect(report.differences.filter((x) => x.type !== 'expected-lossy' && x.type !== 'extra')).toEqual([]);
    expect(report.differences.filter((x) => x.type === 'extra' && OURS.includes(x.kind))).toEqual([]);
    const again = await bascule(['apply', d('plan.json'), '--to', 'dst2', '--journal', d('j2.jsonl'), '--yes']);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('Nothing to change');
  }, 600_000);

  it('rolls back: nothing of Bascule’s left on dst2, the admin’s shared policy kept', async (ctx) => {
    if (absent || !plan) return ctx.skip(absent ?? 'the export failed');
    const run = await bascule(['rollback', '--journal', d('j.jsonl'), '--os-cloud', 'dst2', '--yes']);
    expect(run.code, run.out).toBe(0);
    const { trunks, groups, fips, ports, networks } = await dst2();
    expect(trunks).toEqual([]);
    expect(groups.filter((g) => String(g['Name']).startsWith('nx-'))).toEqual([]);
    expect(fips.filter((f) => f['Description'] === 'nx forwardings')).toEqual([]);
    expect(ports.filter((p) => String(p['Name']).startsWith('nx-'))).toEqual([]);
    expect(networks.filter((n) => String(n['Name']).startsWith('nx-'))).toEqual([]);
    expect(await osJson<Row>('admin', ['network', 'qos', 'policy', 'show', 'nx-qos'])).toMatchObject({ shared: true });
  }, 600_000);
});
