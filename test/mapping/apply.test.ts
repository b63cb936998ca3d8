import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyMapping,
  mapName,
  mapZone,
  parseMapping,
  smallestFit,
  type FlavorLike,
  type Mapping,
} from '../../src/mapping/index.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { checkPlan } from '../../src/plan/validate.js';

/** The two-tier example plan (exported from a Pike cloud, region RegionOne). */
function webPlan(): Plan {
  return JSON.parse(readFileSync('plans/web-two-tier.plan.json', 'utf8')) as Plan;
}

/** A mapping from YAML text, checked valid first (so every test also exercises the parser). */
function mapping(yaml: string): Mapping {
  const { mapping: parsed, issues } = parseMapping(`format: bascule.mapping/v1\n${yaml}`);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return parsed!;
}

function entry(plan: Plan, key: string): PlanResource {
  const found = plan.resources.find((r) => r.key === key);
  if (found === undefined) throw new Error(`no ${key}`);
  return found;
}

function spec(plan: Plan, key: string): Record<string, unknown> {
  return entry(plan, key).spec as unknown as Record<string, unknown>;
}

describe('applyMapping: externals', () => {
  it('maps a flavor by name: the spec describes the target, the source shape stays in the resolution', () => {
    const out = applyMapping(
      webPlan(),
      mapping('flavors:\n  - { from: { name: m1.small }, to: { name: s1.small } }\n'),
    );
    expect(spec(out.plan, 'flavor:m1.small')).toEqual({ name: 's1.small' });
    expect(out.resolution['flavor:m1.small']).toEqual({
      kind: 'flavor',
      strategy: 'name',
      rule: '/flavors/0',
      name: 's1.small',
      shape: { vcpus: 1, ram: 2048, disk: 20 },
    });
    expect(out.resolution['flavor:m1.medium']).toEqual({
      kind: 'flavor',
      strategy: 'unchanged',
      name: 'm1.medium',
      shape: { vcpus: 2, ram: 4096, disk: 40 },
    });
    expect(out.notes).toContainEqual({
      key: 'flavor:m1.small',
      field: 'name',
      from: 'm1.small',
      to: 's1.small',
      rule: '/flavors/0',
    });
    // Keys and refs do not change.
    expect(entry(out.plan, 'server:web-1').refs).toEqual(entry(webPlan(), 'server:web-1').refs);
  });

  it('matches flavors by shape and by name_regex, first matching rule wins', () => {
    const out = applyMapping(
      webPlan(),
      mapping(
        [
          'flavors:',
          '  - { from: { vcpus: 2, ram: 4096, disk: 40 }, to: { name: s1.medium } }',
          '  - { from: { name_regex: "^m1\\\\." }, to: { name: s1.generic } }',
          '  - { from: { name: m1.small }, to: { name: never } }',
          '',
        ].join('\n'),
      ),
    );
    expect(out.resolution['flavor:m1.medium']).toMatchObject({
      strategy: 'name',
      name: 's1.medium',
      rule: '/flavors/0',
    });
    expect(out.resolution['flavor:m1.small']).toMatchObject({
      strategy: 'name',
      name: 's1.generic',
      rule: '/flavors/1',
    });
  });

  it('leaves smallest-fit to the engine: strategy shape with the source shape and the candidate filter', () => {
    const out = applyMapping(
      webPlan(),
      mapping('flavors:\n  - { from: { any: true }, to: { shape: smallest-fit, within: { name_regex: "^s1" } } }\n'),
    );
    expect(out.resolution['flavor:m1.medium']).toEqual({
      kind: 'flavor',
      strategy: 'shape',
      rule: '/flavors/0',
      name: 'm1.medium',
      shape: { vcpus: 2, ram: 4096, disk: 40 },
      within: '^s1',
    });
    expect(spec(out.plan, 'flavor:m1.medium')).toEqual(spec(webPlan(), 'flavor:m1.medium'));
    expect(out.issues).toEqual([]);
  });

  it('matches flavors by extra specs, and warns when smallest-fit ignores extra specs that matter', () => {
    const plan = webPlan();
    (entry(plan, 'flavor:m1.small').spec as { extra_specs?: Record<string, string> }).extra_specs = {
      'hw:cpu_policy': 'dedicated',
      'hw:mem_page_size': 'large',
    };
    const rules =
      'flavors:\n  - { from: { extra_specs: { "hw:cpu_policy": dedicated } }, to: { name: d1.small } }\n  - { from: { any: true }, to: { shape: smallest-fit } }\n';
    const out = applyMapping(plan, mapping(rules));
    expect(out.resolution['flavor:m1.small']).toMatchObject({ strategy: 'name', name: 'd1.small' });
    // m1.medium has hw:cpu_policy=shared only: smallest-fit without a warning.
    expect(out.resolution['flavor:m1.medium']).toMatchObject({ strategy: 'shape' });
    expect(out.issues).toEqual([]);
    const fitted = applyMapping(plan, mapping('flavors:\n  - { from: { any: true }, to: { shape: smallest-fit } }\n'));
    expect(fitted.issues.map((i) => [i.severity, i.path, i.code])).toEqual([
      ['warning', '/flavors/0', 'MAPPING_EXTRA_SPECS_IGNORED'],
    ]);
    expect(fitted.issues[0]!.message).toContain('hw:cpu_policy=dedicated, hw:mem_page_size=large');
  });

  it('puts the ephemeral disk and swap of a source flavor in the shape, and resolves non-external flavors too', () => {
    const plan = webPlan();
    const small = entry(plan, 'flavor:m1.small');
    Object.assign(small.spec, { ephemeral: 10, swap: 0 });
    delete small.external;
    const out = applyMapping(plan, mapping('flavors:\n  - { from: { any: true }, to: { shape: smallest-fit } }\n'));
    expect(out.resolution['flavor:m1.small']).toMatchObject({
      strategy: 'shape',
      shape: { vcpus: 1, ram: 2048, disk: 20, ephemeral: 10 },
    });
    expect(out.resolution['flavor:m1.small']!.shape).not.toHaveProperty('swap');
  });

  it('reports a smallest-fit rule on a flavor whose shape the plan does not give', () => {
    const plan = webPlan();
    (entry(plan, 'flavor:m1.small').spec as { ram?: number }).ram = undefined;
    delete (entry(plan, 'flavor:m1.small').spec as { ram?: number }).ram;
    const out = applyMapping(plan, mapping('flavors:\n  - { from: { any: true }, to: { shape: smallest-fit } }\n'));
    expect(out.issues.map((i) => [i.severity, i.path, i.code])).toEqual([['error', '/flavors/0', 'MAPPING_NO_SHAPE']]);
    expect(out.issues[0]!.message).toContain('flavor:m1.small');
  });

  it('applies a rule scoped to a region only to plans from that region', () => {
    const rules =
      'external_networks:\n  - { from: public, to: internet-nord, region: region1 }\n  - { from: public, to: internet-other }\n';
    const other = applyMapping(webPlan(), mapping(rules));
    expect(spec(other.plan, 'network:public').name).toBe('internet-other');
    const plan = webPlan();
    plan.provenance.region = 'region1';
    const nord = applyMapping(plan, mapping(rules));
    expect(spec(nord.plan, 'network:public')).toEqual({ name: 'internet-nord', router_external: true });
    expect(nord.resolution['network:public']).toEqual({
      kind: 'network',
      strategy: 'name',
      rule: '/external_networks/0',
      name: 'internet-nord',
    });
    // The router and the floating IP still point at the same key.
    expect(entry(nord.plan, 'router:edge').refs).toMatchObject({ external_network: 'network:public' });
  });

  it("warns when the plan comes from a region the mapping's regions table does not list", () => {
    const rules =
      'regions: [{ from: region1, to: nord }]\nexternal_networks:\n  - { from: public, to: internet-nord, region: region1 }\n';
    const out = applyMapping(webPlan(), mapping(rules));
    expect(out.issues.map((i) => [i.severity, i.path, i.code])).toEqual([
      ['warning', '/regions', 'MAPPING_REGION_NOT_MAPPED'],
    ]);
    expect(out.issues[0]!.message).toContain('"RegionOne"');
    expect(out.resolution['network:public']).toMatchObject({ strategy: 'unchanged' });
    const plan = webPlan();
    plan.provenance.region = 'region1';
    expect(applyMapping(plan, mapping(rules)).issues).toEqual([]);
  });

  it('maps images by name, by source checksum, to the same checksum and to an explicit checksum', () => {
    const byName = applyMapping(
      webPlan(),
      mapping('images:\n  - { from: { name: ubuntu-22.04 }, to: { name: ubuntu-jammy } }\n'),
    );
    expect(spec(byName.plan, 'image:ubuntu-22.04')).toEqual({ name: 'ubuntu-jammy' });
    expect(byName.resolution['image:ubuntu-22.04']).toMatchObject({ strategy: 'name', name: 'ubuntu-jammy' });

    const byChecksum = applyMapping(
      webPlan(),
      mapping('images:\n  - { from: { checksum: 3C1F2E7A9B4D6C8E0F1A2B3C4D5E6F70 }, to: { name: jammy } }\n'),
    );
    expect(byChecksum.resolution['image:ubuntu-22.04']).toMatchObject({
      strategy: 'name',
      name: 'jammy',
      rule: '/images/0',
    });

    const same = applyMapping(webPlan(), mapping('images:\n  - { from: { any: true }, to: { checksum: same } }\n'));
    const source = spec(webPlan(), 'image:ubuntu-22.04');
    expect(same.resolution['image:ubuntu-22.04']).toEqual({
      kind: 'image',
      strategy: 'checksum',
      rule: '/images/0',
      name: 'ubuntu-22.04',
      checksum: { md5: source.checksum, os_hash_algo: 'sha512', os_hash_value: source.os_hash_value },
    });
    expect(spec(same.plan, 'image:ubuntu-22.04')).toEqual(source);

    const explicit = applyMapping(
      webPlan(),
      mapping('images:\n  - { from: { name: ubuntu-22.04 }, to: { checksum: 0123456789ABCDEF0123456789ABCDEF } }\n'),
    );
    expect(spec(explicit.plan, 'image:ubuntu-22.04')).toEqual({
      name: 'ubuntu-22.04',
      checksum: '0123456789abcdef0123456789abcdef',
    });
    expect(explicit.resolution['image:ubuntu-22.04']).toMatchObject({
      strategy: 'checksum',
      checksum: { md5: '0123456789abcdef0123456789abcdef' },
    });
    expect(explicit.notes).toEqual([
      {
        key: 'image:ubuntu-22.04',
        field: 'checksum',
        from: source.checksum,
        to: '0123456789abcdef0123456789abcdef',
        rule: '/images/0',
      },
    ]);
  });

  it('reports "checksum: same" on an image the plan gives no checksum for', () => {
    const plan = webPlan();
    const image = entry(plan, 'image:ubuntu-22.04').spec as { checksum?: string | null; os_hash_value?: string | null };
    image.checksum = null;
    image.os_hash_value = null;
    const out = applyMapping(plan, mapping('images:\n  - { from: { any: true }, to: { checksum: same } }\n'));
    expect(out.issues.map((i) => i.code)).toEqual(['MAPPING_NO_CHECKSUM']);
  });

  it('maps volume types; every external entry gets a resolution', () => {
    const out = applyMapping(webPlan(), mapping('volume_types:\n  - { from: ssd, to: ceph-ssd }\n'));
    expect(spec(out.plan, 'volume_type:ssd')).toEqual({ name: 'ceph-ssd' });
    const externals = webPlan()
      .resources.filter((r) => r.external === true)
      .map((r) => r.key)
      .sort();
    expect(Object.keys(out.resolution).sort()).toEqual(externals);
    expect(out.resolution['image:ubuntu-22.04']!.strategy).toBe('unchanged');
  });
});

