// kill -9 of `bascule apply` on the real OpenStack, default options (disks copied by snapshot, the data volume
// copied), at three deterministic points found in the journal as the apply writes it: during the networks (the first
// network's intent), during a disk copy (a temporary snapshot, image or volume of the workload) and during server
// creation (the server's intent). Each kill is followed by `--resume --restart-source`; the last one finishes. Then:
// the audit of the plan against dst is clean, every entry exists once on dst (0 duplicates), no temporary is left on
// either cloud (0 orphans), and the source servers run again. Before that, a partial apply killed after it touched the
// source is rolled back: dst is as it was and the source as it was (its servers started again, no temporary left).
// The plan is the image-backed seed server and what it uses (--select seed-vm-image: its network, security groups,
// keypair, group, image and its attached data volume), to keep the file's time down; apply.test.ts applies it all.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../src/engine/journal.js';
import { validatePlanFile } from '../../src/plan/io.js';
import type { Plan } from '../../src/plan/types.js';
import { cloudEnv, cloudsFile, REPO_ROOT, requireCloud } from './support/env.js';
import { osJson, osRun } from './support/openstack-cli.js';
import { SEED, seedOnce } from './support/seed.js';

type Row = Record<string, unknown>;
const CLI = () => [
  '--import',
  join(REPO_ROOT, 'test/support/ts-register.mjs'),
  join(REPO_ROOT, 'src/bin.ts'),
  '--clouds-yaml',
  cloudsFile(),
];

