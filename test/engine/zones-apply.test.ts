import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderChangesTable } from '../../src/cli/views/apply-table.js';
import { applyPlan } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import { applyMapping, parseMapping } from '../../src/mapping/index.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { projectPlan, startTarget, type SimTarget } from './support/sim.js';

/**
 * Issue 14, availability zones: a spread rule places the three members of an anti-affinity group in three zones of a
 * PI-like target (az1, az2, az3); the dry run shows each server's zone and its check on the target; the apply puts
 * each server where the dry run said.
 */
let t: SimTarget | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const journal = () => join(mkdtempSync(join(tmpdir(), 'bascule-j-')), 'j.jsonl');

/** The project plan with web-2 and web-3 (each with a port on "front") also in the anti-affinity group "spread". */
function threeWebs(): Plan {
  const plan = projectPlan();
  for (const [name, ip] of [
    ['web-3', '10.20.1.13'],
    ['web-2', '10.20.1.12'],
  ] as const) {
    plan.resources.push(
      {
        kind: 'port',
        key: `port:${name}/eth0`,
        refs: { network: 'network:front', fixed_ips: ['subnet:front-v4'], security_groups: ['security_group:web'] },
        spec: { name: `${name}/eth0`, fixed_ips: [{ ip_address: ip }] },
      } as PlanResource,
      {
        kind: 'server',
        key: `server:${name}`,
        refs: {
          flavor: 'flavor:m1.small',
          image: 'image:cirros',
          ports: [`port:${name}/eth0`],
          server_group: 'server_group:spread',
        },
        spec: { name, availability_zone: 'nova', power_state: 'running', disk_strategy: 'base-image' },
      } as PlanResource,
    );
  }
  return plan;
}

function mapped(yaml: string): Plan {
  const { mapping } = parseMapping(`format: bascule.mapping/v1\n${yaml}`);
  const out = applyMapping(threeWebs(), mapping!);
  expect(out.issues).toEqual([]);
  return out.plan;
}

const SPREAD = 'server_zones:\n  - { from: { group: spread }, spread: [az1, az2, az3] }\n';

describe('server_zones on the simulator (three zones)', () => {
  it('the dry run shows the placement and checks each zone; the apply lands the group in az1, az2, az3', async () => {
    t = await startTarget({ cloud: { availabilityZones: ['az1', 'az2', 'az3'], computeHosts: 6 } });
    const plan = mapped(SPREAD);
    const changes = await planChanges(plan, t.deps());
    expect(changes.ok).toBe(true);
    const text = renderChangesTable(changes, { plan });
    const placement = text.slice(text.indexOf('placement:'));
    expect(placement).toMatch(/server:web-1\s+az1\s+ok\n/);
    expect(placement).toMatch(/server:web-2\s+az2\s+ok\n/);
    expect(placement).toMatch(/server:web-3\s+az3\s+ok\n/);
    expect(placement).toMatch(/server:db-1\s+\(none\)\s+scheduler chooses\n/);
    expect(t.mutations()).toEqual([]);

    const result = await applyPlan(plan, t.deps(), { journalPath: journal() });
    expect(result.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(result.ok).toBe(true);
    const servers = (
      t.sim.regionState('dst') as unknown as { servers: { all(): { name: string; availability_zone: string }[] } }
    ).servers.all();
    const zoneOf = Object.fromEntries(servers.map((s) => [s.name, s.availability_zone]));
    expect([zoneOf['web-1'], zoneOf['web-2'], zoneOf['web-3']]).toEqual(['az1', 'az2', 'az3']);
  });

  it('a spread over a zone the target lacks is caught by the dry run, on that server, before anything is made', async () => {
    t = await startTarget({ cloud: { availabilityZones: ['az1', 'az2'], computeHosts: 4 } });
    const plan = mapped(SPREAD);
    const changes = await planChanges(plan, t.deps());
    expect(changes.ok).toBe(false);
    expect(changes.preflight.issues).toContainEqual(
      expect.objectContaining({ code: 'PREFLIGHT_AVAILABILITY_ZONE', key: 'server:web-3' }),
    );
    const text = renderChangesTable(changes, { plan });
    expect(text).toMatch(/server:web-3\s+az3\s+NOT ON TARGET\n/);
    expect(text).toMatch(/server:web-1\s+az1\s+ok\n/);
    expect(t.mutations()).toEqual([]);
  });
});
