// Source-side state is journaled, and cleaned: a kill (crash hook) in the middle of an apply that moves data leaves
// its source server stopped and temporaries on both clouds, every one of them a journal line. A resume with
// --restart-source starts the server again and removes them; `bascule cleanup` and rollback remove them too;
// an export of the source never takes them for the project's images; another plan's kept copies are not swept.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, SimulatedCrash } from '../../src/engine/apply.js';
import { cleanupWorkload } from '../../src/engine/cleanup.js';
import type { EngineDeps, MutationHooks } from '../../src/engine/context.js';
import { journalState, readJournal } from '../../src/engine/journal.js';
import { rollback } from '../../src/engine/rollback.js';
import { exportProject } from '../../src/export/export.js';
import type { WriteContext } from '../../src/kinds/kind.js';
import { readerFor, writerFor } from '../../src/kinds/registry.js';
import { createWorkload, parseServerDisk } from '../../src/kinds/shared/workload.js';
import * as snapshotsApi from '../../src/openstack/block-storage/snapshots/requests.js';
import * as volumesApi from '../../src/openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as servers from '../../src/openstack/compute/servers/requests.js';
import * as images from '../../src/openstack/image/images/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import type { Plan } from '../../src/plan/types.js';
import { silentLogger } from '../../src/shared/logger.js';
import { WorkloadMover } from '../../src/transfer/index.js';
import { twoSimClouds, type TwoSimClouds } from '../support/two-sims.js';

let env: TwoSimClouds;
let work: string;
let source: Cloud;
let target: Cloud;
let plan: Plan;
const signal = new AbortController().signal;

beforeEach(async () => {
  env = await twoSimClouds({
    prefix: 'bascule-workload-journal-',
    shop: {
      images: [{ name: 'base', disk_format: 'qcow2', data: { size: '256KiB', seed: 'base' } }],
      networks: [{ name: 'net', subnets: [{ name: 'sub', cidr: '10.1.0.0/24' }] }],
      volumes: [{ name: 'data', size: 1 }],
      servers: [{ name: 'app', flavor: 'm1.tiny', image: 'base', networks: [{ network: 'net' }], volumes: ['data'] }],
    },
  });
  ({ source, target } = env);
  work = env.dir;
  plan = await env.exportSource();
});

afterEach(async () => {
  await env?.stop();
});

async function deps(
  options: { restartSource?: boolean; keepTemporary?: boolean; hooks?: MutationHooks; plan?: Plan } = {},
): Promise<EngineDeps> {
  const mover = new WorkloadMover(source, target, {
    consistency: 'stop',
    restartSource: options.restartSource ?? false,
    transferConcurrency: 2,
  });
  const ctx: WriteContext = {
    cloud: target,
    projectId: target.projectId,
    signal,
    logger: silentLogger,
    extensions: await target.networkExtensions(),
    source: { cloud: source, projectId: source.projectId },
    workload: createWorkload(options.plan ?? plan, mover, {
      serverDisk: parseServerDisk([]),
      keepTemporary: options.keepTemporary ?? false,
    }),
  };
  return { target: ctx, writerFor, readerFor, concurrency: 4, ...(options.hooks ? { hooks: options.hooks } : {}) };
}

/** A kill right after the volume's bytes were copied (its create returned): the server stopped, temporaries made. */
const killAfterVolume: MutationHooks = {
  afterCall: ({ key, op }) => {
    if (op === 'create' && key.startsWith('volume:')) throw new SimulatedCrash();
  },
};

const sourceServerId = () => plan.resources.find((e) => e.kind === 'server')!.source!.id;
const status = async () => (await servers.get(source.compute, sourceServerId())).status;
async function temporaries(): Promise<string[]> {
  const out: string[] = [];
  for (const [side, cloud] of [
    ['source', source],
    ['target', target],
  ] as const)
    for (const image of await collect(images.list(cloud.image)))
      if ((image.name ?? '').startsWith('bascule-')) out.push(`${side}:${image.name}`);
  return out.sort();
}

async function crashed(file: string): Promise<void> {
  const partial = await applyPlan(plan, await deps({ hooks: killAfterVolume }), { journalPath: file });
  expect(partial.ok).toBe(false);
  expect(await status()).toBe('SHUTOFF');
  const state = journalState(await readJournal(file));
  expect([...state.stopped.keys()]).toEqual([sourceServerId()]);
  // Every temporary left on either cloud is a journal line.
  const lines = [...state.temporaries.values()].map((t) => `${t.side}:${t.type}:${t.id}`);
  const left = await temporaries();
  expect(left).toEqual(['source:bascule-volume-data', 'target:bascule-volume-data']);
  expect(lines).toHaveLength(2);
}

