/**
 * Issue 14, found by the real-cloud kill test (test/e2e/kill-resume.test.ts): on a Neutron without `tag-creation`
 * (Zed, Pike) a port is created, then tagged with its marker. A port the source gave no name (Nova made it for a
 * server booted on a network) that is created but not tagged (the tag call failed, or the apply was killed between
 * the two calls) could be found neither by marker nor by name: rollback skipped it in silence, leaving it and, through
 * it, its network and subnet (a resume now adopts it by its fixed IP, 7e623f5). The port now carries its marker in its
 * description until it is tagged, so rollback knows it as its own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan, SimulatedCrash } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import { rollback } from '../../src/engine/rollback.js';
import type { Plan } from '../../src/plan/types.js';
import { projectPlan, startTarget, type SimTarget } from './support/sim.js';

const journal = () => join(mkdtempSync(join(tmpdir(), 'bascule-port-')), 'j.jsonl');
let t: SimTarget | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** The project plan with unnamed ports (what Nova makes for `server create --network`). */
function unnamedPorts(): Plan {
  const plan = projectPlan();
  for (const entry of plan.resources) if (entry.kind === 'port') (entry.spec as { name?: string }).name = '';
  return plan;
}

/** The port tag calls fail `count` times (the port exists, untagged). */
const TAG_FAILS = (count: number) => [
  { kind: 'error' as const, status: 400, method: 'PUT', pathPrefix: '/v2.0/ports/', count },
];

const ports = (x: SimTarget) =>
  (x.sim.regionState('dst') as unknown as { ports: { all(): { device_owner?: string }[] } }).ports
    .all()
    .filter((p) => p.device_owner === 'compute:nova' || p.device_owner === '');

describe('an unnamed port created but not tagged', () => {
  it('is found (by its provisional marker) and adopted by the retry: no second port, tagged, its description its own', async () => {
    t = await startTarget({ cloud: { faults: TAG_FAILS(1) } });
    expect(t.ctx.extensions.has('tag-creation')).toBe(false);
    const result = await applyPlan(unnamedPorts(), t.deps({ retryBaseMs: 1 }), { journalPath: journal() });
    expect(result.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(ports(t)).toHaveLength(2);
    // the half-made port was removed and made again: every port has its marker tag and its own description
    for (const port of ports(t) as { description?: string; tags?: string[] }[]) {
      expect(port.description ?? '').not.toMatch(/^bascule:/);
      expect((port.tags ?? []).some((tag) => tag.startsWith('bascule:'))).toBe(true);
    }
    t.sim.setFaults('dst', []);
    const again = await planChanges(unnamedPorts(), t.deps(), { preflight: false });
    expect(again.actions.filter((a) => a.action !== 'no-op')).toEqual([]);
  });

  it('rollback finds and deletes it, and with it the network and subnet: the target is as it was', async () => {
    t = await startTarget({ cloud: { faults: TAG_FAILS(1) } });
    const before = ports(t).length;
    const file = journal();
    // The run dies when it comes back to the port whose tag failed (as a kill between the create and the tag).
    const seen = new Set<string>();
    const hooks = {
      beforeCall: ({ key }: { key: string }) => {
        if (!key.startsWith('port:')) return;
        if (seen.has(key)) throw new SimulatedCrash();
        seen.add(key);
      },
    };
    const result = await applyPlan(unnamedPorts(), t.deps({ retryBaseMs: 1, hooks }), { journalPath: file });
    expect(result.ok).toBe(false);
    expect(ports(t).length).toBeGreaterThan(before);
    t.sim.setFaults('dst', []);
    const undone = await rollback(t.deps(), { journalPath: file });
    expect(undone.items.filter((i) => i.outcome === 'failed' || i.outcome === 'kept')).toEqual([]);
    expect(undone.items.filter((i) => i.kind === 'port' && i.outcome === 'deleted').length).toBeGreaterThanOrEqual(1);
    expect(ports(t)).toHaveLength(before);
    const state = t.sim.regionState('dst') as unknown as Record<string, { all(): { name?: string }[] }>;
    expect(
      state
        .networks!.all()
        .map((n) => n.name)
        .filter((n) => n === 'front' || n === 'back'),
    ).toEqual([]);
  });
});
