// Workload data through the whole apply, on two simulated clouds: export the source project, apply the plan on the
// target with a WorkloadMover (servers' disks by snapshot, volumes by upload-to-image), check the bytes on the
// target, and apply again: nothing changes.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/apply.js';
import type { EngineDeps } from '../../src/engine/context.js';
import { exportProject } from '../../src/export/export.js';
import type { WriteContext } from '../../src/kinds/kind.js';
import { readerFor, writerFor } from '../../src/kinds/registry.js';
import { createWorkload, estimateData, parseServerDisk } from '../../src/kinds/shared/workload.js';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as servers from '../../src/openstack/compute/servers/requests.js';
import * as images from '../../src/openstack/image/images/requests.js';
import type { Plan } from '../../src/plan/types.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { Simulator } from '../../src/sim/index.js';
import { WorkloadMover } from '../../src/transfer/index.js';

import { twoSimClouds, type TwoSimClouds } from '../support/two-sims.js';

let env: TwoSimClouds;
let sim: Simulator;
let work: string;
let source: Cloud;
let target: Cloud;
const signal = new AbortController().signal;

beforeAll(async () => {
  env = await twoSimClouds({
    prefix: 'bascule-apply-workload-',
    shop: {
      images: [
        { name: 'base', disk_format: 'qcow2', container_format: 'bare', data: { size: '2MiB', seed: 'base' } },
        {
          name: 'payload',
          disk_format: 'raw',
          container_format: 'bare',
          data: { size: '700KiB', seed: 'payload' },
        },
      ],
      networks: [{ name: 'net', subnets: [{ name: 'sub', cidr: '10.1.0.0/24' }] }],
      volumes: [{ name: 'data', size: 1, image: 'payload' }],
      servers: [{ name: 'app', flavor: 'm1.tiny', image: 'base', networks: [{ network: 'net' }], volumes: ['data'] }],
    },
  });
  ({ sim, source, target } = env);
  work = env.dir;
});

afterAll(async () => {
  await env?.stop();
});

