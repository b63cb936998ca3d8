/**
 * The mapping's load_balancer_providers and load_balancer_flavors rules: a load balancer's Octavia provider
 * (amphora -> ovn) and flavor (by name) rewritten for the target, region-scoped like the other name tables, checked
 * (exit 2 with the path into the file) and inverted for the way back.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyMapping,
  invertMapping,
  parseMapping,
  stringifyMapping,
  validateMapping,
  type Mapping,
} from '../../src/mapping/index.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { runCli } from '../support/cli.js';

function mapping(yaml: string): Mapping {
  const { mapping: parsed, issues } = parseMapping(`format: bascule.mapping/v1\n${yaml}`);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return parsed!;
}

/** The two-tier example plan (region RegionOne) with two load balancers on its subnet. */
function lbPlan(): Plan {
  const plan = JSON.parse(readFileSync('plans/web-two-tier.plan.json', 'utf8')) as Plan;
  const subnet = plan.resources.find((r) => r.kind === 'subnet')!.key;
  const lb = (name: string, spec: Record<string, unknown>): PlanResource =>
    ({
      kind: 'load_balancer',
      key: `load_balancer:${name}`,
      spec: { name, ...spec },
      refs: { vip_subnet: subnet },
    }) as unknown as PlanResource;
  plan.resources.push(
    lb('web-lb', { provider: 'amphora', flavor: 'small-ha' }),
    lb('db-lb', { provider: 'octavia', flavor: 'tiny' }),
  );
  return plan;
}

const specOf = (plan: Plan, key: string) => plan.resources.find((r) => r.key === key)!.spec as Record<string, unknown>;

describe('mapping: load balancer providers and flavors', () => {
  it('rewrites provider and flavor by name, first match wins, region-scoped rules only in their region', () => {
    const out = applyMapping(
      lbPlan(),
      mapping(`load_balancer_providers:
  - { from: amphora, to: ovn, region: elsewhere }
  - { from: amphora, to: f5 }
load_balancer_flavors:
  - { from: small-ha, to: lb.small }
`),
    );
    expect(out.issues).toEqual([]);
    expect(specOf(out.plan, 'load_balancer:web-lb')).toMatchObject({ provider: 'f5', flavor: 'lb.small' });
    // No rule for octavia or tiny: kept as exported.
    expect(specOf(out.plan, 'load_balancer:db-lb')).toMatchObject({ provider: 'octavia', flavor: 'tiny' });
    expect(out.notes.filter((n) => n.key.startsWith('load_balancer:'))).toEqual([
      { key: 'load_balancer:web-lb', field: 'provider', from: 'amphora', to: 'f5', rule: '/load_balancer_providers/1' },
      {
        key: 'load_balancer:web-lb',
        field: 'flavor',
        from: 'small-ha',
        to: 'lb.small',
        rule: '/load_balancer_flavors/0',
      },
    ]);
    // The input plan is not modified.
    expect(specOf(lbPlan(), 'load_balancer:web-lb')).toMatchObject({ provider: 'amphora' });
  });

  it('inverts: the way back maps each target name to its source name, and two sources on one target are refused', () => {
    const there = mapping(`load_balancer_providers: [{ from: amphora, to: ovn }]
load_balancer_flavors: [{ from: small-ha, to: lb.small }, { from: tiny, to: lb.tiny }]
`);
    const back = invertMapping(there);
    expect(back.problems).toEqual([]);
    expect(validateMapping(back.mapping)).toEqual([]);
    expect(back.mapping.load_balancer_providers).toEqual([{ from: 'ovn', to: 'amphora' }]);
    expect(back.mapping.load_balancer_flavors).toEqual([
      { from: 'lb.small', to: 'small-ha' },
      { from: 'lb.tiny', to: 'tiny' },
    ]);
    expect(invertMapping(back.mapping).mapping).toEqual(there);
    // There and back: the plan's load balancer names amphora and small-ha again.
    const mapped = applyMapping(lbPlan(), there).plan;
    const returned = applyMapping(mapped, back.mapping).plan;
    expect(specOf(returned, 'load_balancer:web-lb')).toMatchObject({ provider: 'amphora', flavor: 'small-ha' });
    expect(stringifyMapping(back.mapping)).toContain('load_balancer_providers:\n  - { from: ovn, to: amphora }');

    const manyToOne = invertMapping(
      mapping('load_balancer_providers: [{ from: amphora, to: ovn }, { from: octavia, to: ovn }]\n'),
    );
    expect(manyToOne.problems.map((p) => [p.severity, p.path, p.code])).toEqual([
      ['error', '/load_balancer_providers/1', 'INVERT_MANY_TO_ONE'],
    ]);
  });

  it('a bad rule is exit 2 with the path into the file, nothing sent to a cloud', async () => {
    const { code, stdout } = await runCli(['mapping', 'validate', 'fixtures/mappings/invalid/load-balancers.yaml']);
    expect(code).toBe(2);
    expect(stdout).toContain('/load_balancer_providers/1/from (line 4');
    expect(stdout).toContain('MAPPING_DUPLICATE_RULE');
    expect(stdout).toContain('/load_balancer_flavors/0/to (line 7');
    expect(stdout).not.toMatch(/at .*\.ts:\d+/);
  });
});
