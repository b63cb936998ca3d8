import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import type { PlanResource } from '../../src/plan/types.js';
import { checkPlan } from '../../src/plan/validate.js';
import { projectPlan, startTarget, type SimTarget } from './support/sim.js';

const journal = () => join(mkdtempSync(join(tmpdir(), 'bascule-j-')), 'j.jsonl');

describe.each(['zed', 'pike', '2025.1'] as const)('apply on the simulator (%s)', (profile) => {
  let t: SimTarget;
  beforeEach(async () => {
    t = await startTarget({ cloud: { profile } });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('the example plan is valid', () => {
    const checked = checkPlan(projectPlan());
    expect(checked.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('dry run: one action each, zero mutating requests', async () => {
    t.sim.clearLog();
    const changes = await planChanges(projectPlan(), t.deps());
    const byKey = Object.fromEntries(changes.actions.map((a) => [a.key, a]));
    expect(byKey['flavor:m1.small']).toMatchObject({ action: 'no-op', external: true, targetId: '2' });
    expect(byKey['network:front']!.action).toBe('create');
    // Neutron's own egress rule of a new group is not counted as a create.
    expect(byKey['security_group_rule:web/egress-IPv4']).toMatchObject({
      action: 'no-op',
      reason: 'Neutron makes this rule with its new group',
    });
    expect(byKey['security_group_rule:web/https']!.action).toBe('create');
    expect(byKey['port:web-1/eth0']).toMatchObject({ action: 'lossy', lossy: ['mac_address'] });
    expect(byKey['floating_ip:web-1/eth0']).toMatchObject({ action: 'lossy', lossy: ['floating_ip_address'] });
    expect(changes.actions.every((a) => a.action !== 'blocked' && a.action !== 'conflict')).toBe(true);
    expect(changes.ok).toBe(true);
    expect(t.mutations()).toEqual([]);
    expect(t.sim.requestLog('dst').length).toBeGreaterThan(0);
  });

  it("a new group's own egress rule is adopted from the cloud, not made again from the listing read before the group", async () => {
    // The run reads the target's rules once (a listing), at the first rule's lookup: here a rule of the project's
    // `default` group, which exists. The new group's create is answered 503 once, so the group is made after that
    // listing was read, and Neutron then gives it its egress rule. Read from the listing, the rule's lookup would
    // find nothing and make it again (a 409 taken as the same rule, journaled as made by Bascule, deleted by its
    // rollback: dd534b5).
    const faulty = await startTarget({
      cloud: {
        profile,
        faults: [{ kind: 'error', status: 503, method: 'POST', route: '/v2.0/security-groups', count: 1 }],
      },
    });
    try {
      const plan = projectPlan();
      plan.resources.unshift(
        {
          kind: 'security_group',
          key: 'security_group:default',
          spec: { name: 'default', description: 'Default security group' },
        },
        {
          kind: 'security_group_rule',
          key: 'security_group_rule:default/ssh',
          refs: { security_group: 'security_group:default' },
          spec: {
            direction: 'ingress',
            ethertype: 'IPv4',
            protocol: 'tcp',
            port_range_min: 22,
            port_range_max: 22,
            remote_ip_prefix: '0.0.0.0/0',
          },
        },
      );
      const result = await applyPlan(plan, { ...faulty.deps(), retryBaseMs: 200 }, { journalPath: journal() });
      expect(result.ok).toBe(true);
      const log = faulty.sim.requestLog('dst');
      const firstRuleListing = log.findIndex((e) => e.method === 'GET' && e.route.includes('security-group-rules'));
      const lastGroupCreate = log.findLastIndex(
        (e) => e.method === 'POST' && e.route.endsWith('/security-groups') && e.status === 201,
      );
      expect(firstRuleListing).toBeGreaterThanOrEqual(0);
      expect(firstRuleListing).toBeLessThan(lastGroupCreate);
      for (const key of ['security_group_rule:web/egress-IPv4', 'security_group_rule:db/egress-IPv4'])
        expect(result.nodes.find((n) => n.key === key)?.outcome ?? 'not in plan').not.toBe('created');
      // The plan's four rules of its own, made once each: no 409 for a rule Neutron had made.
      const ruleCreates = log.filter((e) => e.method === 'POST' && e.route.includes('security-group-rules'));
      expect(ruleCreates.map((e) => e.status)).toEqual([201, 201, 201, 201]);
    } finally {
      await faulty.stop();
    }
  });

  it('a first apply reads each collection once: no lookup per entry whose dependency it makes (issue #18)', async () => {
    // Two networks, each with a subnet, a security group with two ingress rules (and, for one, its egress rule),
    // and three ports: every entry but the networks and groups depends on something this run makes.
    const resources: PlanResource[] = [];
    for (const n of [1, 2]) {
      resources.push(
        { kind: 'network', key: `network:n${n}`, spec: { name: `n${n}` } },
        {
          kind: 'subnet',
          key: `subnet:s${n}`,
          refs: { network: `network:n${n}` },
          spec: { name: `s${n}`, cidr: `10.${n}.0.0/24`, ip_version: 4 },
        },
        { kind: 'security_group', key: `security_group:g${n}`, spec: { name: `g${n}` } },
      );
      for (const port of [22, 443])
        resources.push({
          kind: 'security_group_rule',
          key: `security_group_rule:g${n}/${port}`,
          refs: { security_group: `security_group:g${n}` },
          spec: {
            direction: 'ingress',
            ethertype: 'IPv4',
            protocol: 'tcp',
            port_range_min: port,
            port_range_max: port,
          },
        });
      for (const p of [1, 2, 3])
        resources.push({
          kind: 'port',
          key: `port:n${n}-${p}`,
          refs: { network: `network:n${n}`, fixed_ips: [`subnet:s${n}`], security_groups: [`security_group:g${n}`] },
          spec: { name: `n${n}-${p}`, fixed_ips: [{ ip_address: `10.${n}.0.${10 + p}` }] },
        });
    }
    resources.push({
      kind: 'security_group_rule',
      key: 'security_group_rule:g1/egress-IPv4',
      refs: { security_group: 'security_group:g1' },
      spec: { direction: 'egress', ethertype: 'IPv4', protocol: null, remote_ip_prefix: null },
    });
    const plan = { ...projectPlan(), resources };
    expect(checkPlan(plan).issues.filter((i) => i.severity === 'error')).toEqual([]);
    t.sim.clearLog();
    const result = await applyPlan(plan, t.deps(), { journalPath: journal() });
    expect(result.ok).toBe(true);
    expect(result.summary).toMatchObject({ created: 16, failed: 0 });
    const gets = (path: string) => t.sim.requestLog('dst').filter((e) => e.route === `GET /v2.0/${path}`).length;
    // One listing of the project's rules, and one lookup on the cloud for the one rule Neutron makes with its new
    // group (g1/egress-IPv4); the four ingress rules, in new groups too, are looked up in the listing.
    expect(gets('security-group-rules')).toBe(2);
    // The six ports: one listing, the marker in a port's description (where tags cannot go in its create) included.
    expect(gets('ports')).toBe(1);
    expect(gets('subnets')).toBe(1);
  });

  it('applies the plan, then a second apply changes nothing', async () => {
    const result = await applyPlan(projectPlan(), t.deps(), { journalPath: journal() });
    expect(result.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(result.ok).toBe(true);
    const state = t.sim.regionState('dst');
    void state;
    t.sim.clearLog();
    const again = await planChanges(projectPlan(), t.deps());
    expect(again.actions.filter((a) => a.action !== 'no-op')).toEqual([]);
    const second = await applyPlan(projectPlan(), t.deps(), { journalPath: journal() });
    expect(second.summary).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(t.mutations()).toEqual([]);
  });
});