function bascule(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI(), ...args],
      { env: cloudEnv(), timeout: 900_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Runs `bascule apply ARGS` and SIGKILLs it as soon as the journal gets a new line (after what it held at the start)
 * that `when` accepts. Resolves with the line that triggered the kill, or none when the apply ended first.
 */
async function applyKilledAt(
  journal: string,
  args: string[],
  when: (record: JournalRecord) => boolean,
): Promise<{ killed?: JournalRecord; code: number | null; output: string }> {
  const start = await stat(journal).then(
    (s) => s.size,
    () => 0,
  );
  const child = spawn(process.execPath, [...CLI(), 'apply', ...args, '--journal', journal], {
    env: cloudEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  let killed: JournalRecord | undefined;
  while (!done && killed === undefined) {
    const text = await readFile(journal, 'utf8').catch(() => '');
    for (const line of text.slice(start).split('\n')) {
      if (!line.trim()) continue;
      let record: JournalRecord;
      try {
        record = JSON.parse(line) as JournalRecord;
      } catch {
        continue; // a line being written
      }
      if (when(record)) {
        killed = record;
        child.kill('SIGKILL');
        break;
      }
    }
    if (killed === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  const code = await exited;
  return { ...(killed ? { killed } : {}), code, output };
}

const LISTS = [
  ['network', 'list'],
  ['subnet', 'list'],
  ['port', 'list'],
  ['security', 'group', 'list'],
  ['server', 'list'],
  ['volume', 'list'],
  ['volume', 'snapshot', 'list'],
  ['image', 'list', '--private'],
  ['keypair', 'list'],
  ['server', 'group', 'list'],
] as const;

type Snapshot = Record<string, Row[]>;
async function snapshot(cloud: 'src' | 'dst'): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const args of LISTS) out[args.join(' ')] = await osJson<Row[]>(cloud, [...args]);
  return out;
}
const ids = (s: Snapshot) =>
  Object.fromEntries(Object.entries(s).map(([k, rows]) => [k, rows.map((r) => String(r.ID ?? r.Name)).sort()]));
/** Bascule's temporaries (bascule-snapshot-*, bascule-disk-*, bascule-volume-*, their -snap and -clone). */
const temporaries = (s: Snapshot) =>
  Object.values(s)
    .flat()
    .map((r) => String(r.Name ?? ''))
    .filter((n) => n.startsWith('bascule-'));

const seedServers: string[] = Object.values(SEED.servers).map((s) => s.name);
async function sourceServers(): Promise<Record<string, string>> {
  const rows = await osJson<Row[]>('src', ['server', 'list']);
  return Object.fromEntries(rows.filter((r) => seedServers.includes(String(r.Name))).map((r) => [r.Name, r.Status]));
}
/** The seeded source servers' statuses once all are ACTIVE (a restart was just asked for), or after 2 minutes. */
async function settledSourceServers(): Promise<Record<string, string>> {
  let seen = await sourceServers();
  for (let t0 = Date.now(); Date.now() - t0 < 120_000 && !Object.values(seen).every((s) => s === 'ACTIVE');) {
    await new Promise((r) => setTimeout(r, 3000));
    seen = await sourceServers();
  }
  return seen;
}
async function startSourceServers(): Promise<void> {
  const stopped = Object.entries(await sourceServers()).filter(([, s]) => s === 'SHUTOFF');
  if (stopped.length > 0) await osRun('src', ['server', 'start', ...stopped.map(([n]) => n)]).catch(() => undefined);
  for (let t0 = Date.now(); Date.now() - t0 < 180_000;) {
    if (Object.values(await sourceServers()).every((s) => s === 'ACTIVE')) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

let dir: string;
let planPath: string;
let plan: Plan;
let dstBefore: Snapshot;
let srcBefore: Snapshot;
const journal = () => join(dir, 'resume.journal.jsonl');
const partial = () => join(dir, 'partial.journal.jsonl');
const isWorkloadTemporary = (r: JournalRecord) => r.t === 'workload' && r.event === 'temporary';
const times: Record<string, number> = {};

describe('kill -9, resume and rollback on the real cloud (default options)', () => {
  beforeAll(async () => {
    requireCloud();
    await startSourceServers();
    await seedOnce();
    dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-kill-'));
    planPath = join(dir, 'plan.json');
    const run = await bascule([
      'export',
      '--os-cloud',
      'src',
      '--select',
      SEED.servers.fromImage.name,
      '--output',
      planPath,
    ]);
    expect(run.code, run.stderr).toBe(0);
    plan = (await validatePlanFile(planPath)).plan!;
    expect(plan.resources.map((r) => r.key)).toEqual(
      expect.arrayContaining([`server:${SEED.servers.fromImage.name}`, `volume:${SEED.volumes.data.name}`]),
    );
    dstBefore = await snapshot('dst');
    srcBefore = await snapshot('src');
  });
  afterAll(async () => {
    if (dir) {
      for (const j of [journal(), partial()])
        await bascule(['rollback', '--journal', j, '--os-cloud', 'dst', '--yes']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    await startSourceServers();
    console.log(`kill-resume times (s): ${JSON.stringify(times)}`);
  });

  it('rollback after a partial apply (killed during a disk copy): dst as it was, the source as it was', async () => {
    const t0 = Date.now();
    const run = await applyKilledAt(
      partial(),
      [planPath, '--to', 'dst', '--from', 'src', '--yes'],
      isWorkloadTemporary,
    );
    expect(run.killed, `the apply ended before a disk copy began:\n${run.output}`).toBeDefined();
    expect(run.code).toBeNull(); // killed by the signal
    const back = await bascule(['rollback', '--journal', partial(), '--os-cloud', 'dst', '--yes']);
    expect(back.code, `${back.stdout}\n${back.stderr}`).toBe(0);
    expect(ids(await snapshot('dst'))).toEqual(ids(dstBefore));
    const src = await snapshot('src');
    expect(ids(src)).toEqual(ids(srcBefore));
    expect(temporaries(src)).toEqual([]);
    expect(await settledSourceServers()).toEqual(Object.fromEntries(seedServers.map((n) => [n, 'ACTIVE'])));
    times.partialAndRollback = Math.round((Date.now() - t0) / 1000);
  });

  it('killed during networks, a disk copy and server creation, then resumed: dst equals the plan', async () => {
    const t0 = Date.now();
    const first = [planPath, '--to', 'dst', '--from', 'src', '--yes'];
    const resume = [...first, '--resume', '--restart-source'];
    const points: [string, string[], (r: JournalRecord) => boolean][] = [
      ['networks', first, (r) => r.t === 'intent' && r.kind === 'network' && r.op === 'create'],
      ['disk copy', resume, isWorkloadTemporary],
      ['server creation', resume, (r) => r.t === 'intent' && r.kind === 'server' && r.op === 'create'],
    ];
    for (const [point, args, when] of points) {
      const run = await applyKilledAt(journal(), args, when);
      expect(run.killed, `the apply ended before the kill point "${point}":\n${run.output}`).toBeDefined();
      times[`killed during ${point}`] = Math.round((Date.now() - t0) / 1000);
    }
    const last = await bascule(['apply', ...resume, '--journal', journal()]);
    expect(last.code, `${last.stdout}\n${last.stderr}`).toBe(0);
    times.resumed = Math.round((Date.now() - t0) / 1000);

    // The target equals the plan: the audit is clean.
    const audit = await bascule(['audit', '--plan', planPath, '--to', 'dst', '--journal', journal()]);
    expect(audit.code, `${audit.stdout}\n${audit.stderr}`).toBe(0);
    // 0 duplicates: each entry of the plan is on dst once (by name), whatever existed there before aside.
    const dst = await snapshot('dst');
    const before = ids(dstBefore);
    const kindList: Record<string, string> = {
      network: 'network list',
      subnet: 'subnet list',
      security_group: 'security group list',
      server: 'server list',
      volume: 'volume list',
      image: 'image list --private',
      keypair: 'keypair list',
      server_group: 'server group list',
    };
    for (const entry of plan.resources) {
      const list = kindList[entry.kind];
      const name = (entry.spec as { name?: string }).name;
      if (entry.external || list === undefined || !name || name === 'default') continue;
      const made = dst[list]!.filter((r) => r.Name === name && !before[list]!.includes(String(r.ID ?? r.Name)));
      expect(made.length, `${entry.key} on dst`).toBe(1);
    }
    // 0 orphans: no temporary left on either cloud; the source servers run again (--restart-source).
    expect(temporaries(dst)).toEqual([]);
    expect(temporaries(await snapshot('src'))).toEqual([]);
    expect(await settledSourceServers()).toEqual(Object.fromEntries(seedServers.map((n) => [n, 'ACTIVE'])));
    times.checked = Math.round((Date.now() - t0) / 1000);
  });
});
