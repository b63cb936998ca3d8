import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPlan, SimulatedCrash } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import { journalState, readJournal } from '../../src/engine/journal.js';
import { markerFor } from '../../src/kinds/markers.js';
import { FakeTarget, samplePlan } from './support/fake-writer.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'bascule-apply-')), 'journal.jsonl');

describe('planChanges (dry run)', () => {
  it('gives one action per entry and makes no mutating call', async () => {
    const target = new FakeTarget();
    const existing = target.add('network', 'b', {}, []);
    const changes = await planChanges(samplePlan(), target.deps());
    const byKey = Object.fromEntries(changes.actions.map((a) => [a.key, a]));
    expect(byKey['network:a']!.action).toBe('create');
    expect(byKey['network:b']).toMatchObject({ action: 'no-op', targetId: existing.id, marked: false });
    // subnet:a4 depends on a network that will be created: create without a lookup
    expect(byKey['subnet:a4']!.action).toBe('create');
    expect(target.calls.some((c) => c.op === 'find' && c.key === 'subnet:a4')).toBe(false);
    expect(byKey['subnet:b4']!.action).toBe('create');
    expect(target.mutations()).toEqual([]);
    expect(changes.ok).toBe(true);
    expect(changes.preflight.issues.some((i) => i.code === 'PREFLIGHT_NAME_CLASH' && i.key === 'network:b')).toBe(true);
  });

  it('shows an update field by field, and a conflict for a field that cannot be updated', async () => {
    const target = new FakeTarget();
    target.add('network', 'a', { description: 'old' });
    // `router_external` is not among the network descriptor's updatable fields (mtu is).
    target.add('network', 'b', { router_external: false });
    const plan = samplePlan();
    (plan.resources[1]!.spec as { router_external?: boolean }).router_external = true;
    const changes = await planChanges(plan, target.deps());
    const byKey = Object.fromEntries(changes.actions.map((a) => [a.key, a]));
    expect(byKey['network:a']).toMatchObject({
      action: 'update',
      changes: [{ field: 'description', from: 'old', to: 'net a', updatable: true }],
    });
    expect(byKey['network:b']).toMatchObject({
      action: 'conflict',
      changes: [{ field: 'router_external', from: false, to: true, updatable: false }],
    });
    // Dependents of a conflict are blocked
    expect(byKey['subnet:b4']).toMatchObject({ action: 'blocked' });
    expect(byKey['subnet:b4']!.reason).toMatch(/network:b/);
    expect(changes.ok).toBe(false);
  });

  it('marks a create lossy when it sets fields the target cannot keep', async () => {
    const target = new FakeTarget();
    const plan = samplePlan();
    (plan.resources[5]!.spec as { mac_address?: string }).mac_address = 'fa:16:3e:00:00:01';
    const changes = await planChanges(plan, target.deps());
    expect(changes.actions.find((a) => a.key === 'port:a1')).toMatchObject({ action: 'lossy', lossy: ['mac_address'] });
  });

  it('two candidates are a conflict, never "take the first"', async () => {
    const target = new FakeTarget();
    target.add('network', 'a');
    target.add('network', 'a');
    const changes = await planChanges(samplePlan(), target.deps());
    const a = changes.actions.find((x) => x.key === 'network:a')!;
    expect(a.action).toBe('conflict');
    expect(a.candidates).toHaveLength(2);
  });

  it('the fingerprint changes when the target changes', async () => {
    const target = new FakeTarget();
    const first = await planChanges(samplePlan(), target.deps());
    const again = await planChanges(samplePlan(), target.deps());
    expect(again.fingerprint).toBe(first.fingerprint);
    target.add('network', 'a');
    const changed = await planChanges(samplePlan(), target.deps());
    expect(changed.fingerprint).not.toBe(first.fingerprint);
  });
});

