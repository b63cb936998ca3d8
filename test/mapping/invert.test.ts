import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyMapping,
  invertMapping,
  parseMapping,
  stringifyMapping,
  validateMapping,
  type Mapping,
  type NameRule,
} from '../../src/mapping/index.js';
import type { Plan } from '../../src/plan/types.js';

function mapping(yaml: string): Mapping {
  const { mapping: parsed, issues } = parseMapping(`format: bascule.mapping/v1\n${yaml}`);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return parsed!;
}

/** An exactly invertible mapping using every invertible rule form. */
const INVERTIBLE = mapping(`
description: A to B
source: { cloud: a }
target: { cloud: b, description: the new one }
regions: [{ from: r1, to: t1 }, { from: r2, to: t2 }]
flavors:
  - { from: { name: m1.small }, to: { name: s1.small }, description: keep }
  - { from: { name: m1.small }, to: { name: s1.small-r2 }, region: r2 }
  - { from: { name: m1.large }, to: { name: s1.large } }
  - { from: { any: true }, to: { shape: smallest-fit } }
images:
  - { from: { name: cirros-a }, to: { name: cirros-b } }
  - { from: { checksum: 0123456789abcdef0123456789abcdef }, to: { name: debian-b } }
  - { from: { name: sles-a }, to: { checksum: fedcba9876543210fedcba9876543210 } }
  - { from: { os_hash_value: ${'ab'.repeat(64)} }, to: { checksum: same } }
  - { from: { any: true }, to: { checksum: same } }
external_networks: [{ from: ext-net, to: public, region: r1 }, { from: rie, to: rie-b }]
availability_zones: [{ from: nova, to: az1, kinds: [server] }, { from: nova, to: az2, kinds: [volume] }, { from: zone-x, to: zone-y }]
volume_types: [{ from: standard, to: ceph-hdd }]
names:
  - { regex: "^pi-(.*)$", replace: "nubo-$1", inverse: { regex: "^nubo-(.*)$", replace: "pi-$1" } }
  - { kinds: [server], prefix: "mig-" }
  - { suffix: "-b" }
`);

describe('invertMapping on an invertible mapping', () => {
  const { mapping: inverse, problems } = invertMapping(INVERTIBLE);

  it('has only the smallest-fit warning, and the inverse is a valid mapping', () => {
    expect(problems.map((p) => [p.severity, p.path, p.code])).toEqual([
      ['warning', '/flavors/3', 'INVERT_SMALLEST_FIT'],
    ]);
    expect(validateMapping(inverse)).toEqual([]);
  });

  it('swaps sides, regions and every name pair', () => {
    expect(inverse.description).toBe('Inverse of: A to B');
    expect(inverse.source).toEqual({ cloud: 'b', description: 'the new one' });
    expect(inverse.target).toEqual({ cloud: 'a' });
    expect(inverse.regions).toEqual([
      { from: 't1', to: 'r1' },
      { from: 't2', to: 'r2' },
    ]);
    expect(inverse.flavors?.[1]).toEqual({ from: { name: 's1.small-r2' }, to: { name: 'm1.small' }, region: 't2' });
    expect(inverse.images?.slice(1, 3)).toEqual([
      { from: { name: 'debian-b' }, to: { checksum: '0123456789abcdef0123456789abcdef' } },
      { from: { checksum: 'fedcba9876543210fedcba9876543210' }, to: { name: 'sles-a' } },
    ]);
    expect(inverse.external_networks).toEqual([
      { from: 'public', to: 'ext-net', region: 't1' },
      { from: 'rie-b', to: 'rie' },
    ]);
    expect(inverse.availability_zones?.[0]).toEqual({ from: 'az1', to: 'nova', kinds: ['server'] });
  });

  it('undoes the name rules in reverse order', () => {
    expect(inverse.names).toEqual([
      { strip_suffix: '-b' },
      { kinds: ['server'], strip_prefix: 'mig-' },
      { regex: '^nubo-(.*)$', replace: 'pi-$1', inverse: { regex: '^pi-(.*)$', replace: 'nubo-$1' } },
    ]);
  });

  it('round trip: invert(invert(m)) equals m', () => {
    expect(invertMapping(inverse).mapping).toEqual(INVERTIBLE);
  });

  it('round trip through the YAML and JSON writers', () => {
    for (const format of ['yaml', 'json'] as const) {
      const reread = parseMapping(stringifyMapping(inverse, format));
      expect(reread.issues).toEqual([]);
      expect(reread.mapping).toEqual(inverse);
    }
  });

  it('names come back: applying m then its inverse gives the original names', () => {
    const plan = JSON.parse(readFileSync('plans/web-two-tier.plan.json', 'utf8')) as Plan;
    (plan.resources.find((r) => r.key === 'server:web-2')!.spec as { name: string }).name = 'pi-web-2';
    const there = applyMapping(plan, INVERTIBLE).plan;
    expect((there.resources.find((r) => r.key === 'server:web-2')!.spec as { name: string }).name).toBe(
      'mig-nubo-web-2-b',
    );
    const back = applyMapping(there, inverse).plan;
    const names = (p: Plan) =>
      p.resources.filter((r) => r.external !== true).map((r) => [r.key, (r.spec as { name?: string }).name]);
    expect(names(there)).not.toEqual(names(plan));
    expect(names(back)).toEqual(names(plan));
  });
});