async function fileSha(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function deps(plan: Plan, options: { keepTemporary: boolean }): { deps: EngineDeps; mover: WorkloadMover } {
  const mover = new WorkloadMover(source, target, { consistency: 'stop', restartSource: true, transferConcurrency: 2 });
  const ctx: WriteContext = {
    cloud: target,
    projectId: target.projectId,
    signal,
    logger: silentLogger,
    extensions: new Set(),
    source: { cloud: source, projectId: source.projectId },
    workload: createWorkload(plan, mover, { serverDisk: parseServerDisk([]), keepTemporary: options.keepTemporary }),
  };
  return { deps: { target: ctx, writerFor, readerFor, concurrency: 4 }, mover };
}

describe('apply with workload data (simulator)', () => {
  it('moves the project with its bytes, estimates them in advance, and a second apply changes nothing', async () => {
    const plan = await env.exportSource();
    const server = plan.resources.find((e) => e.kind === 'server')!;
    expect(server.refs?.['volumes']).toHaveLength(1);
    const first = deps(plan, { keepTemporary: true });
    first.deps.target.extensions = await target.networkExtensions();

    const estimate = estimateData(
      plan,
      plan.resources.map((e) => ({ key: e.key, action: e.external ? 'no-op' : 'create' })),
      first.deps.target.workload,
    );
    expect(estimate.items.map((i) => i.what).sort()).toEqual([
      'image bytes',
      'image bytes',
      'server disk (snapshot)',
      'volume bytes',
    ]);
    expect(estimate.bytes).toBe(2 * 1024 * 1024 + 700 * 1024 + 2 * 1024 * 1024 + 1024 ** 3);

    const result = await applyPlan(plan, first.deps, { journalPath: join(work, 'j1.jsonl') });
    expect(result.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(result.ok).toBe(true);

    // The target server boots from a copy of the source disk; its data volume holds the source volume's bytes.
    const srcState = sim.regionState('src');
    const dstState = sim.regionState('dst');
    const targetServerId = result.ids[server.key]!;
    const booted = await servers.get(target.compute, targetServerId);
    expect(booted.status).toBe('ACTIVE');
    const diskImageId = typeof booted.image === 'object' ? booted.image.id : '';
    const base = [...(await collectImages(source))].find((i) => i.name === 'base')!;
    expect(await fileSha(dstState.blobs.path('images', diskImageId))).toBe(
      await fileSha(srcState.blobs.path('images', base.id)),
    );
    const volumeKey = (server.refs!['volumes'] as string[])[0]!;
    const targetVolume = await volumes.get(target.blockStorage, result.ids[volumeKey]!);
    expect(targetVolume.status).toBe('in-use');
    const sourceVolume = plan.resources.find((e) => e.key === volumeKey)!;
    expect(await fileSha(dstState.blobs.path('volumes', targetVolume.id))).toBe(
      await fileSha(srcState.blobs.path('volumes', sourceVolume.source!.id)),
    );
    // The source server was stopped for the copy and started again (--restart-source).
    expect((await servers.get(source.compute, server.source!.id)).status).toBe('ACTIVE');
    expect(first.mover.stoppedServers).toEqual([server.source!.id]);

    // Kept temporaries (--keep-temporary): snapshot and volume upload on the source, their copies on the target.
    expect(first.mover.temporary.map((t) => t.side).sort()).toEqual(['source', 'source', 'target', 'target']);

    // A second apply, removing temporaries this time: nothing to create, nothing to update, the temporaries gone.
    const second = deps(plan, { keepTemporary: false });
    second.deps.target.extensions = first.deps.target.extensions;
    const again = await applyPlan(plan, second.deps, { journalPath: join(work, 'j2.jsonl') });
    expect(again.nodes.filter((n) => n.outcome !== 'unchanged')).toEqual([]);
    expect(again.summary).toMatchObject({ created: 0, updated: 0, failed: 0 });
    const left = [...(await collectImages(source)), ...(await collectImages(target))].filter(
      (i) => i['bascule_temporary'] !== undefined,
    );
    expect(left).toEqual([]);

    // The copy records what its disk came from, in metadata Bascule owns, so an export of the target names the
    // server's boot image (not the temporary image it booted from, which is gone).
    const baseChecksum = base.checksum!;
    expect((await servers.get(target.compute, targetServerId)).metadata).toMatchObject({
      bascule_boot_image_name: 'base',
      bascule_boot_image_checksum: baseChecksum,
      bascule_boot_image_id: result.ids['image:base'],
    });
    const exportTarget = async () =>
      (
        await exportProject(target, {
          dependencies: true,
          includeUserData: false,
          allowPartial: false,
          signal,
          logger: silentLogger,
        })
      ).plan;
    const there = await exportTarget();
    const copied = there.resources.find((e) => e.kind === 'server')!;
    const bootImage = there.resources.find((e) => e.key === copied.refs!['image'])!;
    expect(bootImage).toMatchObject({ kind: 'image', spec: { name: 'base', checksum: baseChecksum } });
    expect(bootImage.external).toBeUndefined();
    expect(bootImage.source!.id).toBe(result.ids['image:base']);
    expect(Object.keys((copied.spec as { metadata?: object }).metadata ?? {})).toEqual([]);
    // With that image gone from the target too, the plan still says what the disk came from: an external image
    // described by the recorded name and checksum (matched on the way back like any external image).
    await images.remove(target.image, result.ids['image:base']!);
    const gone = await exportTarget();
    const server2 = gone.resources.find((e) => e.kind === 'server')!;
    const described = gone.resources.find((e) => e.key === server2.refs!['image'])!;
    expect(described).toMatchObject({ kind: 'image', external: true, spec: { name: 'base', checksum: baseChecksum } });
  }, 180_000);
});

async function collectImages(cloud: Cloud) {
  const out = [];
  for await (const image of images.list(cloud.image)) out.push(image);
  return out;
}
