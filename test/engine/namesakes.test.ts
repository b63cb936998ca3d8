// Duplicate names: a project may hold two security groups, or two networks, with the same name. Each plan entry gets
// its own target object: the second is not "found" by name as the first one's (the tricky real-cloud seed,
// test/e2e/tricky.test.ts, showed both security groups named `twin` collapse into one on apply, the second entry
// updating the first one's description).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import * as groups from '../../src/openstack/network/security-groups/requests.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import type { Plan } from '../../src/plan/types.js';
import { startTarget, type SimTarget } from './support/sim.js';

const PROVENANCE = {
  cloud: 'src',
  region: 'RegionOne',
  project: { name: 'shop', id: 'src-project-0001' },
  profile: { api_versions: {}, microversions: {}, extensions: [] },
  exported_at: '2026-11-28T00:00:00Z',
  bascule_version: '0.1.0',
};

const plan = (): Plan =>
  ({
    format: 'bascule.plan/v1',
    provenance: PROVENANCE,
    resources: [
      { kind: 'security_group', key: 'security_group:twin', spec: { name: 'twin', description: 'first twin' } },
      { kind: 'security_group', key: 'security_group:twin~2', spec: { name: 'twin', description: 'second twin' } },
      {
        kind: 'security_group_rule',
        key: 'security_group_rule:twin/ingress-8080',
        refs: { security_group: 'security_group:twin' },
        spec: {
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          port_range_min: 8080,
          port_range_max: 8080,
          remote_ip_prefix: '10.0.0.0/8',
        },
      },
      {
        kind: 'security_group_rule',
        key: 'security_group_rule:twin~2/ingress-8081',
        refs: { security_group: 'security_group:twin~2' },
        spec: {
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          port_range_min: 8081,
          port_range_max: 8081,
          remote_ip_prefix: '10.0.0.0/8',
        },
      },
      { kind: 'network', key: 'network:twin', spec: { name: 'twin', admin_state_up: true, description: 'one' } },
      { kind: 'network', key: 'network:twin~2', spec: { name: 'twin', admin_state_up: true, description: 'two' } },
    ],
  }) as unknown as Plan;

const targets: SimTarget[] = [];
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.stop()));
});

describe('entries with the same name', () => {
  // One at a time (the second twin is decided after the first one exists on the target), and all at once on a
  // release that tags after the create (Pike: the second twin may look while the first is made but not yet marked).
  it.each([
    ['zed', 1],
    ['pike', 8],
  ] as const)(
    'each get their own target object; a second apply changes nothing (%s, %i at once)',
    async (profile, n) => {
      const t = await startTarget({ cloud: { profile, latency: { fixedMs: 20 } } });
      targets.push(t);
      const dir = mkdtempSync(join(tmpdir(), 'bascule-namesakes-'));
      const first = await applyPlan(plan(), t.deps({ concurrency: n }), { journalPath: join(dir, 'j.jsonl') });
      expect(first.ok).toBe(true);
      const twins = (await collect(groups.list(t.cloud.network))).filter((g) => g.name === 'twin');
      expect(twins.map((g) => g.description).sort()).toEqual(['first twin', 'second twin']);
      const nets = (await collect(networks.list(t.cloud.network))).filter((n) => n.name === 'twin');
      expect(nets.map((n) => n.description).sort()).toEqual(['one', 'two']);
      // Each rule in its own group.
      const ports = twins.map((g) => [
        g.description,
        (g.security_group_rules ?? []).filter((r) => r.direction === 'ingress').map((r) => r.port_range_min),
      ]);
      expect(Object.fromEntries(ports)).toEqual({ 'first twin': [8080], 'second twin': [8081] });
      // The second twin is looked for only once the first is made and marked (on a release that tags after the create,
      // a look in between would take it for its own).
      const log = t.sim.requestLog('dst').map((e) => e.route);
      const creates = log.flatMap((l, i) => (l === 'POST /v2.0/security-groups' ? [i] : []));
      expect(creates).toHaveLength(2);
      const between = log.slice(creates[0]!, creates[1]!);
      expect(between.some((l) => l.startsWith('GET /v2.0/security-groups'))).toBe(true);
      const again = await planChanges(plan(), t.deps({ concurrency: n }), { preflight: false });
      expect(again.actions.filter((a) => a.action !== 'no-op')).toEqual([]);
    },
  );
});
