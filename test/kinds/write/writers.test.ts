/** The writers on the simulator, through the engine: what each one makes on the target, and its edge cases. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../src/engine/apply.js';
import { planChanges } from '../../../src/engine/dry-run.js';
import { rollback } from '../../../src/engine/rollback.js';
import { markerFor } from '../../../src/kinds/markers.js';
import { securityGroupRuleWriter } from '../../../src/kinds/security-group-rule/write.js';
import * as networks from '../../../src/openstack/network/networks/requests.js';
import type { PlanResource } from '../../../src/plan/types.js';
import { projectPlan, startTarget, type SimTarget } from '../../engine/support/sim.js';

const journal = () => join(mkdtempSync(join(tmpdir(), 'bascule-w-')), 'j.jsonl');
const targets: SimTarget[] = [];
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.stop()));
});
async function target(options: Parameters<typeof startTarget>[0] = {}): Promise<SimTarget> {
  const t = await startTarget(options);
  targets.push(t);
  return t;
}

describe('writers on the simulator', () => {
  it.each(['zed', 'pike', '2025.1'] as const)(
    'make what the plan says (%s): markers, refs, rules without duplicates, power state, volumes in device order, snapshot',
    async (profile) => {
      const t = await target({ cloud: { profile } });
      const plan = projectPlan();
      const result = await applyPlan(plan, t.deps(), { journalPath: journal() });
      expect(result.ok).toBe(true);
      const state = t.sim.regionState('dst');
      const marker = (key: string) => markerFor(plan.provenance.project.id, key);
      // Neutron objects carry their marker as a tag.
      const front = state.networks.get(result.ids['network:front']!)!;
      expect(front.tags).toContain(marker('network:front'));
      expect(front.description).toBe('front end');
      const subnet = state.subnets.get(result.ids['subnet:front-v4']!)!;
      expect(subnet).toMatchObject({
        network_id: front.id,
        cidr: '10.20.1.0/24',
        gateway_ip: '10.20.1.1',
        dns_nameservers: ['192.0.2.53'],
      });
      // Each group has exactly the rules of the plan plus Neutron's own defaults, never twice.
      const web = result.ids['security_group:web']!;
      const webRules = state.securityGroupRules.all().filter((r) => r.security_group_id === web);
      const keys = webRules.map(
        (r) =>
          `${String(r.direction)}/${String(r.ethertype)}/${String(r.protocol)}/${String(r.port_range_min)}/${String(r.remote_group_id)}`,
      );
      expect(new Set(keys).size).toBe(keys.length);
      expect(webRules.filter((r) => r.direction === 'ingress')).toHaveLength(2);
      expect(webRules.find((r) => r.protocol === 'icmp')!.remote_group_id).toBe(result.ids['security_group:db']);
      // Ports: fixed IP kept, MAC not (lossy), groups set.
      const port = state.ports.get(result.ids['port:web-1/eth0']!)!;
      expect(port.fixed_ips).toEqual([{ subnet_id: subnet.id, ip_address: '10.20.1.11' }]);
      expect(port.mac_address).not.toBe('fa:16:3e:00:00:11');
      expect(port.security_groups).toEqual([web]);
      // Router: gateway, both interfaces, the route.
      const router = state.routers.get(result.ids['router:edge']!)!;
      expect((router.external_gateway_info as { network_id: string }).network_id).toBe(result.ids['network:public']);
      expect(
        state.ports
          .all()
          .filter((p) => p.device_id === router.id && String(p.device_owner).startsWith('network:router_interface')),
      ).toHaveLength(2);
      expect(router.routes).toEqual([{ destination: '192.168.50.0/24', nexthop: '10.20.2.5' }]);
      // Servers: marker in metadata, keypair, group, power state, volume attached at /dev/vdb.
      const web1 = state.servers.get(result.ids['server:web-1']!)!;
      expect(web1.metadata).toMatchObject({ role: 'web', bascule_marker: marker('server:web-1') });
      expect(web1.key_name).toBe('deploy');
      expect(web1.server_groups).toEqual([result.ids['server_group:spread']]);
      expect(web1.status).toBe('ACTIVE');
      const db1 = state.servers.get(result.ids['server:db-1']!)!;
      expect(db1.status).toBe('SHUTOFF');
      const volume = state.volumes.get(result.ids['volume:db-data']!)!;
      expect(volume).toMatchObject({ status: 'in-use', size: 2, volume_type: 'standard' });
      expect((volume.attachments as { server_id: string; device: string }[])[0]).toMatchObject({
        server_id: db1.id,
        device: '/dev/vdb',
      });
      expect((volume.metadata as Record<string, string>).bascule_marker).toBe(marker('volume:db-data'));
      const snapshot = state.snapshots.get(result.ids['volume_snapshot:db-data-snap']!)!;
      expect(snapshot).toMatchObject({ volume_id: volume.id, status: 'available' });
      // The floating IP is on the port, from the external network.
      const fip = state.floatingips.get(result.ids['floating_ip:web-1/eth0']!)!;
      expect(fip).toMatchObject({
        port_id: port.id,
        floating_network_id: result.ids['network:public'],
        fixed_ip_address: '10.20.1.11',
      });
    },
  );

  it('a rule create answered 409 (it exists already) is a find, not a failure', async () => {
    const t = await target();
    const group = await t.cloud.network.post<{ security_group: { id: string } }>('/security-groups', {
      security_group: { name: 'g' },
    });
    const entry = {
      kind: 'security_group_rule',
      key: 'security_group_rule:g/ssh',
      spec: {
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 22,
        port_range_max: 22,
        remote_ip_prefix: '0.0.0.0/0',
      },
    } as PlanResource;
    const resolved = { entry, refs: { security_group: group.security_group.id }, marker: 'bascule:x' };
    const first = await securityGroupRuleWriter.create(t.ctx, resolved);
    const second = await securityGroupRuleWriter.create(t.ctx, resolved);
    expect(second.id).toBe(first.id);
    expect(
      t.sim
        .requestLog('dst')
        .some((e) => e.method === 'POST' && e.route.includes('security-group-rules') && e.status === 409),
    ).toBe(true);
  });

  it("a server that goes to ERROR fails with Nova's fault message; its dependents are skipped", async () => {
    const t = await target({ cloud: { computeHosts: 1 } });
    const plan = projectPlan();
    // Both servers in the anti-affinity group: the second cannot be placed on the only host.
    const db1 = plan.resources.find((r) => r.key === 'server:db-1')!;
    db1.refs = { ...db1.refs, server_group: 'server_group:spread' };
    const result = await applyPlan(plan, t.deps({ nodeAttempts: 1 }), { journalPath: journal() });
    expect(result.ok).toBe(false);
    const failed = result.nodes.filter((n) => n.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error!.message).toMatch(/ERROR: No valid host was found/);
    if (failed[0]!.key === 'server:web-1')
      expect(result.nodes.find((n) => n.key === 'floating_ip:web-1/eth0')!.outcome).toBe('skipped');
  });

  it('updates a pre-existing object field by field, and rollback restores it', async () => {
    const t = await target();
    const existing = await networks.create(t.cloud.network, {
      name: 'front',
      description: 'old words',
      admin_state_up: true,
    });
    const plan = projectPlan();
    const changes = await planChanges(plan, t.deps());
    expect(changes.actions.find((a) => a.key === 'network:front')).toMatchObject({
      action: 'update',
      targetId: existing.id,
      marked: false,
      changes: [{ field: 'description', from: 'old words', to: 'front end', updatable: true }],
    });
    const file = journal();
    const result = await applyPlan(plan, t.deps(), { journalPath: file });
    expect(result.ok).toBe(true);
    expect(result.ids['network:front']).toBe(existing.id);
    expect((await networks.get(t.cloud.network, existing.id)).description).toBe('front end');
    const undone = await rollback(t.deps(), { journalPath: file });
    expect(undone.ok).toBe(true);
    expect(undone.items.find((i) => i.key === 'network:front')).toMatchObject({ outcome: 'restored' });
    expect((await networks.get(t.cloud.network, existing.id)).description).toBe('old words');
  });

  it('the preflight blocks an apply the quota cannot hold, and flags an overlapping CIDR', async () => {
    const t = await target({
      seed: {
        ...(await import('../../engine/support/sim.js')).TARGET_SEED,
        quotas: [{ project: 'demo', compute: { instances: 1 } }],
        external_networks: [{ name: 'public', cidr: '10.20.0.0/16', gateway_ip: '10.20.0.1' }],
      },
    });
    t.sim.clearLog();
    const changes = await planChanges(projectPlan(), t.deps());
    expect(changes.ok).toBe(false);
    expect(changes.preflight.checks.find((c) => c.resource === 'instances')).toMatchObject({
      need: 2,
      limit: 1,
      ok: false,
    });
    expect(
      changes.preflight.issues
        .filter((i) => i.code === 'PREFLIGHT_CIDR_OVERLAP' && i.severity === 'error')
        .map((i) => i.key)
        .sort(),
    ).toEqual(['subnet:back-v4', 'subnet:front-v4']);
    expect(t.mutations()).toEqual([]);
  });
});
