/**
 * `bascule cleanup --journal J` and `bascule rollback` on what an apply that moves workload data leaves behind, with
 * the CLI as a user runs it, on two simulated clouds:
 * - the clone path of a volume copy (Cinder refuses the forced upload of an in-use volume, so Bascule snapshots it
 *   and uploads a temporary volume made from that snapshot): a real `kill -9` while the clone is being made leaves
 *   the Cinder snapshot and volume on the source; both are journal lines, and rollback or cleanup removes them;
 * - a failed apply (the target refuses the volume made from the copy) leaves temporary images on both clouds:
 *   cleanup removes them and nothing else, a second run is a no-op, a journal that does not exist is exit 2.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { journalState, readJournal } from '../../src/engine/journal.js';
import * as snapshotsApi from '../../src/openstack/block-storage/snapshots/requests.js';
import * as volumesApi from '../../src/openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as servers from '../../src/openstack/compute/servers/requests.js';
import * as images from '../../src/openstack/image/images/requests.js';
import * as networksApi from '../../src/openstack/network/networks/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import { type Simulator } from '../../src/sim/index.js';
import { REPO_ROOT } from '../support/fixtures.js';
import { FAST } from '../transfer/sim-seed.js';
import { twoSimClouds, type TwoSimClouds } from '../support/two-sims.js';

let env: TwoSimClouds;
let sim: Simulator;
let dir: string;
let cloudsYaml: string;
let planPath: string;
let journal: string;
let source: Cloud;
let target: Cloud;

/** The upload action on a volume: Cinder's `os-volume_upload_image`, among the volume actions. */
const VOLUME_ACTION = 'POST /v3/{project_id}/volumes/{id}/action';

beforeEach(async () => {
  env = await twoSimClouds({
    prefix: 'bascule-cleanup-journal-',
    // Cinder snapshots and volumes take a while to be made: a kill lands while the clone is being made.
    sourceDelays: { ...FAST, volumeCreateMs: 1500 },
    shop: {
      images: [{ name: 'base', disk_format: 'raw', data: { size: '256KiB', seed: 'base' } }],
      networks: [{ name: 'net', subnets: [{ name: 'sub', cidr: '10.1.0.0/24' }] }],
      volumes: [{ name: 'data', size: 1 }],
      servers: [{ name: 'app', flavor: 'm1.tiny', image: 'base', networks: [{ network: 'net' }], volumes: ['data'] }],
    },
  });
  ({ sim, source, target } = env);
  dir = env.dir;
  cloudsYaml = env.cloudsYaml;
  journal = join(dir, 'shop.journal.jsonl');
  const plan = await env.exportSource();
  planPath = join(dir, 'shop.plan.json');
  await writeFile(planPath, JSON.stringify(plan, null, 2));
});

afterEach(async () => {
  await env?.stop();
});

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(['--clouds-yaml', cloudsYaml, ...argv], {
    stdout: (s) => out.push(s),
    stderr: (s) => out.push(s),
    isTTY: false,
    signal: new AbortController().signal,
  });
  return { code, out: out.join('') };
}

/** The apply with workload data (servers rebuilt from their image: the volume is the one copy). */
const APPLY = () => [
  'apply',
  planPath,
  '--to',
  'dst',
  '--from',
  'src',
  '--server-disk',
  'base-image',
  '--yes',
  '--journal',
  journal,
];

/** Everything on a cloud by kind, as `kind:name:id`. */
async function inventory(cloud: Cloud): Promise<string[]> {
  const out: string[] = [];
  for (const i of await collect(images.list(cloud.image))) out.push(`image:${i.name}:${i.id}`);
  for (const v of await collect(volumesApi.list(cloud.blockStorage))) out.push(`volume:${v.name}:${v.id}`);
  for (const s of await collect(snapshotsApi.list(cloud.blockStorage))) out.push(`snapshot:${s.name}:${s.id}`);
  for (const s of await collect(servers.list(cloud.compute))) out.push(`server:${s.name}:${s.id}`);
  return out.sort();
}

/** Temporaries (names Bascule gives them) on a cloud. */
const temporaries = async (cloud: Cloud) =>
  (await inventory(cloud)).filter((e) => e.split(':')[1]!.startsWith('bascule-')).map((e) => e.replace(/:[^:]*$/, ''));

function journaled(type: string): boolean {
  if (!existsSync(journal)) return false;
  return readFileSync(journal, 'utf8')
    .split('\n')
    .some((l) => l.includes('"event":"temporary"') && l.includes(`"type":"${type}"`));
}

/**
 * A real `kill -9` of `bascule apply` while the clone of the in-use volume is being made: Cinder refuses the forced
 * upload (enable_force_upload off), so the copy takes the snapshot-and-clone path.
 */
