import { describe, expect, it } from 'vitest';
import { applyMapping, invertMapping, parseMapping, validateMapping, type Mapping } from '../../src/mapping/index.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { checkPlan } from '../../src/plan/validate.js';
import { projectPlan } from '../engine/support/sim.js';

function mapping(yaml: string): Mapping {
  const { mapping: parsed, issues } = parseMapping(`format: bascule.mapping/v1\n${yaml}`);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return parsed!;
}

/** The project plan with four web servers in the anti-affinity group "spread" (web-1 tagged "front"), listed out of key order. */
function piPlan(): Plan {
  const plan = projectPlan();
  const web1 = plan.resources.find((r) => r.key === 'server:web-1')!;
  (web1.spec as { tags?: string[] }).tags = ['front'];
  const extra: PlanResource[] = ['web-4', 'web-2', 'web-3'].map((name) => ({
    kind: 'server',
    key: `server:${name}`,
    refs: { flavor: 'flavor:m1.small', image: 'image:cirros', server_group: 'server_group:spread' },
    spec: { name, availability_zone: 'nova', power_state: 'running', disk_strategy: 'base-image' },
  })) as PlanResource[];
  plan.resources.push(...extra);
  return plan;
}

const zones = (plan: Plan) =>
  Object.fromEntries(
    plan.resources
      .filter((r) => r.kind === 'server' || r.kind === 'volume')
      .map((r) => [r.key, (r.spec as { availability_zone?: string }).availability_zone ?? null]),
  );

describe('server_zones: placement per server', () => {
  it('spreads the members of an anti-affinity group over three zones, round-robin in plan key order', () => {
    const out = applyMapping(
      piPlan(),
      mapping('server_zones:\n  - { from: { group: spread }, spread: [az1, az2, az3] }\n'),
    );
    expect(out.issues).toEqual([]);
    expect(zones(out.plan)).toEqual({
      'server:web-1': 'az1',
      'server:web-2': 'az2',
      'server:web-3': 'az3',
      'server:web-4': 'az1',
      'server:db-1': null,
      'volume:db-data': null,
    });
    expect(out.notes.filter((n) => n.field === 'availability_zone')).toContainEqual({
      key: 'server:web-2',
      field: 'availability_zone',
      from: 'nova',
      to: 'az2',
      rule: '/server_zones/0',
    });
    expect(checkPlan(out.plan).issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('is deterministic: the same placement whatever the order of the plan', () => {
    const m = mapping('server_zones:\n  - { from: { name_regex: "^web-" }, spread: [az1, az2, az3] }\n');
    const reversed = piPlan();
    reversed.resources.reverse();
    expect(zones(applyMapping(reversed, m).plan)).toEqual(zones(applyMapping(piPlan(), m).plan));
  });

  it('first match wins: a tag rule takes its server out of a later spread; the rest fall to availability_zones', () => {
    const out = applyMapping(
      piPlan(),
      mapping(
        [
          'availability_zones: [{ from: nova, to: az9 }]',
          'server_zones:',
          '  - { from: { tag: front }, zone: az3 }',
          '  - { from: { name_regex: "^web-[0-9]$" }, spread: [az1, az2] }',
          '  - { from: { name_regex: "^db-" }, zone: null }',
        ].join('\n'),
      ),
    );
    expect(zones(out.plan)).toEqual({
      'server:web-1': 'az3',
      'server:web-2': 'az1',
      'server:web-3': 'az2',
      'server:web-4': 'az1',
      'server:db-1': null,
      'volume:db-data': null,
    });
    expect(out.notes).toContainEqual({
      key: 'server:db-1',
      field: 'availability_zone',
      from: null,
      to: null,
      rule: '/server_zones/2',
    });
  });

  it('a rule scoped to another region does not apply; a rule that places nothing is a warning with its pointer', () => {
    const out = applyMapping(
      piPlan(),
      mapping(
        'regions: [{ from: RegionOne, to: RIE }, { from: Internet, to: INT }]\nserver_zones:\n  - { from: { group: spread }, zone: az1, region: Internet }\n  - { from: { tag: nothing-has-it }, zone: az2 }\n',
      ),
    );
    expect(zones(out.plan)['server:web-2']).toBe('nova');
    expect(out.issues).toEqual([
      expect.objectContaining({ severity: 'warning', path: '/server_zones/1', code: 'MAPPING_SERVER_ZONE_UNUSED' }),
    ]);
  });

  it('leaves excluded servers out of the spread', () => {
    const out = applyMapping(
      piPlan(),
      mapping(
        'server_zones:\n  - { from: { group: spread }, spread: [az1, az2, az3] }\nexclude: { keys: ["server:web-2"] }\n',
      ),
    );
    expect(zones(out.plan)).toMatchObject({ 'server:web-1': 'az1', 'server:web-3': 'az2', 'server:web-4': 'az3' });
  });
});

describe('server_zones: validation', () => {
  const codes = (doc: unknown) => validateMapping(doc).map((i) => [i.severity, i.path, i.code]);
  const doc = (rules: unknown[]) => ({ format: 'bascule.mapping/v1', server_zones: rules });

  it('reports each bad rule with its pointer', () => {
    expect(
      codes(
        doc([
          { from: { name_regex: 'web-(', tag: 'x' }, zone: 'az1' },
          { from: { group: 'g' }, zone: 'az1', spread: ['az2'] },
          { from: {}, spread: [] },
          { from: { group: 'h' } },
          { from: { group: 'g' }, spread: ['az1', 'az1'] },
          { from: { tag: 't' }, zone: 'a' },
          { from: { tag: 't' }, zone: 'b' },
        ]),
      ),
    ).toEqual([
      ['error', '/server_zones/2/spread', 'SCHEMA_MIN_ITEMS'],
      ['error', '/server_zones/4/spread', 'SCHEMA_UNIQUE_ITEMS'],
      ['error', '/server_zones/0/from', 'MAPPING_ONE_OF'],
      ['error', '/server_zones/0/from/name_regex', 'MAPPING_REGEX_INVALID'],
      ['error', '/server_zones/1', 'MAPPING_ONE_OF'],
      ['error', '/server_zones/3', 'MAPPING_ONE_OF'],
      ['error', '/server_zones/6/from', 'MAPPING_DUPLICATE_RULE'],
    ]);
  });

  it('accepts zone: null and a region that "regions" knows', () => {
    expect(
      validateMapping({
        format: 'bascule.mapping/v1',
        regions: [{ from: 'RegionOne', to: 'RIE' }],
        server_zones: [{ from: { tag: 't' }, zone: null, region: 'RegionOne', description: 'drop' }],
      }),
    ).toEqual([]);
  });
});

describe('server_zones: inversion', () => {
  it('refuses each rule by pointer and leaves server_zones out of the inverse', () => {
    const { mapping: inverse, problems } = invertMapping(
      mapping(
        'server_zones:\n  - { from: { group: spread }, spread: [az1, az2, az3] }\n  - { from: { tag: t }, zone: az1 }\n',
      ),
    );
    expect(problems.map((p) => [p.severity, p.path, p.code])).toEqual([
      ['error', '/server_zones/0', 'INVERT_SERVER_ZONES'],
      ['error', '/server_zones/1', 'INVERT_SERVER_ZONES'],
    ]);
    expect(problems[0]!.message).toContain('az1, az2, az3');
    expect(inverse.server_zones).toBeUndefined();
  });
});
