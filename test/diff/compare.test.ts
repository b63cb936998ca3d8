import { describe, expect, it } from 'vitest';
import { compareSides } from '../../src/diff/compare.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { auditHtml, auditMarkdown, auditTable } from '../../src/cli/views/audit-report.js';

function plan(cloud: string, resources: PlanResource[]): Plan {
  return {
    format: 'bascule.plan/v1',
    provenance: {
      cloud,
      region: 'RegionOne',
      project: { name: 'demo', id: `${cloud}-project` },
      profile: { api_versions: {}, microversions: {}, extensions: [] },
      exported_at: '2026-11-28T00:00:00Z',
      bascule_version: '0.1.0',
    },
    resources,
  };
}

const source = (): Plan =>
  plan('a', [
    {
      kind: 'flavor',
      key: 'flavor:m1.small',
      external: true,
      spec: { name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
      source: { id: 'f1' },
    },
    {
      kind: 'network',
      key: 'network:private',
      spec: { name: 'private', tags: ['b', 'a'], admin_state_up: true },
      source: { id: 'n1' },
    },
    {
      kind: 'subnet',
      key: 'subnet:private-v4',
      spec: { name: 'private-v4', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1' },
      refs: { network: 'network:private' },
      source: { id: 's1' },
    },
    { kind: 'security_group', key: 'security_group:web', spec: { name: 'web', description: '' }, source: { id: 'g1' } },
    {
      kind: 'security_group_rule',
      key: 'security_group_rule:web/ingress-IPv4-tcp-80-any',
      spec: { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 80, port_range_max: 80 },
      refs: { security_group: 'security_group:web' },
      source: { id: 'r1' },
    },
    {
      kind: 'port',
      key: 'port:web-1/eth0',
      spec: { name: '', mac_address: 'fa:16:3e:00:00:01', fixed_ips: [{ ip_address: '10.0.0.5' }] },
      refs: { network: 'network:private', fixed_ips: ['subnet:private-v4'], security_groups: ['security_group:web'] },
      source: { id: 'p1' },
    },
  ]);

/** The same project as the target would export it: other IDs, another MAC, tags in another order, its own keys. */
const target = (): Plan =>
  plan('b', [
    {
      kind: 'flavor',
      key: 'flavor:m1.small',
      external: true,
      spec: { name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
      source: { id: 'F9' },
    },
    {
      kind: 'network',
      key: 'network:private',
      spec: { name: 'private', tags: ['a', 'b'], admin_state_up: true },
      source: { id: 'N9' },
    },
    {
      kind: 'subnet',
      key: 'subnet:private-v4',
      spec: { name: 'private-v4', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1' },
      refs: { network: 'network:private' },
      source: { id: 'S9' },
    },
    { kind: 'security_group', key: 'security_group:web', spec: { name: 'web' }, source: { id: 'G9' } },
    {
      kind: 'security_group_rule',
      key: 'security_group_rule:web/ingress-IPv4-tcp-80-any',
      spec: { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 80, port_range_max: 80 },
      refs: { security_group: 'security_group:web' },
      source: { id: 'R9' },
    },
    {
      kind: 'port',
      key: 'port:unnamed',
      spec: { name: '', mac_address: 'fa:16:3e:99:99:99', fixed_ips: [{ ip_address: '10.0.0.5' }] },
      refs: { network: 'network:private', fixed_ips: ['subnet:private-v4'], security_groups: ['security_group:web'] },
      source: { id: 'P9' },
    },
  ]);

describe('compareSides', () => {
  it('finds no difference but the declared-lossy MAC when both sides hold the same project', () => {
    const report = compareSides(source(), target());
    expect(report.summary.clean).toBe(true);
    expect(report.summary.missing + report.summary.extra + report.summary.changed).toBe(0);
    const lossy = report.differences.filter((d) => d.type === 'expected-lossy');
    expect(lossy.map((d) => d.field)).toEqual(['spec.mac_address']);
    expect(report.matching.name).toBe(3); // network, subnet, security group (externals are matched apart)
    expect(report.matching.attributes).toBe(2); // the rule and the unnamed port
  });

  it('compares a project with itself and finds nothing at all', () => {
    const report = compareSides(source(), source());
    expect(report.differences).toEqual([]);
    expect(report.summary.matched).toBe(5);
  });

  it('reports missing, extra and changed resources, field by field', () => {
    const t = target();
    t.resources = t.resources.filter((r) => r.kind !== 'security_group_rule');
    const subnet = t.resources.find((r) => r.kind === 'subnet')!;
    (subnet.spec as { gateway_ip: string }).gateway_ip = '10.0.0.254';
    t.resources.push({ kind: 'network', key: 'network:stray', spec: { name: 'stray' }, source: { id: 'X' } });
    const report = compareSides(source(), t);
    expect(report.summary.clean).toBe(false);
    expect(report.differences).toContainEqual({
      type: 'missing',
      kind: 'security_group_rule',
      key: 'security_group_rule:web/ingress-IPv4-tcp-80-any',
    });
    expect(report.differences).toContainEqual({ type: 'extra', kind: 'network', key: 'network:stray' });
    expect(report.differences).toContainEqual({
      type: 'changed',
      kind: 'subnet',
      key: 'subnet:private-v4',
      target_key: 'subnet:private-v4',
      field: 'spec.gateway_ip',
      source: '10.0.0.1',
      target: '10.0.0.254',
    });
  });

  it('matches exactly through a journal even when names differ, and then sees the rename', () => {
    const t = target();
    const net = t.resources.find((r) => r.kind === 'network')!;
    (net.spec as { name: string }).name = 'renamed';
    net.key = 'network:renamed';
    for (const r of t.resources) if (r.refs?.network === 'network:private') r.refs.network = 'network:renamed';
    const report = compareSides(source(), t, { journal: new Map([['network:private', 'N9']]) });
    expect(report.matching.journal).toBe(1);
    expect(report.differences.filter((d) => d.type === 'changed').map((d) => d.field)).toEqual(['spec.name']);
  });

  it('sees a reference that points elsewhere', () => {
    const t = target();
    t.resources.push({ kind: 'security_group', key: 'security_group:db', spec: { name: 'db' }, source: { id: 'G10' } });
    const s = source();
    s.resources.push({ kind: 'security_group', key: 'security_group:db', spec: { name: 'db' }, source: { id: 'g2' } });
    const port = t.resources.find((r) => r.kind === 'port')!;
    port.refs = { ...port.refs, security_groups: ['security_group:db'] };
    const report = compareSides(s, t);
    // The port no longer matches by attributes: it is missing on one side and extra on the other.
    expect(report.summary.missing).toBe(1);
    expect(report.summary.extra).toBe(1);
  });

  it('renders the report as a table, Markdown and self-contained HTML with the same counts', () => {
    const t = target();
    t.resources.push({ kind: 'network', key: 'network:<script>', spec: { name: '<script>' }, source: { id: 'X' } });
    const report = compareSides(source(), t);
    expect(auditTable(report)).toContain('DIFFERENCES FOUND');
    expect(auditMarkdown(report)).toContain('| extra | network:<script> |');
    const html = auditHtml(report);
    expect(html).not.toContain('<script>');
    expect(html).toContain('network:&lt;script&gt;');
    expect(html).not.toMatch(/<link|<script|src=/);
    expect(html).toContain('data-count="extra">1<');
  });

  it('lists fields the caller expects to differ as expected-lossy, with the reason', () => {
    const t = target();
    (
      t.resources.find((r) => r.kind === 'network')!.spec as unknown as Record<string, unknown>
    ).availability_zone_hints = ['nova'];
    const report = compareSides(source(), t, {
      expected: new Map([['network:private', new Map([['spec.availability_zone_hints', 'the mapping drops it']])]]),
    });
    expect(report.summary.clean).toBe(true);
    expect(report.differences).toContainEqual({
      type: 'expected-lossy',
      kind: 'network',
      key: 'network:private',
      target_key: 'network:private',
      field: 'spec.availability_zone_hints',
      target: ['nova'],
      note: 'the mapping drops it',
    });
    // Without the expectation, the same difference fails the audit.
    expect(compareSides(source(), t).summary.changed).toBe(1);
  });

  it('a server whose disk was copied through a temporary image loses its image link (expected), but not to another image', () => {
    const server = (image: PlanResource): PlanResource => ({
      kind: 'server',
      key: 'server:web-1',
      spec: { name: 'web-1' },
      refs: { image: image.key, flavor: 'flavor:m1.small' },
    });
    const cirros: PlanResource = { kind: 'image', key: 'image:cirros', external: true, spec: { name: 'cirros' } };
    const gone = {
      kind: 'image',
      key: 'image:0f1e',
      external: true,
      spec: {},
      source: { id: '0f1e' },
    } as unknown as PlanResource;
    const other: PlanResource = { kind: 'image', key: 'image:debian', external: true, spec: { name: 'debian' } };
    const s = source();
    s.resources.push(cirros, server(cirros));
    const lost = target();
    lost.resources.push(gone, server(gone));
    const report = compareSides(s, lost);
    expect(report.summary.clean).toBe(true);
    expect(report.differences).toContainEqual(
      expect.objectContaining({
        type: 'expected-lossy',
        key: 'server:web-1',
        field: 'refs.image',
        source: ['external:image:cirros'],
        target: ['external:image:id=0f1e'],
      }),
    );
    const swapped = target();
    swapped.resources.push(other, server(other));
    expect(compareSides(s, swapped).differences).toContainEqual({
      type: 'changed',
      kind: 'server',
      key: 'server:web-1',
      target_key: 'server:web-1',
      field: 'refs.image',
      source: ['external:image:cirros'],
      target: ['external:image:debian'],
    });
  });

  it("the target project's own default group, its rules and its quotas are no extra when the reference does not describe them", () => {
    const t = target();
    t.resources.push(
      {
        kind: 'security_group',
        key: 'security_group:default',
        spec: { name: 'default', description: 'Default security group' },
        source: { id: 'D' },
      },
      {
        kind: 'security_group_rule',
        key: 'security_group_rule:default/egress-IPv4-any-any-any',
        spec: { direction: 'egress', ethertype: 'IPv4' },
        refs: { security_group: 'security_group:default' },
        source: { id: 'DR' },
      },
      {
        kind: 'quota',
        key: 'quota:project',
        spec: { compute: { instances: 10 } },
        source: { id: 'Q' },
      } as unknown as PlanResource,
    );
    expect(compareSides(source(), t).summary).toMatchObject({ extra: 0, clean: true });
    // When the reference has a default group, the target's is compared as any other: an extra rule is extra.
    const s = source();
    s.resources.push({
      kind: 'security_group',
      key: 'security_group:default',
      spec: { name: 'default', description: 'Default security group' },
      source: { id: 'd' },
    });
    const report = compareSides(s, t);
    expect(report.differences.filter((d) => d.type === 'extra').map((d) => d.key)).toEqual([
      'security_group_rule:default/egress-IPv4-any-any-any',
    ]);
  });

  describe('reporting some kinds only (--kinds)', () => {
    // A member addressed to the port of web-1: the target keys that port otherwise (port:unnamed).
    const member = (port: string): PlanResource => ({
      kind: 'member',
      key: 'member:web/10.0.0.5:80',
      spec: { name: '', address: '10.0.0.5', protocol_port: 80 },
      refs: { subnet: 'subnet:private-v4', port },
      lossy: ['address'],
      source: { id: port === 'port:web-1/eth0' ? 'm1' : 'M9' },
    });
    // The apply's journal: the member is that target object (otherwise, with other references, it would not match).
    const journal = new Map([['member:web/10.0.0.5:80', 'M9']]);
    const sides = (targetPort = 'port:unnamed') => {
      const s = source();
      s.resources.push(member('port:web-1/eth0'));
      const t = target();
      t.resources.push(member(targetPort));
      return [s, t] as const;
    };

    it('matches the other kinds, so references into them compare as the target objects they were matched to', () => {
      const [s, t] = sides();
      // The target's network is renamed: a difference of a kind not reported.
      (t.resources.find((r) => r.kind === 'network')!.spec as { description?: string }).description = 'by hand';
      const report = compareSides(s, t, { reportKinds: { only: ['member'] } });
      expect(report.differences).toEqual([]);
      expect(report.summary).toMatchObject({ compared: 1, matched: 1, clean: true });
      expect(Object.keys(report.per_kind)).toEqual(['member']);
      expect(report.matching).toEqual({ journal: 0, marker: 0, name: 0, key: 0, attributes: 1 });
      // --exclude-kinds likewise.
      const excluded = compareSides(s, t, { reportKinds: { exclude: ['network'] } });
      expect(excluded.differences.filter((d) => d.type !== 'expected-lossy')).toEqual([]);
      expect(Object.keys(excluded.per_kind)).not.toContain('network');
    });

    it('still sees a reference to another object, or to one the target lacks', () => {
      const [s, t] = sides();
      t.resources.push({
        kind: 'port',
        key: 'port:other',
        spec: { name: 'other', fixed_ips: [{ ip_address: '10.0.0.9' }] },
        refs: { network: 'network:private' },
        source: { id: 'P10' },
      });
      t.resources.find((r) => r.kind === 'member')!.refs!.port = 'port:other';
      const elsewhere = compareSides(s, t, { journal, reportKinds: { only: ['member'] } });
      expect(elsewhere.differences).toEqual([
        expect.objectContaining({
          type: 'changed',
          field: 'refs.port',
          source: ['port:unnamed'],
          target: ['port:other'],
        }),
      ]);
      const [s2, t2] = sides();
      t2.resources = t2.resources.filter((r) => r.key !== 'port:unnamed');
      delete t2.resources.find((r) => r.kind === 'member')!.refs!.port;
      const gone = compareSides(s2, t2, { journal, reportKinds: { only: ['member'] } });
      expect(gone.differences).toEqual([
        expect.objectContaining({ type: 'changed', field: 'refs.port', source: ['unmatched:port:web-1/eth0'] }),
      ]);
      // The port itself is not reported missing: it is outside --kinds.
      expect(gone.summary.missing).toBe(0);
    });
  });
});