async function killDuringClone(): Promise<void> {
  sim.setFaults('src', [
    {
      kind: 'error',
      status: 400,
      route: VOLUME_ACTION,
      count: 1,
      message: 'Invalid volume: Volume status must be available or in-use, but current status is: in-use.',
    },
  ]);
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(REPO_ROOT, 'test/support/ts-register.mjs'),
      join(REPO_ROOT, 'src/bin.ts'),
      '--clouds-yaml',
      cloudsYaml,
      ...APPLY(),
    ],
    { cwd: REPO_ROOT, env: { ...process.env, OS_CLOUD: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 90_000;
  while (!journaled('volume')) {
    if (Date.now() > deadline) throw new Error(`the apply never journaled its clone volume; stderr: ${stderr}`);
    if (child.exitCode !== null) throw new Error(`the apply ended early (${child.exitCode}); stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  sim.setFaults('src', []);
  // The forced upload was refused (the one fault), and the clone path took over.
  expect(sim.requestLog('src').filter((e) => e.fault !== undefined)).toHaveLength(1);
  // Both temporaries of the clone are on the source, and both are journal lines.
  const left = await temporaries(source);
  expect(left).toEqual(['snapshot:bascule-volume-data-snap', 'volume:bascule-volume-data-clone']);
  const state = journalState(await readJournal(journal));
  const lines = [...state.temporaries.values()].map((t) => `${t.side}:${t.type}`).sort();
  expect(lines).toEqual(['source:snapshot', 'source:volume']);
  const ids = new Set([...state.temporaries.values()].map((t) => t.id));
  for (const entry of await inventory(source))
    if (entry.includes(':bascule-')) expect(ids.has(entry.split(':')[2]!), entry).toBe(true);
}

describe('the clone path of a volume copy is journaled', () => {
  it('kill -9 while the clone is made, then bascule cleanup --journal: the Cinder snapshot and volume are removed', async () => {
    const before = (await inventory(source)).filter((e) => !e.includes(':bascule-'));
    await killDuringClone();
    const done = await run(['cleanup', '--journal', journal]);
    expect(done.code, done.out).toBe(0);
    expect(await temporaries(source)).toEqual([]);
    expect(await temporaries(target)).toEqual([]);
    expect((await inventory(source)).filter((e) => !e.includes(':bascule-'))).toEqual(before);
    expect(journalState(await readJournal(journal)).temporaries.size).toBe(0);
  }, 180_000);

  it('kill -9 while the clone is made, then bascule rollback: the Cinder snapshot and volume are removed', async () => {
    await killDuringClone();
    const done = await run(['rollback', '--journal', journal, '--os-cloud', 'dst', '--yes']);
    expect(done.code, done.out).toBe(0);
    expect(await temporaries(source)).toEqual([]);
    expect(await collect(snapshotsApi.list(source.blockStorage))).toEqual([]);
    expect((await collect(volumesApi.list(source.blockStorage))).map((v) => v.name)).toEqual(['data']);
    expect(await collect(volumesApi.list(target.blockStorage))).toEqual([]);
    expect(journalState(await readJournal(journal)).temporaries.size).toBe(0);
  }, 180_000);
});

describe('bascule cleanup --journal J after a failed apply', () => {
  it('removes the temporaries on both clouds and nothing else; a second run is a no-op', async () => {
    // The target refuses the volume made from the copied bytes: the apply fails with a copy on both clouds.
    sim.setFaults('dst', [{ kind: 'error', status: 500, route: 'POST /v3/{project_id}/volumes' }]);
    const failed = await run(APPLY());
    expect(failed.code, failed.out).not.toBe(0);
    sim.setFaults('dst', []);
    expect(await temporaries(source)).toEqual(['image:bascule-volume-data']);
    expect(await temporaries(target)).toEqual(['image:bascule-volume-data']);
    const keep = {
      source: (await inventory(source)).filter((e) => !e.includes(':bascule-')),
      target: (await inventory(target)).filter((e) => !e.includes(':bascule-')),
    };
    // What the failed apply made on the target (its network) is the plan's, not a temporary: cleanup leaves it.
    const networks = (await collect(networksApi.list(target.network))).map((n) => n.id);
    expect(networks.length).toBeGreaterThan(0);

    const preview = await run(['cleanup', '--journal', journal, '--dry-run']);
    expect(preview.code, preview.out).toBe(0);
    expect(await temporaries(source)).toEqual(['image:bascule-volume-data']);

    const done = await run(['cleanup', '--journal', journal]);
    expect(done.code, done.out).toBe(0);
    expect(await temporaries(source)).toEqual([]);
    expect(await temporaries(target)).toEqual([]);
    expect((await inventory(source)).filter((e) => !e.includes(':bascule-'))).toEqual(keep.source);
    expect((await inventory(target)).filter((e) => !e.includes(':bascule-'))).toEqual(keep.target);
    expect((await collect(networksApi.list(target.network))).map((n) => n.id)).toEqual(networks);
    // The source server Bascule stopped stays stopped (no --restart-source): cleanup touches nothing else.
    const app = (await collect(servers.list(source.compute))).find((s) => s.name === 'app')!;
    expect((await servers.get(source.compute, app.id)).status).toBe('SHUTOFF');

    sim.clearLog();
    const again = await run(['--format', 'json', 'cleanup', '--journal', journal]);
    expect(again.code, again.out).toBe(0);
    // Nothing left to remove; it only says again which source server is still stopped.
    expect((JSON.parse(again.out) as { items: { type: string; outcome: string }[] }).items).toEqual([
      expect.objectContaining({ type: 'server', outcome: 'left', id: app.id }),
    ]);
    const writes = (cloud: string) =>
      sim
        .requestLog(cloud)
        .filter((e) => e.method !== 'GET' && !e.route.includes('/auth/tokens'))
        .map((e) => e.route);
    expect(writes('src')).toEqual([]);
    expect(writes('dst')).toEqual([]);
  }, 180_000);

  it('a journal that does not exist is exit 2, with its path, and nothing is sent to any cloud', async () => {
    sim.clearLog();
    const missing = join(dir, 'no-such.journal.jsonl');
    const r = await run(['cleanup', '--journal', missing]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(missing);
    expect(r.out).not.toMatch(/^\s+at /m);
    expect(sim.requestLog()).toEqual([]);
    const empty = join(dir, 'empty.jsonl');
    await writeFile(empty, '');
    const e = await run(['cleanup', '--journal', empty]);
    expect(e.code).toBe(2);
    expect(e.out).toContain(empty);
    expect(sim.requestLog()).toEqual([]);
  });
});