describe('applyPlan', () => {
  it('creates everything with markers and refs, then a second run changes nothing', async () => {
    const target = new FakeTarget();
    const journal = tmp();
    const result = await applyPlan(samplePlan(), target.deps(), { journalPath: journal });
    expect(result.ok).toBe(true);
    expect(result.summary.created).toBe(6);
    const port = target.ofKind('port')[0]!;
    expect(port.refs.network).toBe(result.ids['network:a']);
    expect(port.refs.security_groups).toEqual([result.ids['security_group:web']]);
    expect(port.tags).toEqual([markerFor('p-source', 'port:a1')]);
    const before = target.mutations().length;
    const second = await applyPlan(samplePlan(), target.deps(), { journalPath: tmp() });
    expect(second.summary).toMatchObject({ created: 0, updated: 0, unchanged: 6, failed: 0 });
    expect(target.mutations().length).toBe(before);
    expect(target.objects.size).toBe(6);
  });

  it('journals an intent before and a result after each create, fsync-ed as JSON lines', async () => {
    const target = new FakeTarget();
    const journal = tmp();
    await applyPlan(samplePlan(), target.deps(), { journalPath: journal });
    const records = await readJournal(journal);
    expect(records[0]).toMatchObject({ t: 'run', mode: 'apply' });
    expect(records.at(-1)).toMatchObject({ t: 'end', ok: true });
    const intents = records.filter((r) => r.t === 'intent');
    const results = records.filter((r) => r.t === 'result');
    expect(intents).toHaveLength(6);
    expect(results).toHaveLength(6);
    for (const intent of intents) {
      const i = records.indexOf(intent);
      const j = records.findIndex((r) => r.t === 'result' && r.seq === intent.seq);
      expect(j).toBeGreaterThan(i);
    }
    const state = journalState(records);
    expect([...state.created.values()].every((c) => c.id !== undefined && !c.inDoubt)).toBe(true);
    expect(readFileSync(journal, 'utf8').split('\n').filter(Boolean)).toHaveLength(records.length);
  });

  it('a failure skips its dependents, the rest goes on, and the run is not ok', async () => {
    const target = new FakeTarget();
    target.failCreate.add('network:a');
    const events: string[] = [];
    const result = await applyPlan(samplePlan(), target.deps({ onEvent: (e) => events.push(e.type) }), {
      journalPath: tmp(),
    });
    expect(result.ok).toBe(false);
    const byKey = Object.fromEntries(result.nodes.map((n) => [n.key, n]));
    expect(byKey['network:a']).toMatchObject({ outcome: 'failed', error: { code: 'OS_BAD_REQUEST' } });
    expect(byKey['subnet:a4']).toMatchObject({ outcome: 'skipped', upstream: 'network:a' });
    expect(byKey['port:a1']).toMatchObject({ outcome: 'skipped', upstream: 'network:a' });
    expect(byKey['subnet:b4']!.outcome).toBe('created');
    expect(result.summary).toMatchObject({ failed: 1, skipped: 2, created: 3 });
    expect(events).toContain('node.skipped');
    expect(events.at(-1)).toBe('run.done');
  });

  it('refuses an existing journal without --resume, and a journal of another plan', async () => {
    const target = new FakeTarget();
    const journal = tmp();
    await applyPlan(samplePlan(), target.deps(), { journalPath: journal });
    await expect(applyPlan(samplePlan(), target.deps(), { journalPath: journal })).rejects.toMatchObject({
      code: 'JOURNAL_EXISTS',
    });
    const other = samplePlan();
    other.resources.pop();
    await expect(applyPlan(other, target.deps(), { journalPath: journal, resume: true })).rejects.toMatchObject({
      code: 'JOURNAL_PLAN_CHANGED',
    });
  });

  for (const point of ['beforeCall', 'afterCall'] as const) {
    for (const n of [1, 2, 3, 4, 5, 6]) {
      it(`crashed ${point} of mutating call #${n}, then resumed: the target equals the plan with no duplicates`, async () => {
        const target = new FakeTarget();
        const journal = tmp();
        let count = 0;
        const hooks = {
          [point]: () => {
            count += 1;
            if (count === n) throw new SimulatedCrash();
          },
        };
        const crashed = await applyPlan(samplePlan(), target.deps({ hooks, concurrency: 1 }), { journalPath: journal });
        expect(crashed.ok).toBe(false);
        const resumed = await applyPlan(samplePlan(), target.deps(), { journalPath: journal, resume: true });
        expect(resumed.ok).toBe(true);
        expect(target.objects.size).toBe(6);
        const names = [...target.objects.values()].map((o) => `${o.kind}/${o.name}`).sort();
        expect(new Set(names).size).toBe(6);
        // Every object carries its marker, so rollback and later runs find it.
        for (const o of target.objects.values()) expect(o.tags).toHaveLength(1);
        const state = journalState(await readJournal(journal));
        expect([...state.created.values()].filter((c) => c.id !== undefined)).toHaveLength(6);
      });
    }
  }

  it('adopts an object an interrupted create left unmarked (found by name, journal in doubt)', async () => {
    const target = new FakeTarget();
    const journal = tmp();
    target.createUnmarkedThenThrow.add('network:b');
    const first = await applyPlan(samplePlan(), target.deps(), { journalPath: journal });
    expect(first.ok).toBe(false);
    expect(target.ofKind('network').find((o) => o.name === 'b')!.tags).toEqual([]);
    const resumed = await applyPlan(samplePlan(), target.deps(), { journalPath: journal, resume: true });
    expect(resumed.ok).toBe(true);
    expect(target.ofKind('network').filter((o) => o.name === 'b')).toHaveLength(1);
    expect(target.ofKind('network').find((o) => o.name === 'b')!.tags).toEqual([markerFor('p-source', 'network:b')]);
    expect(target.calls.filter((c) => c.op === 'mark')).toHaveLength(1);
  });

  it('stops cleanly on abort: in-flight entries finish and are journaled, the rest is cancelled', async () => {
    const target = new FakeTarget();
    target.delayMs = 5;
    const controller = new AbortController();
    const deps = target.deps({ concurrency: 1 });
    deps.target = { ...deps.target, signal: controller.signal };
    deps.onEvent = (e) => {
      if (e.type === 'node.done' && e.key === 'network:a') controller.abort();
    };
    const journal = tmp();
    const result = await applyPlan(samplePlan(), deps, { journalPath: journal });
    expect(result.interrupted).toBe(true);
    expect(result.summary.cancelled).toBeGreaterThan(0);
    const records = await readJournal(journal);
    expect(records.at(-1)).toMatchObject({ t: 'end', interrupted: true });
    expect(journalState(records).inDoubt).toEqual([]);
    const resumed = await applyPlan(samplePlan(), target.deps(), { journalPath: journal, resume: true });
    expect(resumed.ok).toBe(true);
    expect(target.objects.size).toBe(6);
  });
});
