// Image properties converge: a custom property on the target image that the plan does not have is removed by the
// update (JSON-patch remove), never Glance's own fields or Bascule's marker, and the next dry run is clean.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/apply.js';
import type { EngineDeps } from '../../src/engine/context.js';
import { planChanges } from '../../src/engine/dry-run.js';
import { readerFor, writerFor } from '../../src/kinds/registry.js';
import { markerFor } from '../../src/kinds/markers.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as images from '../../src/openstack/image/images/requests.js';
import { silentLogger } from '../../src/shared/logger.js';
import { twoSimClouds, type TwoSimClouds } from '../support/two-sims.js';

let env: TwoSimClouds;
let work: string;
let source: Cloud;
let target: Cloud;
const signal = new AbortController().signal;

beforeAll(async () => {
  env = await twoSimClouds({
    prefix: 'bascule-image-props-',
    shop: {
      images: [
        {
          name: 'app',
          disk_format: 'qcow2',
          data: { size: '64KiB', seed: 'app' },
          properties: { hw_disk_bus: 'virtio', os_distro: 'debian' },
        },
      ],
    },
  });
  ({ source, target } = env);
  work = env.dir;
});

afterAll(async () => {
  await env?.stop();
});

function deps(): EngineDeps {
  return {
    target: {
      cloud: target,
      projectId: target.projectId,
      signal,
      logger: silentLogger,
      extensions: new Set(),
      source: { cloud: source, projectId: source.projectId },
    },
    writerFor,
    readerFor,
    concurrency: 4,
  };
}

describe('image properties converge', () => {
  it('an extra custom property on the target is removed by the update, and a second dry run is clean', async () => {
    const plan = await env.exportSource();
    const entry = plan.resources.find((e) => e.kind === 'image' && !e.external)!;
    expect((await applyPlan(plan, deps(), { journalPath: join(work, 'j1.jsonl') })).ok).toBe(true);
    const id = (await planChanges(plan, deps())).actions.find((a) => a.key === entry.key)!.targetId!;

    // Someone adds a property on the target and changes another.
    await images.update(target.image, id, [
      { op: 'add', path: '/build_id', value: '42' },
      { op: 'replace', path: '/os_distro', value: 'ubuntu' },
    ]);
    const drift = await planChanges(plan, deps());
    expect(drift.actions.find((a) => a.key === entry.key)).toMatchObject({ action: 'update' });

    const fixed = await applyPlan(plan, deps(), { journalPath: join(work, 'j2.jsonl') });
    expect(fixed.ok).toBe(true);
    expect(fixed.summary.updated).toBe(1);
    const image = await images.get(target.image, id);
    expect(image['build_id']).toBeUndefined();
    expect(image['os_distro']).toBe('debian');
    expect(image['hw_disk_bus']).toBe('virtio');
    // Glance's own fields and Bascule's marker stay.
    expect(image['bascule_marker']).toBe(markerFor(plan.provenance.project.id, entry.key));
    expect(image.disk_format).toBe('qcow2');
    expect(image.status).toBe('active');

    const again = await planChanges(plan, deps());
    expect(again.actions.filter((a) => a.action !== 'no-op')).toEqual([]);
  });
});