describe('applyMapping: zones and names', () => {
  it('maps zones per kind, and drops a zone mapped to null', () => {
    const out = applyMapping(
      webPlan(),
      mapping(
        'availability_zones:\n  - { from: nova, to: az1, kinds: [server] }\n  - { from: nova, to: null, kinds: [volume] }\n',
      ),
    );
    expect(spec(out.plan, 'server:web-1').availability_zone).toBe('az1');
    expect(spec(out.plan, 'volume:db-data')).not.toHaveProperty('availability_zone');
    expect(out.notes.filter((n) => n.field === 'availability_zone')).toHaveLength(4);
  });

  it('maps network availability zone hints only when the rule names the network kind', () => {
    const plan = webPlan();
    (entry(plan, 'network:backend').spec as { availability_zone_hints?: string[] }).availability_zone_hints = [
      'nova',
      'zone-b',
    ];
    const without = applyMapping(plan, mapping('availability_zones:\n  - { from: nova, to: az1 }\n'));
    expect(spec(without.plan, 'network:backend').availability_zone_hints).toEqual(['nova', 'zone-b']);
    const withNetwork = applyMapping(
      plan,
      mapping('availability_zones:\n  - { from: nova, to: az1, kinds: [network] }\n'),
    );
    expect(spec(withNetwork.plan, 'network:backend').availability_zone_hints).toEqual(['az1', 'zone-b']);
  });

  it('applies name rules in order, each on the result of the previous, to non-external entries only', () => {
    const out = applyMapping(
      webPlan(),
      mapping(
        [
          'names:',
          '  - { kinds: [server], prefix: "mig-" }',
          '  - { regex: "^mig-web-(.*)$", replace: "front-$1" }',
          '  - { kinds: [network, subnet], suffix: "-pi" }',
          '',
        ].join('\n'),
      ),
    );
    expect(spec(out.plan, 'server:web-1').name).toBe('front-1');
    expect(spec(out.plan, 'server:db-1').name).toBe('mig-db-1');
    expect(spec(out.plan, 'network:frontend').name).toBe('frontend-pi');
    expect(spec(out.plan, 'subnet:frontend-v4').name).toBe('frontend-v4-pi');
    expect(spec(out.plan, 'network:public').name).toBe('public');
    expect(spec(out.plan, 'keypair:deploy').name).toBe('deploy');
    expect(out.notes.filter((n) => n.key === 'server:web-1')).toEqual([
      { key: 'server:web-1', field: 'name', from: 'web-1', to: 'mig-web-1', rule: '/names/0' },
      { key: 'server:web-1', field: 'name', from: 'mig-web-1', to: 'front-1', rule: '/names/1' },
    ]);
    expect(out.plan.resources.map((r) => r.key)).toEqual(webPlan().resources.map((r) => r.key));
  });

  it('never renames the default security group', () => {
    const plan = webPlan();
    (entry(plan, 'security_group:web').spec as { name: string }).name = 'default';
    const out = applyMapping(plan, mapping('names:\n  - { prefix: "x-" }\n'));
    expect(spec(out.plan, 'security_group:web').name).toBe('default');
    expect(spec(out.plan, 'security_group:db').name).toBe('x-db');
  });

  it('leaves unnamed entries unnamed (ports Nova created have an empty name)', () => {
    const plan = webPlan();
    (entry(plan, 'port:web-1/eth0').spec as { name: string }).name = '';
    const out = applyMapping(plan, mapping('names:\n  - { prefix: "mig-" }\n'));
    expect(spec(out.plan, 'port:web-1/eth0').name).toBe('');
    expect(spec(out.plan, 'port:web-2/eth0').name).toBe(`mig-${String(spec(plan, 'port:web-2/eth0').name)}`);
  });

  it('strips prefixes and suffixes only where present', () => {
    const plan = webPlan();
    const out = applyMapping(plan, mapping('names:\n  - { strip_prefix: "web-" }\n  - { strip_suffix: "-v4" }\n'));
    expect(spec(out.plan, 'server:web-1').name).toBe('1');
    expect(spec(out.plan, 'server:db-1').name).toBe('db-1');
    expect(spec(out.plan, 'subnet:backend-v4').name).toBe('backend');
  });

  it('reports names the rules empty, make too long, or make collide', () => {
    const empty = applyMapping(webPlan(), mapping('names:\n  - { kinds: [keypair], regex: "^.*$", replace: "" }\n'));
    expect(empty.issues.map((i) => [i.severity, i.path, i.code])).toEqual([
      ['error', '/names/0', 'MAPPING_NAME_EMPTY'],
    ]);
    const long = applyMapping(
      webPlan(),
      mapping(
        `names:\n  - { kinds: [keypair], suffix: "${'x'.repeat(128)}" }\n  - { kinds: [keypair], suffix: "${'y'.repeat(128)}" }\n`,
      ),
    );
    expect(long.issues.map((i) => i.code)).toEqual(['MAPPING_NAME_TOO_LONG']);
    const collide = applyMapping(
      webPlan(),
      mapping('names:\n  - { kinds: [server], regex: "^web-[0-9]+$", replace: "web" }\n'),
    );
    expect(collide.issues.map((i) => [i.severity, i.code])).toEqual([['warning', 'MAPPING_NAME_COLLISION']]);
    expect(collide.issues[0]!.message).toContain('server:web-1');
  });
});

