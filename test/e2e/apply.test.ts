// `bascule apply` and `bascule rollback` against the real OpenStack: export the seeded source project, dry run on
// dst (actions asserted, nothing changed), apply the WHOLE project with default options (server disks copied by
// snapshot, the data volume copied, the image-backed server with its attached volume, tags, metadata and server
// group), check every resource with the `openstack` CLI, apply again (nothing to change), roll back (dst as it was:
// what existed before is still there, nothing of the plan remains). A default apply stops the source servers for a
// consistent copy and leaves them stopped (no --restart-source): afterAll starts them again for the next files.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePlanFile } from '../../src/plan/io.js';
import type { Plan } from '../../src/plan/types.js';
import { bascule } from './support/bascule.js';
import { requireCloud } from './support/env.js';
import { cliProperties, osJson, osRun } from './support/openstack-cli.js';
import { SEED, seedOnce } from './support/seed.js';

type Row = Record<string, unknown>;
const dst = (...args: string[]): Promise<Row[]> => osJson<Row[]>('dst', args);

const KINDS = [
  ['network', 'list'],
  ['subnet', 'list'],
  ['port', 'list'],
  ['router', 'list'],
  ['security', 'group', 'list'],
  ['security', 'group', 'rule', 'list'],
  ['server', 'list'],
  ['volume', 'list'],
  ['image', 'list', '--private'],
  ['keypair', 'list'],
  ['server', 'group', 'list'],
  ['floating', 'ip', 'list'],
] as const;

async function snapshot(): Promise<Record<string, Set<string>>> {
  const out: Record<string, Set<string>> = {};
  for (const args of KINDS) out[args.join(' ')] = new Set((await dst(...args)).map((r) => String(r.ID ?? r.Name)));
  return out;
}

let dir: string;
let planPath: string;
let plan: Plan;
let before: Record<string, Set<string>>;
const journal = () => join(dir, 'plan.journal.jsonl');
/** Default options: only the source cloud, so that disks and volumes are copied (snapshot strategy). */
const workload = () => ['--from', 'src'];
const seedServers = Object.values(SEED.servers).map((s) => s.name);

