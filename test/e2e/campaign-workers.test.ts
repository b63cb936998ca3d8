// A campaign of two small projects on the real OpenStack, queued in the test PostgreSQL with `batch run --store`
// and run by two `bascule worker` processes (each reads the e2e clouds.yaml itself; the database holds no
// credential). Two source projects and their two target projects are made here with admin (a network, a subnet
// and a security group with a rule on each source); both end done and audited clean, each worker ran jobs, the
// report is complete, and the database password appears in no output. Everything made here is removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as projects from '../../src/openstack/identity/projects.js';
import * as roles from '../../src/openstack/identity/roles.js';
import * as users from '../../src/openstack/identity/users.js';
import { collect } from '../../src/openstack/pagination.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import {
  cli,
  openCloud,
  projectByName,
  removeTestProject,
  seedSourceProject,
  writeCampaign,
} from './support/campaign.js';
import { cloudsFile, REPO_ROOT, requireCloud } from './support/env.js';

const PREFIX = 'bascule-e2e-wk';
const SOURCES = [`${PREFIX}-a`, `${PREFIX}-b`];
const TARGETS = SOURCES.map((s) => `${s}-new`);

let admin: Cloud;
let dir: string;
let file: string;
let db: TestDatabase;
const workers: { child: ChildProcess; lines: string[]; exited: Promise<void> }[] = [];

const byName = (name: string) => projectByName(admin, name);

/** Removes a project this test made, with its networks and security groups. */
const removeProject = (name: string) => removeTestProject(admin, PREFIX, name);

function startWorker(): (typeof workers)[number] {
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(REPO_ROOT, 'test/support/ts-register.mjs'),
      join(REPO_ROOT, 'src/bin.ts'),
      '--clouds-yaml',
      cloudsFile(),
      'worker',
      '--concurrency',
      '1',
      '--poll-seconds',
      '0.3',
      '--grace',
      '10',
    ],
    { cwd: REPO_ROOT, env: { ...process.env, OS_CLOUD: '', BASCULE_STORE: db.url }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  const w = { child, lines, exited: new Promise<void>((resolve) => child.on('exit', () => resolve())) };
  workers.push(w);
  return w;
}

beforeAll(async () => {
  requireCloud();
  db = await createTestDatabase('e2e_workers');
  admin = await openCloud('admin');
  for (const name of [...TARGETS, ...SOURCES]) await removeProject(name);
  const [srcUser] = await users.list(admin.identity, { name: 'bascule-src-user', domain_id: 'default' });
  const [dstUser] = await users.list(admin.identity, { name: 'bascule-dst-user', domain_id: 'default' });
  const [memberRole] = await roles.list(admin.identity, { name: 'member' });
  for (const [i, name] of SOURCES.entries()) {
    const p = await projects.create(admin.identity, { name, domain_id: 'default', description: `e2e ${name}` });
    await roles.grant(admin.identity, { projectId: p.id, userId: srcUser!.id, roleId: memberRole!.id });
    const t = await projects.create(admin.identity, {
      name: TARGETS[i]!,
      domain_id: 'default',
      description: `e2e ${TARGETS[i]}`,
    });
    await roles.grant(admin.identity, { projectId: t.id, userId: dstUser!.id, roleId: memberRole!.id });
    const src = await openCloud('src', name);
    try {
      await seedSourceProject(src, 'wk', i, 78);
    } finally {
      await src.close();
    }
  }
  dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-wk-'));
  file = join(dir, 'campaign.yaml');
  await writeCampaign(file, {
    name: 'e2e-workers',
    kinds: ['network', 'subnet', 'security_group', 'security_group_rule'],
    sources: SOURCES,
    targets: TARGETS,
  });
});

afterAll(async () => {
  try {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    if (admin) for (const name of [...TARGETS, ...SOURCES]) await removeProject(name);
  } finally {
    await admin?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

describe('a campaign run by two bascule worker processes on the real cloud', () => {
  it('moves both projects, audits them clean, each worker running jobs', async () => {
    const [a, b] = [startWorker(), startWorker()];
    const queued = await cli(['batch', 'run', file, '--store', db.url, '--approve-all', '--lease-seconds', '60']);
    expect(queued.code, queued.err).toBe(0);
    expect(queued.out).toMatch(/2 projects queued/);
    const deadline = Date.now() + 400_000;
    let status: { totals: { done: number; failed: number } } | undefined;
    for (;;) {
      const r = await cli(['--format', 'json', 'batch', 'status', file, '--store', db.url]);
      status = JSON.parse(r.out);
      if (status!.totals.done + status!.totals.failed === 2) break;
      if (Date.now() > deadline) throw new Error(`not done in time: ${r.out}\n${[...a.lines, ...b.lines].join('\n')}`);
      await new Promise((r2) => setTimeout(r2, 1000));
    }
    expect(status!.totals, JSON.stringify(status)).toMatchObject({ done: 2, failed: 0 });
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    for (const w of [a, b]) {
      expect(
        w.lines.some((l) => / done e2e-workers\/1\/p\d\/\S+$/.test(l)),
        w.lines.join('\n'),
      ).toBe(true);
      expect(w.lines.at(-1)).toMatch(/stopped$/);
    }
    for (const [i, name] of TARGETS.entries()) {
      const p = (await byName(name))!;
      const nets = await collect(networks.list(admin.network, { project_id: p.id }));
      expect(nets.map((n) => n.name)).toEqual([`wk-net-${i}`]);
    }
    const report = await cli(['batch', 'report', file, '--store', db.url]);
    expect(report.code, report.err).toBe(0);
    const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    expect(json.totals).toMatchObject({ projects: 2, done: 2, failed: 0, audits_clean: 2 });
    const password = decodeURIComponent(new URL(db.url).password);
    const everything = [queued.out, queued.err, report.out, report.err, ...a.lines, ...b.lines].join('\n');
    expect(everything).not.toContain(password);
  });
});
