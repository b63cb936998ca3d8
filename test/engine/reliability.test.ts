/**
 * Reliability on the simulator: faults and token expiry, crashes at many points, then resume. The target must end
 * equal to the plan (a dry run finds nothing to do) with exactly the objects a clean apply makes: no duplicates,
 * no orphans.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, SimulatedCrash } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import { journalState, readJournal } from '../../src/engine/journal.js';
import { countTarget, projectPlan, startTarget, type SimTarget } from './support/sim.js';

const journal = () => join(mkdtempSync(join(tmpdir(), 'bascule-rel-')), 'j.jsonl');

let baseline: Record<string, number>;
let targets: SimTarget[] = [];

async function target(options: Parameters<typeof startTarget>[0] = {}): Promise<SimTarget> {
  const t = await startTarget(options);
  targets.push(t);
  return t;
}

async function expectConverged(t: SimTarget): Promise<void> {
  const again = await planChanges(projectPlan(), t.deps(), { preflight: false });
  expect(again.actions.filter((a) => a.action !== 'no-op')).toEqual([]);
  expect(countTarget(t)).toEqual(baseline);
  // No duplicates by name among what the plan names.
  const state = t.sim.regionState('dst');
  for (const table of [
    'networks',
    'subnets',
    'ports',
    'routers',
    'securityGroups',
    'servers',
    'volumes',
    'serverGroups',
    'keypairs',
  ] as const) {
    const names = state[table]
      .all()
      .map((row) => String(row.name ?? ''))
      .filter((n) => n !== '');
    expect(new Set(names).size, `duplicate ${table}: ${names.join(', ')}`).toBe(names.length);
  }
}

describe('reliability', () => {
  beforeAll(async () => {
    const t = await target();
    const result = await applyPlan(projectPlan(), t.deps(), { journalPath: journal() });
    expect(result.ok).toBe(true);
    baseline = countTarget(t);
  });
  afterEach(async () => {
    await Promise.all(targets.map((t) => t.stop()));
    targets = [];
  });

  it('converges with 5% of requests failing (503, 429 with Retry-After, resets) and the token expiring mid-run', async () => {
    const t = await target({
      cloud: {
        randomSeed: 7,
        faults: [
          {
            kind: 'error',
            status: 503,
            rate: 0.02,
            service: ['compute', 'network', 'volume', 'image'],
            retryAfterSeconds: 0,
          },
          {
            kind: 'error',
            status: 429,
            rate: 0.015,
            service: ['compute', 'network', 'volume', 'image'],
            retryAfterSeconds: 0,
          },
          { kind: 'reset', rate: 0.015, service: ['compute', 'network', 'volume', 'image'] },
        ],
      },
    });
    const file = journal();
    let doneCount = 0;
    const deps = t.deps({
      retryBaseMs: 5,
      onEvent: (e) => {
        if (e.type === 'node.done' && ++doneCount === 8) t.sim.expireTokens('dst');
      },
    });
    let result = await applyPlan(projectPlan(), deps, { journalPath: file });
    let runs = 1;
    while (!result.ok && runs < 6) {
      result = await applyPlan(projectPlan(), deps, { journalPath: file, resume: true });
      runs += 1;
    }
    expect(result.ok).toBe(true);
    const faults = t.sim.requestLog('dst').filter((e) => e.fault !== undefined);
    expect(faults.length).toBeGreaterThan(3);
    expect(new Set(faults.map((f) => f.fault)).size).toBeGreaterThanOrEqual(2);
    expect(t.cloud.session.authCount).toBeGreaterThanOrEqual(2);
    t.sim.setFaults('dst', []);
    await expectConverged(t);
  });

  it('a Neutron object created but not tagged (the tag call failed) is adopted and marked, never created twice', async () => {
    const t = await target({
      cloud: {
        faults: [{ kind: 'error', status: 400, method: 'PUT', route: '/v2.0/{resources}/{id}/tags/{tag}', count: 2 }],
      },
    });
    expect(t.ctx.extensions.has('tag-creation')).toBe(false);
    const file = journal();
    const result = await applyPlan(projectPlan(), t.deps({ retryBaseMs: 1 }), { journalPath: file });
    expect(result.ok).toBe(true);
    expect(t.sim.requestLog('dst').filter((e) => e.fault !== undefined)).toHaveLength(2);
    await expectConverged(t);
    const records = await readJournal(file);
    expect(records.filter((r) => r.t === 'result' && !r.ok && r.error?.code === 'WRITE_INCOMPLETE')).toHaveLength(2);
    const state = journalState(records);
    expect([...state.created.values()].filter((c) => c.id === undefined)).toEqual([]);
  });

  it('a nameless port created but not tagged (a kill between the two calls) is found by its fixed IP and adopted, not made again (409)', async () => {
    const t = await target({
      cloud: {
        faults: [{ kind: 'error', status: 400, method: 'PUT', pathPrefix: '/v2.0/ports/', count: 2 }],
      },
    });
    // A server's NIC port often has no name: only its marker (not there yet) or its fixed IP can find it.
    const plan = projectPlan();
    for (const r of plan.resources) if (r.kind === 'port') (r.spec as { name?: string }).name = '';
    const file = journal();
    const result = await applyPlan(plan, t.deps({ retryBaseMs: 1 }), { journalPath: file });
    expect(result.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(t.sim.requestLog('dst').filter((e) => e.fault !== undefined)).toHaveLength(2);
    expect(t.sim.requestLog('dst').filter((e) => e.method === 'POST' && e.route === 'POST /v2.0/ports')).toHaveLength(
      2,
    );
    const ports = t.sim.regionState('dst').ports.all();
    expect(
      ports.filter((p) => String(p.device_owner ?? '') === '' || String(p.device_owner).startsWith('compute')),
    ).toHaveLength(2);
    const state = journalState(await readJournal(file));
    expect([...state.created.values()].filter((c) => c.kind === 'port' && c.id === undefined)).toEqual([]);
  });

  const points: { when: 'beforeCall' | 'afterCall'; n: number }[] = [];
  for (const n of [1, 2, 4, 6, 8, 10, 12, 14, 16]) points.push({ when: n % 4 === 0 ? 'beforeCall' : 'afterCall', n });
  points.push({ when: 'beforeCall', n: 3 }, { when: 'afterCall', n: 3 }, { when: 'afterCall', n: 11 });

  for (const { when, n } of points) {
    it(`killed ${when === 'afterCall' ? 'between mutating call' : 'before mutating call'} #${n} and its journal line, then resumed: equals the plan, no duplicates, no orphans`, async () => {
      const t = await target();
      const file = journal();
      let count = 0;
      const hooks = {
        [when]: () => {
          if (++count === n) throw new SimulatedCrash();
        },
      };
      const crashed = await applyPlan(projectPlan(), t.deps({ hooks }), { journalPath: file });
      expect(crashed.ok).toBe(false);
      const records = await readJournal(file);
      expect(records.some((r) => r.t === 'end')).toBe(false);
      if (when === 'afterCall') expect(journalState(records).inDoubt.length).toBeGreaterThanOrEqual(1);
      const resumed = await applyPlan(projectPlan(), t.deps(), { journalPath: file, resume: true });
      expect(resumed.nodes.filter((x) => x.outcome === 'failed')).toEqual([]);
      expect(resumed.ok).toBe(true);
      await expectConverged(t);
      // The journal now knows every object the two runs created (rollback needs that).
      const state = journalState(await readJournal(file));
      expect([...state.created.values()].filter((c) => c.id === undefined)).toEqual([]);
    });
  }
});
