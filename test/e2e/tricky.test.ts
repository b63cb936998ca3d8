// A tricky project on the real cloud (test/e2e/seed-tricky.sh: unicode and regex metacharacters in names,
// duplicate names, dual stack with SLAAC, several allocation pools, DHCP off, port security off, a security-group
// cycle, static routes, a port with two IPv4 addresses on one subnet, a reserved floating IP, a server booting from a
// volume with a data volume, a stopped server, a volume made from an image deleted since): exported, dry-run,
// applied to bascule-dst2 with its workload data (default options), audited against the plan, rolled back. The
// project is made fresh by the seed (its own project and user, so nothing of bascule-src is touched) and deleted
// at the end.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/diff/report.js';
import { validatePlanFile } from '../../src/plan/io.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { cloudEnv, dataDir, REPO_ROOT, requireCloud } from './support/env.js';
import { osJson } from './support/openstack-cli.js';

const SEED_SCRIPT = join(REPO_ROOT, 'test/e2e/seed-tricky.sh');
const trickyClouds = () => join(dataDir(), 'tricky-clouds.yaml');

function run(
  file: string,
  args: string[],
  timeout = 900_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: cloudEnv(), timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Runs Bascule's CLI from its TypeScript sources with the tricky clouds (tricky, dst2, ...). */
const bascule = (args: string[]) =>
  run(process.execPath, [
    '--import',
    join(REPO_ROOT, 'test/support/ts-register.mjs'),
    join(REPO_ROOT, 'src/bin.ts'),
    '--clouds-yaml',
    trickyClouds(),
    ...args,
  ]);

type Row = Record<string, unknown>;
const dst2 = (...args: string[]): Promise<Row[]> => osJson<Row[]>('dst2', args);

let dir: string;
let planPath: string;
let plan: Plan;
const journal = () => join(dir, 'tricky.journal.jsonl');
const named = (kind: string, name: string): PlanResource[] =>
  plan.resources.filter((r) => r.kind === kind && !r.external && (r.spec as { name?: string }).name === name);

describe('a tricky project on the real cloud: export, dry run, apply, audit, rollback', () => {
  beforeAll(async () => {
    requireCloud();
    const seeded = await run('/bin/bash', [SEED_SCRIPT]);
    expect(seeded.code, `${seeded.stdout}\n${seeded.stderr}`).toBe(0);
    dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-tricky-'));
    planPath = join(dir, 'tricky.plan.json');
  });
  afterAll(async () => {
    if (dir && existsSync(journal())) {
      const undo = await bascule(['rollback', '--journal', journal(), '--os-cloud', 'dst2', '--yes']);
      if (undo.code !== 0) console.warn(`rollback of dst2 failed (exit ${undo.code}):\n${undo.stdout}\n${undo.stderr}`);
    }
    const deleted = await run('/bin/bash', [SEED_SCRIPT, '--delete']);
    if (deleted.code !== 0) console.warn(`seed-tricky.sh --delete failed:\n${deleted.stderr}`);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exports every resource, with the tricky parts said as they are', async () => {
    const exported = await bascule(['export', '--os-cloud', 'tricky', '--output', planPath]);
    expect(exported.code, `${exported.stdout}\n${exported.stderr}`).toBe(0);
    plan = (await validatePlanFile(planPath)).plan!;
    for (const [kind, name] of [
      ['security_group', 'web ☃ (prod)'],
      ['security_group', 'db.*[x]+?'],
      ['network', 'net ü.*+?'],
      ['network', 'isolated(no-dhcp)'],
      ['subnet', 'sub4-ü'],
      ['subnet', 'sub6-slaac'],
      ['subnet', 'sub-nodhcp'],
      ['router', 'edge[1]'],
      ['port', 'multi-ip☃'],
      ['port', 'no-sec'],
      ['image', 'img(v1.0)+'],
      ['volume', 'from-gone✂'],
      ['volume', 'boot[bfv]'],
      ['volume', 'data (1)'],
      ['server', 'bfv ☃'],
      ['server', 'stopped.*'],
      ['keypair', 'tricky-key'],
    ])
      expect(named(kind!, name!), `${kind} ${name}`).toHaveLength(1);
    // Duplicate names: two entries each, with keys of their own.
    expect(named('network', 'twin')).toHaveLength(2);
    expect(named('security_group', 'twin')).toHaveLength(2);
    expect(named('subnet', 'twin-sub')).toHaveLength(2);
    // The group cycle: each group's rules refer to the other.
    const web = named('security_group', 'web ☃ (prod)')[0]!.key;
    const db = named('security_group', 'db.*[x]+?')[0]!.key;
    const remoteOf = (group: string) =>
      plan.resources
        .filter((r) => r.kind === 'security_group_rule' && r.refs?.security_group === group)
        .map((r) => r.refs?.remote_group)
        .filter(Boolean);
    expect(remoteOf(web)).toContain(db);
    expect(remoteOf(db)).toContain(web);
    // Two IPv4 addresses on one subnet.
    const multi = named('port', 'multi-ip☃')[0]!.spec as { fixed_ips?: { ip_address?: string }[] };
    expect(multi.fixed_ips?.map((f) => f.ip_address).filter((a) => a?.startsWith('10.60.1.'))).toEqual([
      '10.60.1.30',
      '10.60.1.31',
    ]);
    expect(named('server', 'stopped.*')[0]!.spec).toMatchObject({ power_state: 'stopped' });
    // The reserved floating IP: in the plan without a port.
    const fips = plan.resources.filter((r) => r.kind === 'floating_ip');
    expect(fips.some((f) => f.refs?.port === undefined)).toBe(true);
    const router = named('router', 'edge[1]')[0]!.spec as { routes?: unknown[] };
    expect(router.routes).toEqual([{ destination: '10.99.0.0/16', nexthop: '10.60.1.254' }]);
  });

  it('dry run on dst2: nothing blocked or in conflict', async () => {
    const dry = await bascule(['--format', 'json', 'apply', planPath, '--to', 'dst2', '--from', 'tricky', '--dry-run']);
    expect(dry.code, `${dry.stdout}\n${dry.stderr}`).toBe(0);
    const actions = (JSON.parse(dry.stdout) as { changes: { actions: { key: string; action: string }[] } }).changes
      .actions;
    expect(actions.filter((a) => a.action === 'blocked' || a.action === 'conflict')).toEqual([]);
    expect(actions.filter((a) => a.action === 'create' || a.action === 'lossy').length).toBeGreaterThan(20);
  });

  it('applies to dst2 with the workload data (default options)', async () => {
    const applied = await bascule([
      'apply',
      planPath,
      '--to',
      'dst2',
      '--from',
      'tricky',
      '--yes',
      '--journal',
      journal(),
    ]);
    expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);
    const servers = await dst2('server', 'list');
    expect(servers.find((s) => s.Name === 'stopped.*')?.Status).toBe('SHUTOFF');
    expect(servers.find((s) => s.Name === 'bfv ☃')?.Status).toBe('ACTIVE');
    // Duplicate names: two groups named twin, each with its own rule (they collapsed into one before).
    const twins = (await dst2('security', 'group', 'list')).filter((g) => g.Name === 'twin');
    expect(twins).toHaveLength(2);
    const volumes = await dst2('volume', 'list');
    for (const name of ['from-gone✂', 'boot[bfv]', 'data (1)'])
      expect(
        volumes.find((v) => v.Name === name),
        name,
      ).toBeDefined();
  });

  it('audits clean against the plan (only declared-lossy fields differ)', async () => {
    const audited = await bascule([
      '--format',
      'json',
      'audit',
      '--plan',
      planPath,
      '--to',
      'dst2',
      '--journal',
      journal(),
    ]);
    const report = JSON.parse(audited.stdout) as AuditReport;
    expect(report.differences.filter((d) => d.type !== 'expected-lossy')).toEqual([]);
    expect(audited.code, audited.stderr).toBe(0);
    expect(report.summary.missing + report.summary.extra).toBe(0);
  });

  it('rolls back: nothing of the plan is left on dst2', async () => {
    const undo = await bascule(['rollback', '--journal', journal(), '--os-cloud', 'dst2', '--yes']);
    expect(undo.code, `${undo.stdout}\n${undo.stderr}`).toBe(0);
    const names = new Set(
      plan.resources
        .filter((r) => !r.external && r.kind !== 'security_group_rule' && r.kind !== 'quota')
        .map((r) => (r.spec as { name?: string }).name)
        .filter((n): n is string => !!n && n !== 'default'),
    );
    for (const args of [
      ['server', 'list'],
      ['volume', 'list'],
      ['port', 'list'],
      ['network', 'list'],
      ['router', 'list'],
      ['security', 'group', 'list'],
      ['image', 'list', '--private'],
    ])
      expect(
        (await dst2(...args)).filter((r) => names.has(String(r.Name))),
        args.join(' '),
      ).toEqual([]);
    await rm(journal());
  });
});
