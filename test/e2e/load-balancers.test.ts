// Load balancers on the real cloud (Octavia with no-op drivers, test/e2e/openstack/lib/extras.sh): the seed's load
// balancer (test/e2e/seed-lb.sh: listener, pool, two members at the seed's servers, health monitor) is exported
// with what it uses (--kinds with dependencies: its subnet, the servers' ports, their network and groups), dry-run,
// applied to dst2, audited clean against the source, applied again (nothing to change) and rolled back (nothing of
// it left on dst2). Skipped, with the reason, when the cloud's catalog has no load-balancer service.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/diff/report.js';
import type { Plan } from '../../src/plan/types.js';
import { bascule, runScript } from './support/bascule.js';
import { requireCloud } from './support/env.js';
import { osJson, osRun } from './support/openstack-cli.js';
import { seedOnce } from './support/seed.js';

type Row = Record<string, unknown>;

const LB_KINDS = 'load_balancer,listener,pool,member,health_monitor,l7_policy';
let dir: string;
let absent: string | undefined;
let plan: Plan;

describe('load balancers on the real cloud', () => {
  beforeAll(async () => {
    requireCloud();
    try {
      await osRun('src', ['catalog', 'show', 'load-balancer']);
    } catch {
      absent = 'the cloud has no load-balancer service (Octavia)';
      return;
    }
    await seedOnce();
    // The seed's load balancer (test/e2e/seed-lb.sh, idempotent): in front of the seed's servers; removed afterwards.
    await runScript('test/e2e/seed-lb.sh');
    dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-lb-'));
  }, 1_800_000);
  afterAll(async () => {
    // The source goes back as the other files expect it: the seed's load balancer is this file's (seed-lb.sh).
    if (!absent) await osRun('src', ['loadbalancer', 'delete', '--cascade', 'seed-lb']).catch(() => undefined);
    if (dir) {
      // Whatever a failed step left on dst2 goes with the journal's rollback.
      await bascule(['rollback', '--journal', join(dir, 'j.jsonl'), '--os-cloud', 'dst2', '--yes']);
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('exports the seed load balancer with its listener, pool, members and monitor', async (ctx) => {
    if (absent) return ctx.skip(absent);
    // Without floating IPs: the servers' ports would pull in theirs, whose router is not in this plan.
    const run = await bascule([
      'export',
      '--os-cloud',
      'src',
      '--kinds',
      LB_KINDS,
      '--exclude-kinds',
      'floating_ip',
      '-o',
      join(dir, 'plan.json'),
    ]);
    expect(run.code, run.out).toBe(0);
    plan = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Plan;
    const of = (kind: string) => plan.resources.filter((r) => r.kind === kind);
    expect(of('load_balancer').map((r) => r.key)).toEqual(['load_balancer:seed-lb']);
    expect(of('load_balancer')[0]).toMatchObject({
      spec: { name: 'seed-lb', vip_address: '10.20.1.100' },
      refs: { vip_subnet: 'subnet:seed-subnet-app' },
    });
    expect(of('listener')[0]).toMatchObject({
      key: 'listener:seed-lb-http',
      spec: {
        protocol: 'HTTP',
        protocol_port: 80,
        connection_limit: 1000,
        insert_headers: { 'X-Forwarded-For': 'true' },
      },
    });
    expect(of('pool')[0]).toMatchObject({
      spec: { lb_algorithm: 'ROUND_ROBIN', session_persistence: { type: 'HTTP_COOKIE' } },
      refs: { load_balancer: 'load_balancer:seed-lb', listener: 'listener:seed-lb-http' },
    });
    const members = of('member');
    expect(members.map((m) => m.key).sort()).toEqual(['member:seed-lb-vm-image', 'member:seed-lb-vm-volume']);
    // Each member follows its server's port (a plan key), not a bare address.
    for (const m of members) expect(String(m.refs?.port)).toMatch(/^port:/);
    expect(of('health_monitor')[0]).toMatchObject({ spec: { type: 'HTTP', delay: 5, timeout: 3, max_retries: 2 } });
    expect(run.out).not.toMatch(/load balancers \(Octavia\)/);
  }, 600_000);

  it('dry-runs, applies to dst2, audits clean, applies again with nothing to change', async (ctx) => {
    if (absent) return ctx.skip(absent);
    const args = ['apply', join(dir, 'plan.json'), '--from', 'src', '--to', 'dst2'];
    const dry = await bascule([...args, '--dry-run']);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toContain('load_balancer:seed-lb');
    const applied = await bascule([...args, '--journal', join(dir, 'j.jsonl'), '--yes']);
    expect(applied.code, applied.out).toBe(0);
    const lbs = await osJson<Row[]>('dst2', ['loadbalancer', 'list']);
    expect(lbs.map((l) => [l.name, l.provisioning_status, l.vip_address])).toEqual([
      ['seed-lb', 'ACTIVE', '10.20.1.100'],
    ]);
    // The members are at the addresses the servers' ports got on dst2.
    const members = await osJson<Row[]>('dst2', ['loadbalancer', 'member', 'list', 'seed-lb-pool']);
    const ports = await osJson<Row[]>('dst2', ['port', 'list', '--long']);
    const addresses = new Set(
      ports.flatMap((p) => (p['Fixed IP Addresses'] as { ip_address: string }[]).map((a) => a.ip_address)),
    );
    expect(members).toHaveLength(2);
    for (const m of members) expect(addresses.has(String(m.address))).toBe(true);
    const audit = await bascule([
      'audit',
      '--from',
      'src',
      '--to',
      'dst2',
      '--journal',
      join(dir, 'j.jsonl'),
      '--kinds',
      LB_KINDS,
      '--format',
      'json',
    ]);
    expect(audit.code, audit.out).toBe(0);
    const report = JSON.parse(audit.out.slice(audit.out.indexOf('{'))) as AuditReport;
    expect(report.differences.filter((x) => x.type !== 'expected-lossy')).toEqual([]);
    const again = await bascule([...args, '--journal', join(dir, 'j2.jsonl'), '--yes']);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('Nothing to change');
  }, 1_200_000);

  it('rolls back: no load balancer left on dst2', async (ctx) => {
    if (absent) return ctx.skip(absent);
    const run = await bascule(['rollback', '--journal', join(dir, 'j.jsonl'), '--os-cloud', 'dst2', '--yes']);
    expect(run.code, run.out).toBe(0);
    expect(await osJson<Row[]>('dst2', ['loadbalancer', 'list'])).toEqual([]);
  }, 600_000);
});
