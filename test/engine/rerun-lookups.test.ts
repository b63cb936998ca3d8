import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/engine/actions.js';
import { applyPlan } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import { LISTING_PAGE_SIZE } from '../../src/engine/lookups.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { startTarget, type SimTarget } from './support/sim.js';

/**
 * A re-run (issue #18): once everything of a plan is on the target, a dry run reads each collection once (its pages),
 * never one lookup per entry. Checked on the simulator's request log, not on a time.
 */
// Within the simulator's default quotas (10 security groups with the default one, 10 routers).
const GROUPS = 8;

function plan(): Plan {
  const resources: PlanResource[] = [
    { kind: 'network', key: 'network:public', external: true, spec: { name: 'public', router_external: true } },
  ];
  for (let g = 0; g < GROUPS; g++) {
    resources.push(
      { kind: 'network', key: `network:n${g}`, spec: { name: `n${g}` } },
      {
        kind: 'subnet',
        key: `subnet:s${g}`,
        refs: { network: `network:n${g}` },
        spec: { name: `s${g}`, cidr: `10.9.${g}.0/24`, ip_version: 4 },
      },
      { kind: 'security_group', key: `security_group:g${g}`, spec: { name: `g${g}` } },
      {
        kind: 'security_group_rule',
        key: `security_group_rule:g${g}/22`,
        refs: { security_group: `security_group:g${g}` },
        spec: {
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          port_range_min: 22,
          port_range_max: 22,
          remote_ip_prefix: '0.0.0.0/0',
        },
      },
      {
        kind: 'port',
        key: `port:p${g}`,
        refs: { network: `network:n${g}`, fixed_ips: [`subnet:s${g}`], security_groups: [`security_group:g${g}`] },
        spec: { name: `p${g}` },
      },
      { kind: 'router', key: `router:r${g}`, refs: { external_network: 'network:public' }, spec: { name: `r${g}` } },
    );
  }
  return {
    format: 'bascule.plan/v1',
    provenance: {
      cloud: 'src',
      region: 'RegionOne',
      project: { name: 'shop', id: 'src-project-rerun' },
      profile: { api_versions: {}, microversions: {}, extensions: [] },
      exported_at: '2026-12-06T00:00:00Z',
      bascule_version: '0.1.0',
    },
    resources,
  };
}

describe('a re-run reads the target once per collection', () => {
  let t: SimTarget;
  const p = plan();
  const managed = p.resources.filter((r) => !r.external).length;

  beforeAll(async () => {
    t = await startTarget();
    const dir = t.dir;
    const applied = await applyPlan(p, t.deps(), { journalPath: `${dir}/journal.jsonl` });
    expect(applied.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(applied.ok).toBe(true);
  });
  afterAll(async () => t?.stop());

  const requests = () =>
    t.sim
      .requestLog('dst')
      .filter((e) => !e.route.includes('/auth/tokens'))
      .map((e) => ({ method: e.method, route: e.route }));

  it('the dry run finds every entry unchanged with GET list requests only, bounded by collections, not entries', async () => {
    t.sim.clearLog();
    const changes = await planChanges(p, t.deps(), { preflight: false });
    expect(changes.actions.filter((a) => a.action !== ACTION.NOOP)).toEqual([]);
    const sent = requests();
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
    // Six collections (networks, subnets, ports, security groups, their rules, routers), each read once, page by page,
    // plus the external network's lookup by name: nothing per entry.
    const pages = Math.ceil(managed / LISTING_PAGE_SIZE);
    expect(sent.length).toBeLessThanOrEqual(6 * pages + 1);
    expect(new Set(sent.map((r) => r.route))).toEqual(
      new Set(
        ['networks', 'subnets', 'ports', 'security-groups', 'security-group-rules', 'routers'].map(
          (c) => `GET /v2.0/${c}`,
        ),
      ),
    );
  });

  it('without the listings (as before), the same dry run sends a lookup per entry or more', async () => {
    t.sim.clearLog();
    const changes = await planChanges(p, t.deps(), { preflight: false, listedLookups: false });
    expect(changes.actions.filter((a) => a.action !== ACTION.NOOP)).toEqual([]);
    expect(requests().length).toBeGreaterThanOrEqual(managed);
  });

  it('a second apply changes nothing and looks entries up from the listings too', async () => {
    t.sim.clearLog();
    const again = await applyPlan(p, t.deps(), { journalPath: `${t.dir}/journal2.jsonl` });
    expect(again.ok).toBe(true);
    expect(again.nodes.filter((n) => n.outcome !== 'unchanged')).toEqual([]);
    const sent = requests();
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(sent.length).toBeLessThanOrEqual(6 * Math.ceil(managed / LISTING_PAGE_SIZE) + 1);
  });
});