describe('workload state in the journal', () => {
  it('a kill, then --resume --restart-source: the source server runs again, no temporary left, summary says so', async () => {
    const file = join(work, 'j.jsonl');
    await crashed(file);
    // An export of the source now does not take the temporaries for the project's images.
    const exported = await exportProject(source, {
      dependencies: true,
      includeUserData: false,
      allowPartial: false,
      signal,
      logger: silentLogger,
    });
    const names = exported.plan.resources
      .filter((e) => e.kind === 'image')
      .map((e) => (e.spec as { name: string }).name);
    expect(names).toEqual(['base']);
    // Not dropped silently: the export says what it left out and why.
    expect(exported.warnings.filter((w) => w.code === 'TEMPORARY_LEFT_OUT').map((w) => w.resource)).toEqual([
      'bascule-volume-data',
    ]);

    const resumed = await applyPlan(plan, await deps({ restartSource: true }), { journalPath: file, resume: true });
    expect(resumed.ok).toBe(true);
    expect(await status()).toBe('ACTIVE');
    expect(await temporaries()).toEqual([]);
    expect(resumed.workload).toMatchObject({
      source_stopped: [sourceServerId()],
      source_restarted: [sourceServerId()],
      source_still_stopped: [],
      temporaries_left: 0,
    });
    expect(resumed.workload!.bytes_moved).toBeGreaterThan(0);
    const state = journalState(await readJournal(file));
    expect(state.stopped.size).toBe(0);
    expect(state.temporaries.size).toBe(0);
  }, 120_000);

  it('a kill, then bascule cleanup (dry run first) removes every temporary on both clouds, and restarts on request', async () => {
    const file = join(work, 'j.jsonl');
    await crashed(file);
    const clouds = { source, target };
    const preview = await cleanupWorkload(clouds, { journalPath: file, dryRun: true });
    expect(preview.items.map((i) => i.outcome).sort()).toEqual(['left', 'would remove', 'would remove']);
    expect(await temporaries()).toHaveLength(2);
    const done = await cleanupWorkload(clouds, { journalPath: file, restartSource: true });
    expect(done.ok).toBe(true);
    expect(done.items.map((i) => i.outcome).sort()).toEqual(['removed', 'removed', 'restarted']);
    expect(await temporaries()).toEqual([]);
    expect(await status()).toBe('ACTIVE');
    // Run again: nothing left to do.
    const again = await cleanupWorkload(clouds, { journalPath: file });
    expect(again.items).toEqual([]);
  }, 120_000);

  it('a kill, then rollback: the target as it was, no temporary on either cloud, the source server running', async () => {
    const file = join(work, 'j.jsonl');
    await crashed(file);
    const undone = await rollback(await deps(), { journalPath: file });
    expect(undone.ok).toBe(true);
    expect(undone.workload?.items.map((i) => i.outcome).sort()).toEqual(['removed', 'removed', 'restarted']);
    expect(await temporaries()).toEqual([]);
    expect(await status()).toBe('ACTIVE');
    expect(await collect(volumesApi.list(target.blockStorage))).toEqual([]);
    expect(await collect(snapshotsApi.list(source.blockStorage))).toEqual([]);
  }, 120_000);

  it('--keep-temporary copies of one plan are not swept by a successful run of another plan', async () => {
    const kept = await applyPlan(plan, await deps({ keepTemporary: true, restartSource: true }), {
      journalPath: join(work, 'a.jsonl'),
    });
    expect(kept.ok).toBe(true);
    const before = await temporaries();
    expect(before.length).toBeGreaterThan(0);
    // Another plan of the same project (only its network), applied to the same target.
    const other: Plan = {
      ...plan,
      resources: plan.resources.filter((e) => e.kind === 'network' || e.kind === 'subnet' || e.external),
    };
    const second = await applyPlan(other, await deps({ plan: other }), { journalPath: join(work, 'b.jsonl') });
    expect(second.ok).toBe(true);
    expect(await temporaries()).toEqual(before);
  }, 120_000);
});
