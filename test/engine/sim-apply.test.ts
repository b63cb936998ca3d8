import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import { checkPlan } from '../../src/plan/validate.js';
import { projectPlan, startTarget, type SimTarget } from './support/sim.js';

const journal = () => join(mkdtempSync(join(tmpdir(), 'bascule-j-')), 'j.jsonl');

describe.each(['zed', 'pike', '2025.1'] as const)('apply on the simulator (%s)', (profile) => {
  let t: SimTarget;
  beforeEach(async () => {
    t = await startTarget({ cloud: { profile } });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('the example plan is valid', () => {
    const checked = checkPlan(projectPlan());
    expect(checked.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('dry run: one action each, zero mutating requests', async () => {
    t.sim.clearLog();
    const changes = await planChanges(projectPlan(), t.deps());
    const byKey = Object.fromEntries(changes.actions.map((a) => [a.key, a]));
    expect(byKey['flavor:m1.small']).toMatchObject({ action: 'no-op', external: true, targetId: '2' });
    expect(byKey['network:front']!.action).toBe('create');
    // Neutron's own egress rule of a new group is not counted as a create.
    expect(byKey['security_group_rule:web/egress-IPv4']).toMatchObject({
      action: 'no-op',
      reason: 'Neutron makes this rule with its new group',
    });
    expect(byKey['security_group_rule:web/https']!.action).toBe('create');
    expect(byKey['port:web-1/eth0']).toMatchObject({ action: 'lossy', lossy: ['mac_address'] });
    expect(byKey['floating_ip:web-1/eth0']).toMatchObject({ action: 'lossy', lossy: ['floating_ip_address'] });
    expect(changes.actions.every((a) => a.action !== 'blocked' && a.action !== 'conflict')).toBe(true);
    expect(changes.ok).toBe(true);
    expect(t.mutations()).toEqual([]);
    expect(t.sim.requestLog('dst').length).toBeGreaterThan(0);
  });

  it('applies the plan, then a second apply changes nothing', async () => {
    const result = await applyPlan(projectPlan(), t.deps(), { journalPath: journal() });
    expect(result.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(result.ok).toBe(true);
    const state = t.sim.regionState('dst');
    void state;
    t.sim.clearLog();
    const again = await planChanges(projectPlan(), t.deps());
    expect(again.actions.filter((a) => a.action !== 'no-op')).toEqual([]);
    const second = await applyPlan(projectPlan(), t.deps(), { journalPath: journal() });
    expect(second.summary).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(t.mutations()).toEqual([]);
  });
});
