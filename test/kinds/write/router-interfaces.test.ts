/**
 * Neutron's add_router_interface / remove_router_interface are PUTs that are not idempotent: after a lost reply the
 * router writer reads the router's ports to decide, and never sends the same change twice blindly.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/engine/apply.js';
import { rollback } from '../../../src/engine/rollback.js';
import * as ports from '../../../src/openstack/network/ports/requests.js';
import { collect } from '../../../src/openstack/pagination.js';
import { projectPlan, snapshotTarget, startTarget, type SimTarget } from '../../engine/support/sim.js';

const journal = () => join(mkdtempSync(join(tmpdir(), 'bascule-ri-')), 'j.jsonl');
const targets: SimTarget[] = [];
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.stop()));
});

const ADD = 'PUT /v2.0/routers/{id}/add_router_interface';
const REMOVE = 'PUT /v2.0/routers/{id}/remove_router_interface';

function calls(t: SimTarget, route: string): { status: number; fault?: string }[] {
  return t.sim
    .requestLog('dst')
    .filter((e) => e.route === route)
    .map((e) => ({ status: e.status, ...(e.fault ? { fault: e.fault } : {}) }));
}

describe('router interfaces after a lost reply', () => {
  it('an add whose reply was lost (it was done) is not sent again; one refused by a 5xx (not done) is', async () => {
    const t = await startTarget({
      cloud: {
        faults: [
          // The first add is carried out, then the connection drops before the answer.
          { kind: 'lost-reply', route: ADD, count: 1 },
          // The next one fails with a 500 before anything happens (the simulator answers before acting).
          { kind: 'error', status: 500, route: ADD, count: 1 },
        ],
      },
    });
    targets.push(t);
    const result = await applyPlan(projectPlan(), t.deps(), { journalPath: journal() });
    expect(result.ok).toBe(true);
    // Lost reply, then the 500, then the second subnet sent again: three calls, none refused as a duplicate.
    expect(calls(t, ADD)).toEqual([
      { status: 200, fault: 'lost-reply' },
      { status: 500, fault: 'error' },
      { status: 200 },
    ]);
    const router = result.ids['router:edge']!;
    const own = await collect(ports.list(t.cloud.network, { device_id: router }));
    expect(own.map((p) => p.fixed_ips![0]!.subnet_id).sort()).toEqual(
      [result.ids['subnet:back-v4']!, result.ids['subnet:front-v4']!].sort(),
    );
  });

  it('a remove whose reply was lost is not sent again, and rollback still leaves the target as it was', async () => {
    const t = await startTarget();
    targets.push(t);
    const before = snapshotTarget(t);
    const file = journal();
    expect((await applyPlan(projectPlan(), t.deps(), { journalPath: file })).ok).toBe(true);
    t.sim.setFaults('dst', [{ kind: 'lost-reply', route: REMOVE, count: 1 }]);
    const undone = await rollback(t.deps(), { journalPath: file });
    expect(undone.ok).toBe(true);
    expect(calls(t, REMOVE)).toEqual([{ status: 200, fault: 'lost-reply' }, { status: 200 }]);
    expect(snapshotTarget(t)).toEqual(before);
  });
});
