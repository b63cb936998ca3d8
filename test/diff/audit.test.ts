import { describe, expect, it } from 'vitest';
import { auditPlans, journalFacts, resolveExternalNames } from '../../src/diff/audit.js';
import type { JournalRecord } from '../../src/engine/journal.js';
import { markerFor, markerIn } from '../../src/kinds/markers.js';
import { applyMapping, parseMapping } from '../../src/mapping/index.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { startClouds } from '../roundtrip/support.js';
import { OLD, projectSeed } from '../roundtrip/seed.js';

function plan(cloud: string, projectId: string, resources: PlanResource[]): Plan {
  return {
    format: 'bascule.plan/v1',
    provenance: {
      cloud,
      region: 'RegionOne',
      project: { name: 'shop', id: projectId },
      profile: { api_versions: {}, microversions: {}, extensions: [] },
      exported_at: '2026-11-28T00:00:00Z',
      bascule_version: '0.1.0',
    },
    resources,
  };
}

describe('markerIn', () => {
  it('finds a marker tag, else the bascule_marker property, else nothing', () => {
    expect(markerIn(['web', 'bascule:0123456789abcdef0123'])).toBe('bascule:0123456789abcdef0123');
    expect(markerIn(undefined, { role: 'db', bascule_marker: 'bascule:aaaa' })).toBe('bascule:aaaa');
    expect(markerIn(['web'], { role: 'db' })).toBeUndefined();
    expect(markerIn(null, { bascule_marker: '' })).toBeUndefined();
  });
});

describe('journalFacts', () => {
  it('maps plan keys to the IDs the journal recorded, with the source project of the markers', () => {
    const records: JournalRecord[] = [
      {
        t: 'run',
        format: 'bascule.journal/v1',
        run: 'r1',
        at: 't',
        mode: 'apply',
        plan_digest: 'd',
        target: { cloud: 'dst', project_id: 'p' },
        source_project: 'src-project',
      },
      {
        t: 'intent',
        run: 'r1',
        seq: 1,
        at: 't',
        key: 'network:front',
        kind: 'network',
        op: 'create',
        marker: 'bascule:1',
        rank: 0,
      },
      {
        t: 'result',
        run: 'r1',
        seq: 1,
        at: 't',
        key: 'network:front',
        kind: 'network',
        op: 'create',
        ok: true,
        id: 'N1',
      },
      {
        t: 'intent',
        run: 'r1',
        seq: 2,
        at: 't',
        key: 'network:back',
        kind: 'network',
        op: 'create',
        marker: 'bascule:2',
        rank: 1,
      },
      {
        t: 'result',
        run: 'r1',
        seq: 2,
        at: 't',
        key: 'network:back',
        kind: 'network',
        op: 'create',
        ok: false,
        error: { code: 'OS_BAD_REQUEST', message: 'no' },
      },
      {
        t: 'intent',
        run: 'r1',
        seq: 3,
        at: 't',
        key: 'security_group:default',
        kind: 'security_group',
        op: 'update',
        marker: 'bascule:3',
        rank: 2,
        target_id: 'G0',
        before: { description: 'x' },
      },
      {
        t: 'result',
        run: 'r1',
        seq: 3,
        at: 't',
        key: 'security_group:default',
        kind: 'security_group',
        op: 'update',
        ok: true,
      },
    ];
    const facts = journalFacts(records);
    expect([...facts.ids.entries()].sort()).toEqual([
      ['network:front', 'N1'],
      ['security_group:default', 'G0'],
    ]);
    expect(facts.sourceProject).toBe('src-project');
  });
});

