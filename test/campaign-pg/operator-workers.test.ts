// The operator steps of a campaign run by workers (--store): before, such a campaign was refused (exit 2). Now the
// steps are a job of their own ("operator"), journaled in the store: `batch plan --store` has the workers plan them
// (operator.json kept in the database, nothing created), `batch run --store` has them make them (the project created,
// its quotas and role grants) before the gate, and `batch rollback --store` undoes all of it, the apply's journal
// (rows) included: before, a rollback with --store looked for a journal file and rolled nothing back.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { REPO_ROOT } from '../support/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { cli, startCampaignClouds, writeCampaign, type SimCampaign } from '../campaign/sim-campaign.js';

let c: SimCampaign;
let db: TestDatabase;
let sql: pg.Pool;
let worker: { child: ChildProcess; lines: string[]; exited: Promise<void> } | undefined;

const identity = () => c.sim.identityState('dst');
const projectNamed = (name: string) => identity().projects.find((p) => p.name === name);

beforeAll(async () => {
  db = await createTestDatabase('operator');
  c = await startCampaignClouds(2, {
    source: {
      users: [{ name: 'alice', password: 'alice-pw' }],
      role_assignments: [{ user: 'alice', project: 'p01', role: 'reader' }],
      quotas: [{ project: 'p01', compute: { instances: 7, cores: 12 } }],
    },
    target: { users: [{ name: 'alice', password: 'alice-pw2' }] },
  });
  sql = new pg.Pool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
  await worker?.exited;
  await sql?.end();
  await c?.stop();
  await db?.drop();
});

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not in ${ms / 1000} s\n${worker?.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('operator steps run by bascule worker', () => {
  it('plans, makes and rolls back the target project, its quotas and grants, journaled in the store', async () => {
    const file = writeCampaign(c.dir, ['p01', 'p02'], 1, { name: 'operator-campaign' }, 'campaign.yaml', {
      p01: {
        target: { project: 'p01-new' },
        operator: {
          cloud: 'dst-admin',
          source_cloud: 'src-admin',
          create_project: { description: 'moved by workers' },
          quotas: { from_source: true, compute: { cores: 40 } },
          roles: true,
        },
      },
    });
    const store = ['--store', db.url];
    const status = async () =>
      JSON.parse((await cli(c.cloudsYaml, ['--format', 'json', 'batch', 'status', file, ...store])).out) as {
        totals: Record<string, number>;
      };

    const planned = await cli(c.cloudsYaml, ['batch', 'plan', file, ...store]);
    expect(planned.code, planned.err).toBe(0);
    const child = spawn(
      process.execPath,
      [
        '--import',
        join(REPO_ROOT, 'test/support/ts-register.mjs'),
        join(REPO_ROOT, 'src/bin.ts'),
        '--clouds-yaml',
        c.cloudsYaml,
        'worker',
        '--poll-seconds',
        '0.3',
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, OS_CLOUD: '', BASCULE_STORE: db.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
    worker = { child, lines, exited: new Promise((resolve) => child.on('exit', () => resolve())) };

    // The plan: the operator steps' dry run, kept in the store; nothing created.
    await until('both projects reviewable', async () => (await status()).totals.reviewable === 2);
    expect(projectNamed('p01-new')).toBeUndefined();
    const { rows: plans } = await sql.query<{ body: string }>(
      `SELECT body FROM bascule.artifacts WHERE project = 'p01' AND name = 'operator.json'`,
    );
    expect(JSON.parse(plans[0]!.body).project.action).toBe('create');
    expect(lines.join('\n')).toContain('p01: would create project Default/p01-new');

    // The run: the operator job makes the steps before the gate, then the project is moved and audited clean.
    const ran = await cli(c.cloudsYaml, ['batch', 'run', file, ...store]);
    expect(ran.code, ran.err).toBe(0);
    await until('both projects done', async () => {
      const t = (await status()).totals;
      if (t.failed! > 0) throw new Error(`failed: ${JSON.stringify(t)}\n${lines.join('\n')}`);
      return t.done === 2;
    });
    expect(lines.some((l) => / done operator-campaign\/2\/p01\/operator$/.test(l))).toBe(true);
    const created = projectNamed('p01-new')!;
    expect(created.tags).toContain('bascule-created');
    const pid = String(created.id);
    expect(c.sim.regionState('dst').quotas.get(pid, 'compute')).toMatchObject({ cores: 40, instances: 7 });
    const alice = identity().users.find((u) => u.name === 'alice')!;
    expect(identity().roleNames(identity().rolesOn(String(alice.id), pid))).toContain('reader');
    expect(
      c.sim
        .regionState('dst')
        .servers.all()
        .filter((s) => s.tenant_id === pid),
    ).toHaveLength(1);
    // The operator journal is in the store, not on the worker's disk only.
    const { rows: journal } = await sql.query<{ body: string }>(
      `SELECT body FROM bascule.artifacts WHERE project = 'p01' AND name = 'operator.jsonl'`,
    );
    expect(journal[0]!.body).toContain('"op":"project.created"');
    const report = await cli(c.cloudsYaml, ['batch', 'report', file, ...store]);
    expect(report.code, report.err).toBe(0);
    const totals = JSON.parse(readFileSync(join(c.dir, 'report.json'), 'utf8')).totals;
    expect(totals).toMatchObject({ done: 2, failed: 0, audits_clean: 2 });

    // The rollback, from any host: what the apply made (journal rows), then the grants, quotas and the project.
    const back = await cli(c.cloudsYaml, ['batch', 'rollback', file, ...store, '--project', 'p01', '--yes']);
    expect(back.code, back.err + back.out).toBe(0);
    expect(
      c.sim
        .regionState('dst')
        .servers.all()
        .filter((s) => s.tenant_id === pid),
    ).toHaveLength(0);
    expect(projectNamed('p01-new')).toBeUndefined();
    const { rows: left } = await sql.query(`SELECT 1 FROM bascule.journal WHERE project = 'p01'`);
    expect(left).toHaveLength(0);

    child.kill('SIGTERM');
    await worker.exited;
  }, 300_000);
});
