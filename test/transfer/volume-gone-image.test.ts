// An image deleted from the source after the export: the volume made from it and the server booted from it are
// still moved from copies of their own bytes (a volume upload, a disk snapshot), without that image reference; the
// image itself cannot be moved and is the one failure, named. (Before: both were skipped behind the image's 404.)
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/apply.js';
import type { EngineDeps } from '../../src/engine/context.js';
import type { WriteContext } from '../../src/kinds/kind.js';
import { readerFor, writerFor } from '../../src/kinds/registry.js';
import { createWorkload, parseServerDisk } from '../../src/kinds/shared/workload.js';
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
const signal = new AbortController().signal;

beforeEach(async () => {
  env = await twoSimClouds({
    prefix: 'bascule-gone-image-',
    shop: {
      images: [{ name: 'gone', disk_format: 'raw', data: { size: '256KiB', seed: 'gone' } }],
      networks: [{ name: 'net', subnets: [{ name: 'sub', cidr: '10.1.0.0/24' }] }],
      volumes: [{ name: 'from-gone', size: 1, image: 'gone' }],
      servers: [{ name: 'app', flavor: 'm1.tiny', image: 'gone', networks: [{ network: 'net' }] }],
    },
  });
  ({ source, target } = env);
  work = env.dir;
});

afterEach(async () => {
  await env?.stop();
});

async function deps(plan: Plan): Promise<EngineDeps> {
  const mover = new WorkloadMover(source, target, { consistency: 'stop', restartSource: true });
  const ctx: WriteContext = {
    cloud: target,
    projectId: target.projectId,
    signal,
    logger: silentLogger,
    extensions: await target.networkExtensions(),
    source: { cloud: source, projectId: source.projectId },
    workload: createWorkload(plan, mover, { serverDisk: parseServerDisk([]) }),
  };
  return { target: ctx, writerFor, readerFor, concurrency: 4 };
}

it('an image deleted after the export: its volume and server are moved from copies of their own bytes', async () => {
  const plan = await env.exportSource();
  expect(plan.resources.find((e) => e.key === 'volume:from-gone')?.refs?.image).toBe('image:gone');
  expect(plan.resources.find((e) => e.key === 'server:app')?.refs?.image).toBe('image:gone');
  const gone = (await collect(images.list(source.image))).find((i) => i.name === 'gone')!;
  await images.remove(source.image, gone.id);

  const result = await applyPlan(plan, await deps(plan), { journalPath: join(work, 'j.jsonl') });
  const outcome = Object.fromEntries(result.nodes.map((n) => [n.key, n.outcome]));
  // The image cannot be moved (its bytes are gone): the one failure, with the source's 404 named.
  expect(result.nodes.filter((n) => n.outcome === 'failed' || n.outcome === 'skipped').map((n) => n.key)).toEqual([
    'image:gone',
  ]);
  expect(result.nodes.find((n) => n.key === 'image:gone')?.error?.message).toMatch(/404/);
  expect(outcome['volume:from-gone']).toBe('created');
  expect(outcome['server:app']).toBe('created');
  // The volume is made of its own bytes (256 KiB of the image it came from), copied through a temporary image.
  expect(result.workload!.bytes_moved).toBeGreaterThanOrEqual(2 * 256 * 1024);
  const volume = (await collect(volumesApi.list(target.blockStorage))).find((v) => v.name === 'from-gone')!;
  expect(volume.volume_image_metadata?.image_name).toBe('bascule-volume-from-gone');
  const server = (await collect(servers.list(target.compute))).find((s) => s.name === 'app')!;
  expect((await servers.get(target.compute, server.id)).status).toBe('ACTIVE');
});
