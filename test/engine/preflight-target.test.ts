import { afterEach, describe, expect, it } from 'vitest';
import { blockingCause, planChanges } from '../../src/engine/dry-run.js';
import { renderChangesTable } from '../../src/cli/views/apply-table.js';
import type { Plan } from '../../src/plan/types.js';
import { TARGET_SEED, projectPlan, startTarget, type SimTarget } from './support/sim.js';

/**
 * The dry run tells the truth about the target (issue 13): a zone the target does not have is found before anything
 * is made (Nova would refuse the server with a 400 after its network and volumes were created), and the last line of
 * a blocked dry run names the cause.
 */
let t: SimTarget | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

function withZone(plan: Plan, kind: 'server' | 'volume', zone: string): Plan {
  for (const entry of plan.resources)
    if (entry.kind === kind) (entry.spec as { availability_zone?: string }).availability_zone = zone;
  return plan;
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

describe('dry run against the target', () => {
  it('a server in a zone the target lacks is a preflight error, named on the last line', async () => {
    t = await startTarget();
    const changes = await planChanges(withZone(projectPlan(), 'server', 'az-gone'), t.deps());
    expect(changes.ok).toBe(false);
    expect(changes.preflight.issues).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'PREFLIGHT_AVAILABILITY_ZONE', key: 'server:web-1' }),
    );
    expect(lastLine(renderChangesTable(changes))).toMatch(
      /^Cannot be applied: server:\S+: compute availability zone "az-gone" is unknown on the target \(available: nova\)/,
    );
    expect(t.mutations()).toEqual([]);
  });

  it('a volume in a zone Cinder lacks is a preflight error; the zones the target has pass', async () => {
    t = await startTarget();
    const bad = await planChanges(withZone(projectPlan(), 'volume', 'ceph-az'), t.deps());
    expect(bad.preflight.issues.map((i) => i.code)).toContain('PREFLIGHT_AVAILABILITY_ZONE');
    const good = await planChanges(withZone(withZone(projectPlan(), 'volume', 'nova'), 'server', 'nova'), t.deps());
    expect(good.preflight.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(good.ok).toBe(true);
  });

  it('a quota that does not fit is the last line: which, needed, left', async () => {
    t = await startTarget({ seed: { ...TARGET_SEED, quotas: [{ project: 'demo', compute: { instances: 1 } }] } });
    const changes = await planChanges(projectPlan(), t.deps());
    expect(changes.ok).toBe(false);
    expect(blockingCause(changes)).toBe(
      'compute instances: the plan needs 2, the project has 1 left (limit 1, used 0)',
    );
    expect(lastLine(renderChangesTable(changes))).toBe(
      'Cannot be applied: compute instances: the plan needs 2, the project has 1 left (limit 1, used 0).',
    );
  });
});