describe('invertMapping names what cannot be inverted', () => {
  function problems(yaml: string): [string, string, string][] {
    return invertMapping(mapping(yaml)).problems.map((p) => [p.severity, p.path, p.code]);
  }

  it('two source flavors mapped to one target flavor: says which, keeps the first', () => {
    const result = invertMapping(
      mapping(
        'flavors:\n  - { from: { name: m1.small }, to: { name: s1.small } }\n  - { from: { name: m1.tiny }, to: { name: s1.small } }\n',
      ),
    );
    expect(result.problems).toEqual([
      {
        severity: 'error',
        path: '/flavors/1',
        code: 'INVERT_MANY_TO_ONE',
        message: expect.stringContaining(
          '"m1.small" (/flavors/0) and "m1.tiny" both map to "s1.small"',
        ) as unknown as string,
      },
    ]);
    expect(result.mapping.flavors).toEqual([{ from: { name: 's1.small' }, to: { name: 'm1.small' } }]);
  });

  it('the same target in two regions is not a clash', () => {
    expect(
      problems(
        'regions: [{ from: r1, to: t1 }, { from: r2, to: t2 }]\nvolume_types:\n  - { from: a, to: x, region: r1 }\n  - { from: b, to: x, region: r2 }\n',
      ),
    ).toEqual([]);
  });

  it('flavors matched by shape or regex, or sent to smallest-fit by name', () => {
    expect(
      problems(
        [
          'flavors:',
          '  - { from: { vcpus: 1, ram: 512, disk: 1 }, to: { name: s1.tiny } }',
          '  - { from: { name_regex: "^hos" }, to: { name: s1.hos } }',
          '  - { from: { name: m1.huge }, to: { shape: smallest-fit } }',
          '  - { from: { any: true }, to: { shape: smallest-fit, within: { name_regex: "^s1" } } }',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      ['error', '/flavors/0', 'INVERT_NOT_BY_NAME'],
      ['error', '/flavors/1', 'INVERT_NOT_BY_NAME'],
      ['error', '/flavors/2', 'INVERT_SHAPE'],
      ['warning', '/flavors/3/to/within', 'INVERT_WITHIN_DROPPED'],
      ['warning', '/flavors/3', 'INVERT_SMALLEST_FIT'],
    ]);
  });

  it('images matched by regex or by a catch-all to one name, and a name to the same checksum', () => {
    expect(
      problems(
        'images:\n  - { from: { name_regex: "^cirros" }, to: { name: cirros } }\n  - { from: { name: sles }, to: { checksum: same } }\n  - { from: { any: true }, to: { name: default } }\n',
      ),
    ).toEqual([
      ['error', '/images/0', 'INVERT_NOT_BY_NAME'],
      ['error', '/images/1', 'INVERT_NOT_BY_NAME'],
      ['error', '/images/2', 'INVERT_NOT_BY_NAME'],
    ]);
  });

  it('strip rules invert to prefix and suffix rules, with a warning: names that lacked them come back with them', () => {
    const result = invertMapping(
      mapping('names:\n  - { strip_prefix: old- }\n  - { kinds: [volume], strip_suffix: -tmp }\n'),
    );
    expect(result.problems.map((p) => [p.severity, p.path, p.code])).toEqual([
      ['warning', '/names/0', 'INVERT_STRIP'],
      ['warning', '/names/1', 'INVERT_STRIP'],
    ]);
    expect(result.mapping.names).toEqual([{ kinds: ['volume'], suffix: '-tmp' }, { prefix: 'old-' }]);
  });

  it('regex name rules without an inverse', () => {
    const result = invertMapping(
      mapping('names:\n  - { prefix: a- }\n  - { regex: "^pi-(.*)$", replace: "nubo-$1" }\n'),
    );
    expect(result.problems.map((p) => [p.path, p.code])).toEqual([['/names/1', 'INVERT_REGEX']]);
    expect(result.mapping.names).toEqual([{ strip_prefix: 'a-' }]);
  });

  it('zones merged or dropped, networks and volume types merged, regions merged or unknown', () => {
    expect(
      problems(
        [
          'regions: [{ from: r1, to: t }, { from: r2, to: t }]',
          'availability_zones: [{ from: az1, to: nova }, { from: az2, to: nova }, { from: az3, to: null }, { from: az4, to: nova, kinds: [network] }]',
          'external_networks: [{ from: ext, to: public }, { from: ext2, to: public }]',
          'volume_types: [{ from: a, to: b, region: r3 }]',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      ['error', '/regions/1', 'INVERT_MANY_TO_ONE'],
      ['error', '/external_networks/1', 'INVERT_MANY_TO_ONE'],
      ['error', '/availability_zones/1', 'INVERT_MANY_TO_ONE'],
      ['error', '/availability_zones/2/to', 'INVERT_DROPPED_ZONE'],
      ['error', '/volume_types/0/region', 'INVERT_REGION_UNKNOWN'],
    ]);
  });

  it('include and exclude: the kind filter is kept, key selectors are dropped, both reported', () => {
    const result = invertMapping(
      mapping('exclude: { kinds: [quota], keys: ["server:test-*"] }\ninclude: { keys: ["server:web-*"] }\n'),
    );
    expect(result.problems.map((p) => [p.severity, p.path, p.code])).toEqual([
      ['error', '/include/keys', 'INVERT_SELECTION'],
      ['error', '/exclude/keys', 'INVERT_SELECTION'],
      ['error', '/exclude/kinds', 'INVERT_SELECTION'],
    ]);
    expect(result.mapping.exclude).toEqual({ kinds: ['quota'] });
    expect(result.mapping.include).toBeUndefined();
  });

  it('the description mark is an involution, even on a description that looks inverted', () => {
    const m = mapping('description: "Inverse of: something"\n');
    expect(invertMapping(m).mapping.description).toBe('something');
    expect(invertMapping(invertMapping(m).mapping).mapping).toEqual(m);
  });
});

describe('invertMapping on generated mappings', () => {
  /** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
  function prng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function generate(seed: number): Mapping {
    const random = prng(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    /** A bijection between distinct source and target names (distinct targets: invertible). */
    const pairs = (from: string, to: string) => {
      const count = Math.floor(random() * 4);
      const sources = names(from, count);
      const targets = names(to, count).sort(() => random() - 0.5);
      return sources.map((s, i) => ({ from: s, to: targets[i]! }));
    };
    const m: Mapping = { format: 'bascule.mapping/v1' };
    if (random() < 0.5) m.description = pick(['A to B', 'Inverse of: B to A', 'x']);
    if (random() < 0.5) m.source = { cloud: 'a' };
    if (random() < 0.5) m.target = { cloud: 'b' };
    if (random() < 0.7) m.flavors = pairs('fa', 'fb').map((p) => ({ from: { name: p.from }, to: { name: p.to } }));
    if (m.flavors !== undefined && random() < 0.5)
      m.flavors.push({ from: { any: true }, to: { shape: 'smallest-fit' } });
    if (random() < 0.7) {
      m.images = pairs('ia', 'ib').map((p, i) =>
        i % 2 === 0
          ? { from: { name: p.from }, to: { name: p.to } }
          : { from: { name: p.from }, to: { checksum: p.to.padEnd(32, '0').replace(/[^0-9a-f]/g, 'a') } },
      );
      if (random() < 0.5) m.images.push({ from: { any: true }, to: { checksum: 'same' } });
    }
    if (random() < 0.7) m.external_networks = pairs('na', 'nb');
    if (random() < 0.7) m.volume_types = pairs('va', 'vb');
    if (random() < 0.7)
      m.availability_zones = pairs('za', 'zb').map((p) =>
        random() < 0.5 ? p : { ...p, kinds: [pick(['server', 'volume', 'network', 'router'] as const)] },
      );
    if (random() < 0.7) {
      const actions: NameRule[] = [
        { prefix: 'p-' },
        { suffix: '-s' },
        { regex: '^a(.*)$', replace: 'b$1', inverse: { regex: '^b(.*)$', replace: 'a$1' } },
      ];
      m.names = Array.from({ length: Math.floor(random() * 4) }, () => ({
        ...(random() < 0.5 ? { kinds: [pick(['server', 'port', 'network'] as const)] } : {}),
        ...pick(actions),
      }));
    }
    return m;
  }

  it('invert(invert(m)) equals m for 300 generated invertible mappings', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const m = generate(seed);
      expect(validateMapping(m), `seed ${seed}`).toEqual([]);
      const once = invertMapping(m);
      expect(
        once.problems.filter((p) => p.severity === 'error'),
        `seed ${seed}`,
      ).toEqual([]);
      expect(validateMapping(once.mapping), `seed ${seed}`).toEqual([]);
      expect(invertMapping(once.mapping).mapping, `seed ${seed}`).toEqual(m);
    }
  });
});