/** Start the seeded source servers a default apply left SHUTOFF, and wait until they are ACTIVE. */
async function startSourceServers(): Promise<void> {
  for (const name of seedServers) {
    const status = await osRun('src', ['server', 'show', name, '-f', 'value', '-c', 'status']).catch(() => '');
    if (status.trim() === 'SHUTOFF') await osRun('src', ['server', 'start', name]).catch(() => undefined);
  }
  for (let t0 = Date.now(); Date.now() - t0 < 180_000;) {
    const rows = await osJson<Row[]>('src', ['server', 'list']);
    if (seedServers.every((n) => rows.find((r) => r.Name === n)?.Status === 'ACTIVE')) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

describe('bascule apply on the real cloud', () => {
  beforeAll(async () => {
    requireCloud();
    await seedOnce();
    dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-apply-'));
    planPath = join(dir, 'plan.json');
    // Only the seeded project (other suites leave their own resources in src).
    const run = await bascule(['export', '--os-cloud', 'src', '--select', 'seed-*', '--output', planPath]);
    expect(run.code, run.stderr).toBe(0);
    plan = (await validatePlanFile(planPath)).plan!;
    // the whole seed is in the plan: the data volume and the server it is attached to included
    expect(plan.resources.map((r) => r.key)).toEqual(
      expect.arrayContaining([
        `volume:${SEED.volumes.data.name}`,
        `server:${SEED.servers.fromImage.name}`,
        `server:${SEED.servers.fromVolume.name}`,
      ]),
    );
    before = await snapshot();
  });
  afterAll(async () => {
    // Leave dst clean even when a step failed.
    if (dir) {
      await bascule(['rollback', '--journal', journal(), '--os-cloud', 'dst', '--yes']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    // the default apply stopped the source servers: the next e2e files seed and wait on them
    await startSourceServers();
  });

  it('dry run: one action per entry, nothing blocked with --from, and no change on dst', async () => {
    const run = await bascule(['--format', 'json', 'apply', planPath, '--to', 'dst', ...workload(), '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    const actions = (JSON.parse(run.stdout) as { changes: { actions: { key: string; action: string }[] } }).changes
      .actions;
    expect(actions).toHaveLength(plan.resources.length);
    const of = (key: string) => actions.find((a) => a.key === key)?.action;
    expect(of(`network:${SEED.networks.app.name}`)).toBe('create');
    expect(of(`security_group:${SEED.securityGroups.web.name}`)).toBe('create');
    expect(of(`keypair:${SEED.keypair}`)).toBe('create');
    expect(of('network:public')).toBe('no-op');
    expect(actions.filter((a) => a.action === 'blocked' || a.action === 'conflict')).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('applies the plan; the openstack CLI sees every resource', async () => {
    const run = await bascule(['apply', planPath, '--to', 'dst', ...workload(), '--yes', '--journal', journal()]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const names = (rows: Row[]) => rows.map((r) => String(r.Name));
    for (const net of Object.values(SEED.networks)) expect(names(await dst('network', 'list'))).toContain(net.name);
    const groups = await dst('security', 'group', 'list');
    for (const g of Object.values(SEED.securityGroups)) {
      const group = groups.find((x) => x.Name === g.name);
      expect(group, g.name).toBeDefined();
      const rules = await dst('security', 'group', 'rule', 'list', String(group!.ID), '--ingress');
      expect(rules.length).toBe(g.rules.length);
    }
    expect(names(await dst('keypair', 'list'))).toContain(SEED.keypair);
    const servers = await dst('server', 'list');
    for (const entry of plan.resources.filter((r) => r.kind === 'server')) {
      const server = servers.find((s) => s.Name === (entry.spec as { name: string }).name);
      expect(server, entry.key).toBeDefined();
      const wanted = (entry.spec as { power_state?: string }).power_state === 'stopped' ? 'SHUTOFF' : 'ACTIVE';
      expect(server!.Status).toBe(wanted);
    }
    // the image-backed server: its data volume attached, its tags (Bascule's marker tag aside), metadata and group
    const vm = SEED.servers.fromImage;
    const shown = await osJson<Row>('dst', ['server', 'show', vm.name], { computeApiVersion: '2.52' });
    const tags = (Array.isArray(shown.tags) ? shown.tags : String(shown.tags ?? '').split(/,\s*/)).map(String);
    expect(tags.filter((t) => t && !t.startsWith('bascule:')).sort()).toEqual([...vm.tags].sort());
    const metadata = cliProperties(shown.properties ?? shown.metadata);
    for (const [k, v] of Object.entries(vm.metadata)) expect(metadata[k], `metadata ${k}`).toBe(v);
    const dataVolume = (await dst('volume', 'list')).find((v) => v.Name === SEED.volumes.data.name);
    expect(dataVolume, SEED.volumes.data.name).toBeDefined();
    expect(JSON.stringify(shown.volumes_attached ?? '')).toContain(String(dataVolume!.ID));
    expect(String(dataVolume!.Status)).toBe('in-use');
    const group = await osJson<Row>('dst', ['server', 'group', 'show', vm.group]);
    expect(JSON.stringify(group.members ?? group.Members ?? '')).toContain(String(shown.id));
    const routers = plan.resources.filter((r) => r.kind === 'router').map((r) => (r.spec as { name: string }).name);
    for (const name of routers) expect(names(await dst('router', 'list'))).toContain(name);
    const volumes = plan.resources.filter((r) => r.kind === 'volume').map((r) => (r.spec as { name: string }).name);
    for (const name of volumes) expect(names(await dst('volume', 'list'))).toContain(name);
    const fips = await dst('floating', 'ip', 'list');
    expect(fips.filter((f) => f.Port !== null && f.Port !== '').length).toBe(
      plan.resources.filter((r) => r.kind === 'floating_ip').length,
    );
  });

  it('a second apply changes nothing', async () => {
    const run = await bascule([
      'apply',
      planPath,
      '--to',
      'dst',
      ...workload(),
      '--yes',
      '--journal',
      join(dir, 'second.jsonl'),
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('Nothing to change');
  });

  it('rollback leaves dst as it was', async () => {
    const run = await bascule(['rollback', '--journal', journal(), '--os-cloud', 'dst', '--yes']);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const after = await snapshot();
    // Everything that existed before is still there...
    for (const [kind, ids] of Object.entries(before))
      for (const id of ids) expect(after[kind]!.has(id), `${kind} ${id}`).toBe(true);
    // ...and nothing of the plan is left.
    const planNames = new Set(
      plan.resources
        .filter((r) => !r.external && r.kind !== 'security_group_rule' && r.kind !== 'quota')
        .map((r) => (r.spec as { name?: string }).name)
        .filter((n) => n && n !== 'default'),
    );
    for (const args of KINDS) {
      const left = (await dst(...args)).filter(
        (r) => planNames.has(String(r.Name)) && !before[args.join(' ')]!.has(String(r.ID ?? r.Name)),
      );
      expect(left, args.join(' ')).toEqual([]);
    }
  });
});