describe('resolveExternalNames', () => {
  const target = plan('b', 'tp', [
    {
      kind: 'flavor',
      key: 'flavor:s1.small',
      external: true,
      spec: { name: 's1.small', vcpus: 1, ram: 2048, disk: 20 },
    },
    {
      kind: 'flavor',
      key: 'flavor:s1.medium',
      external: true,
      spec: { name: 's1.medium', vcpus: 2, ram: 4096, disk: 40 },
    },
    {
      kind: 'flavor',
      key: 'flavor:x1.medium',
      external: true,
      spec: { name: 'x1.medium', vcpus: 2, ram: 4096, disk: 40 },
    },
    { kind: 'image', key: 'image:golden', external: true, spec: { name: 'golden', checksum: 'abc' } },
  ]);
  const source = plan('a', 'sp', [
    { kind: 'flavor', key: 'flavor:custom', external: true, spec: { name: 'custom', vcpus: 2, ram: 3000, disk: 10 } },
    { kind: 'image', key: 'image:old-golden', external: true, spec: { name: 'old-golden', checksum: 'abc' } },
  ]);
  it('gives a shape-mapped flavor the name of the smallest target flavor that fits, and a checksum-mapped image its twin', () => {
    const parsed = parseMapping(
      "format: bascule.mapping/v1\nflavors:\n  - from: { any: true }\n    to: { shape: smallest-fit, within: { name_regex: '^s1\\.' } }\nimages:\n  - { from: { any: true }, to: { checksum: same } }\n",
    );
    expect(parsed.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const mapped = applyMapping(source, parsed.mapping!);
    const named = resolveExternalNames(mapped.plan, mapped.resolution, target);
    expect(named.resources.map((r) => (r.spec as { name: string }).name)).toEqual(['s1.medium', 'golden']);
  });
});

describe('auditPlans with a mapping', () => {
  it("a zone the mapping drops is the target's choice (expected), a zone it maps must be the mapped one", () => {
    const parsed = parseMapping(
      'format: bascule.mapping/v1\navailability_zones:\n  - { from: nova, to: null, kinds: [volume] }\n  - { from: az1, to: nord-a, kinds: [server] }\n',
    );
    expect(parsed.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const src = plan('a', 'sp', [
      { kind: 'volume', key: 'volume:data', spec: { name: 'data', size: 1, availability_zone: 'nova' } },
      { kind: 'server', key: 'server:web', spec: { name: 'web', availability_zone: 'az1' } },
    ]);
    const tgt = plan('b', 'tp', [
      { kind: 'volume', key: 'volume:data', spec: { name: 'data', size: 1, availability_zone: 'ceph-zone' } },
      { kind: 'server', key: 'server:web', spec: { name: 'web', availability_zone: 'nord-b' } },
    ]);
    const report = auditPlans(src, tgt, { mapping: parsed.mapping! });
    expect(report.differences).toEqual([
      {
        type: 'expected-lossy',
        kind: 'volume',
        key: 'volume:data',
        target_key: 'volume:data',
        field: 'spec.availability_zone',
        target: 'ceph-zone',
        note: 'the mapping drops it (rule /availability_zones/0): the target chose',
      },
      {
        type: 'changed',
        kind: 'server',
        key: 'server:web',
        target_key: 'server:web',
        field: 'spec.availability_zone',
        source: 'nord-a',
        target: 'nord-b',
      },
    ]);
  });
});

describe('auditPlans on the simulator', () => {
  it("matches by Bascule's marker a resource renamed on the target, and reports the rename", async () => {
    const c = await startClouds([
      { name: 'a', profile: 'pike', seed: projectSeed(OLD) },
      { name: 'b', profile: 'zed', seed: projectSeed(OLD) },
    ]);
    try {
      const a = await c.export('a');
      // On b, "back" carries the marker of a's network:back (as apply would have set it), and was renamed since.
      const b = await c.connect('b');
      const { networks } = await b.network.get<{ networks: { id: string }[] }>('/networks?name=back');
      const marker = markerFor(a.provenance.project.id, 'network:back');
      await b.network.put(`/networks/${networks[0]!.id}/tags/${encodeURIComponent(marker)}`, undefined);
      await b.network.put(`/networks/${networks[0]!.id}`, { network: { name: 'back-renamed' } });
      const exported = await c.export('b');
      const entry = exported.resources.find(
        (r) => r.kind === 'network' && (r.spec as { name: string }).name === 'back-renamed',
      )!;
      expect(entry.source?.['marker']).toBe(marker);
      expect(entry.spec).not.toHaveProperty('tags'); // the marker never enters the spec
      const report = auditPlans(a, exported);
      expect(report.matching.marker).toBe(1);
      const network = report.differences.filter((d) => d.kind === 'network');
      expect(network).toEqual([
        {
          type: 'changed',
          kind: 'network',
          key: 'network:back',
          target_key: entry.key,
          field: 'spec.name',
          source: 'back',
          target: 'back-renamed',
        },
      ]);
      // Without the marker, the renamed network would be missing and an extra one would appear.
      const other = auditPlans(a, exported, { sourceProject: 'another-project' });
      expect(
        other.differences
          .filter((d) => d.kind === 'network')
          .map((d) => d.type)
          .sort(),
      ).toEqual(['extra', 'missing']);
    } finally {
      await c.stop();
    }
  }, 60_000);
});

describe('auditPlans: the placement the apply used (issue 14)', () => {
  // The apply placed web-1..3 (an anti-affinity group) over az1..az3 with a spread rule. Since then web-0 joined the
  // group on the source: placed again from the mapping alone, the spread would deal az1 to web-0 and shift the others.
  const SPREAD =
    'format: bascule.mapping/v1\nserver_zones:\n  - { from: { group: spread }, spread: [az1, az2, az3] }\n';
  const server = (name: string, zone: string): PlanResource =>
    ({
      kind: 'server',
      key: `server:${name}`,
      refs: { server_group: 'server_group:spread' },
      spec: { name, availability_zone: zone },
    }) as unknown as PlanResource;
  const group = {
    kind: 'server_group',
    key: 'server_group:spread',
    spec: { name: 'spread', policies: ['anti-affinity'] },
  };
  const src = plan('a', 'sp', [
    group as PlanResource,
    ...['web-0', 'web-1', 'web-2', 'web-3'].map((n) => server(n, 'nova')),
  ]);
  const tgt = plan('b', 'tp', [
    group as PlanResource,
    server('web-1', 'az1'),
    server('web-2', 'az2'),
    server('web-3', 'az3'),
  ]);
  const journal = (): JournalRecord[] => {
    const records: JournalRecord[] = [
      {
        t: 'run',
        format: 'bascule.journal/v1',
        run: 'r1',
        at: 't',
        mode: 'apply',
        plan_digest: 'd',
        target: { cloud: 'b', project_id: 'tp' },
        source_project: 'sp',
      },
    ];
    ['web-1', 'web-2', 'web-3'].forEach((name, i) => {
      const key = `server:${name}`;
      const entry = server(name, `az${i + 1}`);
      records.push(
        {
          t: 'intent',
          run: 'r1',
          seq: i + 1,
          at: 't',
          key,
          kind: 'server',
          op: 'create',
          marker: `bascule:${i}`,
          rank: i,
          entry,
        },
        { t: 'result', run: 'r1', seq: i + 1, at: 't', key, kind: 'server', op: 'create', ok: true, id: `S${i + 1}` },
      );
    });
    return records;
  };
  const mapping = () => parseMapping(SPREAD).mapping!;
  const zoneDiffs = (report: ReturnType<typeof auditPlans>) =>
    report.differences.filter((d) => d.field === 'spec.availability_zone');

  it('journalFacts gives the zone each create asked for', () => {
    expect(journalFacts(journal()).zones).toEqual(
      new Map([
        ['server:web-1', 'az1'],
        ['server:web-2', 'az2'],
        ['server:web-3', 'az3'],
      ]),
    );
  });

  it('with the mapping alone the spread is dealt again and every zone looks changed', () => {
    const report = auditPlans(src, tgt, { mapping: mapping() });
    expect(zoneDiffs(report).map((d) => [d.key, d.source, d.target])).toEqual([
      ['server:web-1', 'az2', 'az1'],
      ['server:web-2', 'az3', 'az2'],
      ['server:web-3', 'az1', 'az3'],
    ]);
  });

  it("with the apply's journal the audit expects each server where the apply put it: only web-0 is missing", () => {
    const facts = journalFacts(journal());
    const report = auditPlans(src, tgt, { mapping: mapping(), journal: facts.ids, zones: facts.zones });
    expect(zoneDiffs(report)).toEqual([]);
    expect(report.differences.filter((d) => d.kind === 'server').map((d) => [d.type, d.key])).toEqual([
      ['missing', 'server:web-0'],
    ]);
  });

  it('a zone the journal says the apply did not ask for is the target’s choice (expected-lossy)', () => {
    const records = journal();
    const intent = records.find((r) => r.t === 'intent' && r.key === 'server:web-2') as { entry: PlanResource };
    intent.entry = { ...intent.entry, spec: { name: 'web-2' } } as unknown as PlanResource;
    const facts = journalFacts(records);
    expect(facts.zones.get('server:web-2')).toBeNull();
    const report = auditPlans(src, tgt, { mapping: mapping(), journal: facts.ids, zones: facts.zones });
    expect(zoneDiffs(report).map((d) => [d.type, d.key, d.target])).toEqual([
      ['expected-lossy', 'server:web-2', 'az2'],
    ]);
  });
});