describe('applyMapping: include and exclude', () => {
  it('excludes by kind and by key glob, with everything that depends on what was excluded', () => {
    const out = applyMapping(webPlan(), mapping('exclude: { kinds: [quota], keys: ["port:web-2/*"] }\n'));
    const gone = out.filtered.map((f) => [f.key, f.reason, f.rule ?? f.via]);
    expect(gone).toEqual([
      ['port:web-2/eth0', 'excluded', '/exclude/keys/0'],
      ['quota:shop', 'excluded', '/exclude/kinds/0'],
      ['server:web-2', 'depends-on-excluded', 'port:web-2/eth0'],
    ]);
    expect(out.plan.resources.map((r) => r.key)).not.toContain('server:web-2');
    expect(checkPlan(JSON.parse(JSON.stringify(out.plan))).issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('cascades through several levels', () => {
    const out = applyMapping(webPlan(), mapping('exclude: { keys: ["network:frontend"] }\n'));
    const removed = new Set(out.filtered.map((f) => f.key));
    for (const key of [
      'network:frontend',
      'subnet:frontend-v4',
      'port:web-1/eth0',
      'server:web-1',
      'floating_ip:web-1/eth0',
      'router:edge',
    ])
      expect(removed.has(key)).toBe(true);
    expect(removed.has('network:backend')).toBe(false);
    expect(checkPlan(JSON.parse(JSON.stringify(out.plan))).issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('includes the selected entries, what they refer to, and their companions, and nothing else', () => {
    const out = applyMapping(webPlan(), mapping('include: { keys: ["server:web-1"] }\n'));
    const kept = out.plan.resources.map((r) => r.key).sort();
    expect(kept).toEqual([
      'flavor:m1.small',
      'floating_ip:web-1/eth0',
      'image:ubuntu-22.04',
      'keypair:deploy',
      'network:frontend',
      'network:public',
      'port:web-1/eth0',
      'security_group:web',
      'security_group_rule:web/egress-IPv4-any-any-any',
      'security_group_rule:web/ingress-IPv4-tcp-22-192.0.2.10_32',
      'security_group_rule:web/ingress-IPv4-tcp-443-0.0.0.0_0',
      'server:web-1',
      'server_group:web-spread',
      'subnet:frontend-v4',
    ]);
    expect(out.pulledIn).toContainEqual({ key: 'floating_ip:web-1/eth0', reason: 'companion', of: 'port:web-1/eth0' });
    expect(out.pulledIn).toContainEqual({ key: 'network:frontend', reason: 'dependency', of: 'port:web-1/eth0' });
    // The rule allowing ICMP from the db group stays out: its remote group is not migrated.
    expect(out.filtered).toContainEqual({
      key: 'security_group_rule:web/ingress-IPv4-icmp-any-sg=db',
      reason: 'not-included',
    });
    expect(checkPlan(JSON.parse(JSON.stringify(out.plan))).issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('includes a router when every subnet it connects is included', () => {
    const out = applyMapping(webPlan(), mapping('include: { kinds: [server] }\n'));
    expect(out.plan.resources.map((r) => r.key)).toContain('router:edge');
    expect(out.pulledIn).toContainEqual({ key: 'router:edge', reason: 'companion', of: 'subnet:backend-v4' });
  });

  it('lets exclude win over include, and warns about key globs that match nothing', () => {
    const out = applyMapping(
      webPlan(),
      mapping('include: { kinds: [server] }\nexclude: { keys: ["server:db-*", "server:nope"] }\n'),
    );
    const kept = out.plan.resources.map((r) => r.key);
    expect(kept).toContain('server:web-1');
    expect(kept).not.toContain('server:db-1');
    expect(kept).not.toContain('volume:db-data');
    expect(out.issues.map((i) => [i.path, i.code])).toEqual([['/exclude/keys/1', 'MAPPING_SELECTOR_UNUSED']]);
  });
});

describe('applyMapping: purity and validity', () => {
  it('does not modify its input, and a full mapping keeps the plan valid', () => {
    const plan = webPlan();
    const before = JSON.stringify(plan);
    const out = applyMapping(
      plan,
      mapping(
        [
          'flavors: [{ from: { name: m1.small }, to: { name: s1.small } }, { from: { any: true }, to: { shape: smallest-fit } }]',
          'images: [{ from: { any: true }, to: { checksum: same } }]',
          'external_networks: [{ from: public, to: internet }]',
          'availability_zones: [{ from: nova, to: az1 }]',
          'volume_types: [{ from: ssd, to: ceph-ssd }]',
          'names: [{ prefix: "pi-" }]',
          'exclude: { kinds: [quota] }',
          '',
        ].join('\n'),
      ),
    );
    expect(JSON.stringify(plan)).toBe(before);
    expect(out.issues).toEqual([]);
    expect(checkPlan(JSON.parse(JSON.stringify(out.plan))).issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('the identity mapping changes nothing', () => {
    const out = applyMapping(webPlan(), mapping(''));
    expect(out.plan).toEqual(webPlan());
    expect(out.notes).toEqual([]);
    expect(out.filtered).toEqual([]);
  });
});

describe('mapName and mapZone (for the audit)', () => {
  it('give the same names and zones as applyMapping', () => {
    const m = mapping(
      [
        'names: [{ kinds: [server], prefix: "mig-" }, { regex: "^mig-web-(.*)$", replace: "front-$1" }, { suffix: "-x" }]',
        'availability_zones: [{ from: nova, to: az1, kinds: [server] }, { from: nova, to: null, kinds: [volume], region: RegionOne }]',
        '',
      ].join('\n'),
    );
    const plan = webPlan();
    const out = applyMapping(plan, m);
    for (const resource of plan.resources) {
      if (resource.external === true) continue;
      const name = (resource.spec as { name?: unknown }).name;
      if (typeof name === 'string') expect(mapName(m, resource.kind, name)).toBe(spec(out.plan, resource.key).name);
      if (resource.kind === 'server' || resource.kind === 'volume') {
        expect(mapZone(m, resource.kind, 'nova', plan.provenance.region)).toBe(
          spec(out.plan, resource.key).availability_zone ?? null,
        );
      }
    }
    expect(mapName(m, 'security_group', 'default')).toBe('default');
    expect(mapName(m, 'quota', 'shop')).toBe('shop');
    expect(mapZone(m, 'volume', 'nova', 'elsewhere')).toBe('nova');
  });
});

describe('smallestFit', () => {
  const f = (name: string, vcpus: number, ram: number, disk: number, id?: string): FlavorLike =>
    id === undefined ? { name, vcpus, ram, disk } : { name, vcpus, ram, disk, id };

  it('picks the smallest flavor with at least the vCPUs, RAM and disk, RAM first', () => {
    const candidates = [f('big', 8, 16384, 160), f('cpu', 4, 4096, 40), f('mem', 2, 8192, 40), f('tiny', 1, 512, 1)];
    expect(smallestFit({ vcpus: 2, ram: 4096, disk: 20 }, candidates)?.name).toBe('cpu');
    expect(smallestFit({ vcpus: 1, ram: 512, disk: 1 }, candidates)?.name).toBe('tiny');
    expect(smallestFit({ vcpus: 2, ram: 4096, disk: 100 }, candidates)?.name).toBe('big');
  });

  it('breaks ties by vCPUs, disk, then name, then id, whatever the input order', () => {
    const tied = [f('b', 2, 4096, 40, '2'), f('a', 2, 4096, 40, '9'), f('a', 2, 4096, 40, '1'), f('c', 2, 4096, 20)];
    const wanted = { vcpus: 2, ram: 4096, disk: 20 };
    expect(smallestFit(wanted, tied)).toEqual(f('c', 2, 4096, 20));
    const withoutC = tied.filter((x) => x.name !== 'c');
    expect(smallestFit(wanted, withoutC)).toEqual(f('a', 2, 4096, 40, '1'));
    expect(smallestFit(wanted, [...withoutC].reverse())).toEqual(f('a', 2, 4096, 40, '1'));
  });

  it('keeps the ephemeral disk and swap a server had', () => {
    const candidates: FlavorLike[] = [
      { ...f('plain', 2, 4096, 40) },
      { ...f('eph', 2, 8192, 40), ephemeral: 20 },
      { ...f('swap', 4, 8192, 40), swap: 1024 },
    ];
    expect(smallestFit({ vcpus: 1, ram: 1024, disk: 10 }, candidates)?.name).toBe('plain');
    expect(smallestFit({ vcpus: 1, ram: 1024, disk: 10, ephemeral: 10 }, candidates)?.name).toBe('eph');
    expect(smallestFit({ vcpus: 1, ram: 1024, disk: 10, swap: 512 }, candidates)?.name).toBe('swap');
    expect(smallestFit({ vcpus: 1, ram: 1024, disk: 10, ephemeral: 10, swap: 512 }, candidates)).toBeUndefined();
  });

  it('returns undefined when nothing fits, and filters candidates with within', () => {
    expect(smallestFit({ vcpus: 64, ram: 1, disk: 1 }, [f('a', 8, 1024, 10)])).toBeUndefined();
    expect(smallestFit({ vcpus: 1, ram: 1, disk: 1 }, [])).toBeUndefined();
    const candidates = [f('m1.small', 1, 2048, 20), f('s1.small', 1, 2048, 20), f('s1.medium', 2, 4096, 40)];
    expect(smallestFit({ vcpus: 1, ram: 1024, disk: 10 }, candidates, '^s1\\.')?.name).toBe('s1.small');
    expect(smallestFit({ vcpus: 1, ram: 1024, disk: 10 }, candidates)?.name).toBe('m1.small');
  });
});

describe('applyMapping: regular expressions run in linear time (RE2)', () => {
  it('completes a catastrophic-backtracking rule on long names (it would run for ages on a backtracking engine)', () => {
    const plan = webPlan();
    const long = `${'a'.repeat(60)}!`;
    (entry(plan, 'server:web-1').spec as unknown as Record<string, unknown>).name = long;
    const out = applyMapping(
      plan,
      mapping(
        [
          'flavors:',
          '  - { from: { name_regex: "^(a|aa)+$" }, to: { name: s1.small } }',
          '  - { from: { any: true }, to: { name: s1.large } }',
          'names:',
          '  - { regex: "(a+)+$", replace: "x" }',
          '  - { regex: "^((a+)+)!$", replace: "short-$1" }',
          '',
        ].join('\n'),
      ),
    );
    // (a+)+$ does not match before the "!", so the first rule leaves the name; the second captures the run of a's.
    expect(spec(out.plan, 'server:web-1').name).toBe(`short-${'a'.repeat(60)}`);
    expect(spec(out.plan, 'server:db-1').name).toBe('db-1');
  });

  it('keeps String.replace semantics: first match only, $n groups and $$', () => {
    const plan = webPlan();
    const out = applyMapping(
      plan,
      mapping('names:\n  - { kinds: [server], regex: "(\\\\w)-(\\\\d)", replace: "$2$$$1" }\n'),
    );
    expect(spec(out.plan, 'server:web-1').name).toBe('we1$b');
  });
});
