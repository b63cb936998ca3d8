import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, SimulatedCrash } from '../../src/engine/apply.js';
import { journalState, readJournal } from '../../src/engine/journal.js';
import { rollback } from '../../src/engine/rollback.js';
import { markerFor } from '../../src/kinds/markers.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import * as routers from '../../src/openstack/network/routers/requests.js';
import * as keypairs from '../../src/openstack/compute/keypairs/requests.js';
import { projectPlan, snapshotTarget, startTarget, type SimTarget } from './support/sim.js';

const journal = () => join(mkdtempSync(join(tmpdir(), 'bascule-rb-')), 'j.jsonl');

describe.each(['zed', 'pike'] as const)('rollback on the simulator (%s)', (profile) => {
  let t: SimTarget;
  beforeEach(async () => {
    t = await startTarget({ cloud: { profile } });
    // Pre-existing resources: a network with a plan name (reused, never deleted), an unrelated one, the keypair.
    await networks.create(t.cloud.network, { name: 'back', description: 'was here before' });
    await networks.create(t.cloud.network, { name: 'unrelated' });
    await keypairs.create(t.cloud.compute, {
      name: 'deploy',
      public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5xQm1iZ0pJcE9hVnR6c2h1bmJ0b3Jhc2x2ZmRr deploy@bastion',
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('after a full apply, leaves the target exactly as it was, pre-existing resources included', async () => {
    const before = snapshotTarget(t);
    const file = journal();
    const result = await applyPlan(projectPlan(), t.deps(), { journalPath: file });
    expect(result.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(snapshotTarget(t)).not.toEqual(before);
    const undone = await rollback(t.deps(), { journalPath: file });
    expect(undone.items.filter((i) => i.outcome === 'failed')).toEqual([]);
    expect(undone.ok).toBe(true);
    expect(snapshotTarget(t)).toEqual(before);
  });

  for (const [n, when] of [
    [3, 'afterCall'],
    [9, 'afterCall'],
    [15, 'afterCall'],
    [17, 'afterCall'],
    [5, 'beforeCall'],
    [16, 'beforeCall'],
  ] as const) {
    it(`after an apply crashed ${when === 'afterCall' ? 'after' : 'before'} mutating call #${n}, leaves the target exactly as it was`, async () => {
      const before = snapshotTarget(t);
      const file = journal();
      let count = 0;
      const hooks = {
        [when]: () => {
          if (++count === n) throw new SimulatedCrash();
        },
      };
      const partial = await applyPlan(projectPlan(), t.deps({ hooks }), { journalPath: file });
      expect(partial.ok).toBe(false);
      const undone = await rollback(t.deps(), { journalPath: file });
      expect(undone.ok).toBe(true);
      expect(snapshotTarget(t)).toEqual(before);
    });
  }

  it('never deletes an object that lost its marker, and a second rollback does nothing', async () => {
    const file = journal();
    const result = await applyPlan(projectPlan(), t.deps(), { journalPath: file });
    const front = result.ids['network:front']!;
    await t.cloud.network.request('PUT', `/networks/${front}/tags`, { json: { tags: ['claimed-by-someone'] } });
    const undone = await rollback(t.deps(), { journalPath: file });
    expect(undone.items.find((i) => i.key === 'network:front')).toMatchObject({ outcome: 'kept' });
    expect((await networks.get(t.cloud.network, front)).id).toBe(front);
    const again = await rollback(t.deps(), { journalPath: file });
    expect(again.items.filter((i) => i.outcome === 'deleted')).toEqual([]);
  });
});

describe('rollback after a half-failed create repaired by an update', () => {
  let t: SimTarget;
  beforeEach(async () => {
    // The router's tag call fails once: the router exists, unmarked and without its interfaces.
    t = await startTarget({
      cloud: { faults: [{ kind: 'error', status: 400, method: 'PUT', pathPrefix: '/v2.0/routers/', count: 1 }] },
    });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('adopts the router the retry updated (journaled, marked), so rollback removes it and everything else', async () => {
    expect(t.ctx.extensions.has('tag-creation')).toBe(false);
    const before = snapshotTarget(t);
    const file = journal();
    const result = await applyPlan(projectPlan(), t.deps({ retryBaseMs: 1 }), { journalPath: file });
    expect(result.ok).toBe(true);
    expect(t.sim.requestLog('dst').filter((e) => e.fault !== undefined)).toHaveLength(1);
    const router = result.nodes.find((n) => n.kind === 'router')!;
    // The retry found the unmarked router and completed it with an update; it is still the one this apply made.
    const records = await readJournal(file);
    expect(records.some((r) => r.t === 'intent' && r.key === router.key && r.op === 'update')).toBe(true);
    const state = journalState(records);
    expect(state.created.get(router.key)?.id).toBe(result.ids[router.key]);
    expect((await routers.get(t.cloud.network, result.ids[router.key]!)).tags).toContain(
      markerFor(projectPlan().provenance.project.id, router.key),
    );
    const undone = await rollback(t.deps(), { journalPath: file });
    expect(undone.items.filter((i) => i.outcome === 'failed')).toEqual([]);
    expect(undone.ok).toBe(true);
    expect(snapshotTarget(t)).toEqual(before);
  });
});
