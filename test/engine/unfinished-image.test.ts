// An image whose upload a kill cut short stays queued on the target, with Bascule's marker. It can never become what
// the plan says by an update (its checksum and size are not updatable), so the next apply removes that half-made
// image (ours: it carries the marker) and makes it again with its bytes. Before, the resume failed with
// ENGINE_CONFLICT ("differs in checksum, ..., size, which cannot be updated in place"), for ever.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/apply.js';
import type { EngineDeps } from '../../src/engine/context.js';
import { planChanges } from '../../src/engine/dry-run.js';
import type { WriteContext } from '../../src/kinds/kind.js';
import { MARKER_PROPERTY, markerFor } from '../../src/kinds/markers.js';
import { readerFor, writerFor } from '../../src/kinds/registry.js';
import { createWorkload, parseServerDisk } from '../../src/kinds/shared/workload.js';
import type { Cloud } from '../../src/openstack/cloud.js';
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
const signal = new AbortController().signal;

beforeAll(async () => {
  env = await twoSimClouds({
    prefix: 'bascule-unfinished-',
    shop: {
      images: [{ name: 'payload', disk_format: 'raw', container_format: 'bare', data: { size: '300KiB', seed: 'p' } }],
    },
  });
  ({ source, target } = env);
  work = env.dir;
});

afterAll(async () => {
  await env?.stop();
});

function deps(plan: Plan): EngineDeps {
  const mover = new WorkloadMover(source, target, { consistency: 'stop', restartSource: true, transferConcurrency: 2 });
  const ctx: WriteContext = {
    cloud: target,
    projectId: target.projectId,
    signal,
    logger: silentLogger,
    extensions: new Set(),
    source: { cloud: source, projectId: source.projectId },
    workload: createWorkload(plan, mover, { serverDisk: parseServerDisk([]), keepTemporary: false }),
  };
  return { target: ctx, writerFor, readerFor, concurrency: 4 };
}

describe('an image left unfinished by an interrupted upload', () => {
  it('is removed and made again with its bytes, not reported as a conflict', async () => {
    const exported = await env.exportSource();
    const entry = exported.resources.find((e) => e.kind === 'image' && !e.external)!;
    const plan: Plan = { ...exported, resources: [entry] };
    const marker = markerFor(plan.provenance.project.id, entry.key);
    // What a kill during the upload leaves: the record, with its marker, and no data.
    const left = await images.create(target.image, {
      name: 'payload',
      disk_format: 'raw',
      container_format: 'bare',
      [MARKER_PROPERTY]: marker,
    });
    expect(left.status).toBe('queued');

    const changes = await planChanges(plan, deps(plan));
    const action = changes.actions.find((a) => a.key === entry.key)!;
    expect(action).toMatchObject({ action: 'create', targetId: left.id });
    expect(action.reason).toMatch(/interrupted run/);

    const result = await applyPlan(plan, deps(plan), { journalPath: join(work, 'j.jsonl') });
    expect(result.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(result.ok).toBe(true);
    const ours = (await collect(images.list(target.image, { owner: target.projectId }))).filter(
      (i) => i[MARKER_PROPERTY] === marker,
    );
    expect(ours).toHaveLength(1);
    expect(ours[0]!.id).not.toBe(left.id);
    expect(ours[0]!.status).toBe('active');
    expect(ours[0]!.checksum).toBe((entry.spec as { checksum?: string }).checksum);
  });
});
