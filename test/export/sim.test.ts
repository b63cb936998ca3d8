import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportProject, type ExportOptions } from '../../src/export/export.js';
import { serializePlan } from '../../src/plan/canonical.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startShop, type SimShop } from './support/sim-shop.js';

let shop: SimShop;
beforeAll(async () => {
  shop = await startShop(['pike', 'zed']);
}, 60_000);
afterAll(async () => {
  await shop?.sim.stop();
});

const options = (extra: Partial<ExportOptions> = {}): ExportOptions => ({
  dependencies: true,
  includeUserData: false,
  allowPartial: false,
  signal: new AbortController().signal,
  logger: silentLogger,
  now: () => new Date('2026-11-28T00:00:00Z'),
  ...extra,
});

async function exportFrom(name: 'pike' | 'zed', extra: Partial<ExportOptions> = {}) {
  const cloud = await shop.connect(name);
  try {
    shop.sim.clearLog();
    const result = await exportProject(cloud, options(extra));
    return { ...result, log: shop.sim.requestLog(name) };
  } finally {
    await cloud.close();
  }
}

const entry = (plan: Plan, key: string): PlanResource => {
  const found = plan.resources.find((r) => r.key === key);
  if (!found) throw new Error(`no ${key} in ${plan.resources.map((r) => r.key).join(', ')}`);
  return found;
};

const KEYS = [
  'flavor:m1.small',
  'image:app-image',
  'keypair:ops',
  'volume_type:standard',
  'network:db-net',
  'network:private',
  'network:public',
  'subnet:db-v4',
  'subnet:private-v4',
  'security_group:db',
  'security_group:default',
  'security_group:web',
  'security_group_rule:db/egress-IPv4-any-any-any',
  'security_group_rule:db/egress-IPv6-any-any-any',
  'security_group_rule:db/ingress-IPv4-tcp-5432-sg=web',
  'security_group_rule:default/egress-IPv4-any-any-any',
  'security_group_rule:default/egress-IPv6-any-any-any',
  'security_group_rule:default/ingress-IPv4-any-any-sg=default',
  'security_group_rule:default/ingress-IPv6-any-any-sg=default',
  'security_group_rule:web/egress-IPv4-any-any-any',
  'security_group_rule:web/egress-IPv6-any-any-any',
  'security_group_rule:web/ingress-IPv4-tcp-443-0.0.0.0_0',
  'router:gw',
  'port:db-1/eth0',
  'port:vip',
  'port:web-1/eth0',
  'port:web-1/eth1',
  'volume:db-1/boot',
  'volume:db-data',
  'volume:web-data',
  'volume_snapshot:db-snap',
  'server_group:web-group',
  'server:db-1',
  'server:web-1',
  'floating_ip:vip',
  'quota:project',
];

describe('export of the simulator sample project', () => {
  for (const profile of ['pike', 'zed'] as const) {
    it(`exports the ${profile} project field by field`, async () => {
      const { plan, warnings } = await exportFrom(profile);
      expect(validatePlan(JSON.parse(serializePlan(plan))).filter((i) => i.severity === 'error')).toEqual([]);
      expect(plan.resources.map((r) => r.key)).toEqual(KEYS);
      expect(plan.provenance).toMatchObject({
        cloud: 'pike' === profile ? 'pike' : 'zed',
        region: 'RegionOne',
        project: { name: 'shop' },
        profile: { name: profile },
      });
      expect(warnings.map((w) => w.code)).toEqual(['USER_DATA_NOT_EXPORTED']);

      expect(entry(plan, 'flavor:m1.small')).toMatchObject({
        external: true,
        spec: {
          name: 'm1.small',
          vcpus: 1,
          ram: 2048,
          disk: 20,
          ephemeral: 0,
          swap: 0,
          extra_specs: { 'hw:cpu_policy': 'shared' },
        },
      });
      expect(entry(plan, 'image:app-image').spec).toMatchObject({
        name: 'app-image',
        disk_format: 'qcow2',
        container_format: 'bare',
        min_disk: 1,
        size: 4096,
        properties: { os_distro: 'debian' },
      });
      expect(entry(plan, 'keypair:ops').spec).toEqual({
        name: 'ops',
        public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly ops@example',
        type: 'ssh',
      });
      expect(entry(plan, 'network:public')).toMatchObject({
        external: true,
        spec: { name: 'public', router_external: true },
      });
      expect(entry(plan, 'subnet:private-v4')).toMatchObject({
        refs: { network: 'network:private' },
        spec: {
          cidr: '10.0.0.0/24',
          ip_version: 4,
          gateway_ip: '10.0.0.1',
          dns_nameservers: ['10.0.0.2'],
          enable_dhcp: true,
        },
      });
      expect(entry(plan, 'security_group_rule:db/ingress-IPv4-tcp-5432-sg=web')).toMatchObject({
        refs: { security_group: 'security_group:db', remote_group: 'security_group:web' },
        spec: { direction: 'ingress', protocol: 'tcp', port_range_min: 5432, port_range_max: 5432 },
      });
      expect(entry(plan, 'router:gw')).toMatchObject({
        refs: { external_network: 'network:public', interfaces: ['subnet:private-v4'] },
        spec: { enable_snat: true, routes: [{ destination: '192.168.100.0/24', nexthop: '10.0.0.254' }] },
        lossy: ['external_fixed_ips'],
      });
      expect(entry(plan, 'port:vip')).toMatchObject({
        refs: { network: 'network:private', fixed_ips: ['subnet:private-v4'], security_groups: ['security_group:web'] },
        spec: { fixed_ips: [{ ip_address: '10.0.0.50' }], allowed_address_pairs: [{ ip_address: '10.0.0.60' }] },
      });
      expect(entry(plan, 'port:web-1/eth0').refs).toMatchObject({ network: 'network:private' });
      expect(entry(plan, 'port:web-1/eth1').refs).toMatchObject({ network: 'network:db-net' });
      expect(entry(plan, 'volume:db-1/boot')).toMatchObject({
        refs: { image: 'image:app-image' },
        spec: { size: 2, bootable: true },
      });
      expect(entry(plan, 'volume:web-data')).toMatchObject({
        refs: { volume_type: 'volume_type:standard' },
        spec: { size: 1, metadata: { purpose: 'uploads' } },
      });
      expect(entry(plan, 'volume_snapshot:db-snap').refs).toEqual({ volume: 'volume:db-data' });
      expect(entry(plan, 'server_group:web-group').spec).toEqual({ name: 'web-group', policy: 'anti-affinity' });
      expect(entry(plan, 'server:web-1')).toMatchObject({
        spec: {
          name: 'web-1',
          metadata: { role: 'web' },
          tags: ['frontend'],
          power_state: 'running',
          volumes: [{ device: '/dev/vdb' }],
        },
        refs: {
          flavor: 'flavor:m1.small',
          image: 'image:app-image',
          keypair: 'keypair:ops',
          server_group: 'server_group:web-group',
          ports: ['port:web-1/eth0', 'port:web-1/eth1'],
          security_groups: ['security_group:default', 'security_group:web'],
          volumes: ['volume:web-data'],
        },
      });
      expect(entry(plan, 'server:db-1')).toMatchObject({
        spec: { name: 'db-1', power_state: 'stopped', boot_volume_delete_on_termination: true },
        refs: {
          flavor: 'flavor:m1.small',
          boot_volume: 'volume:db-1/boot',
          ports: ['port:db-1/eth0'],
          security_groups: ['security_group:db'],
          volumes: ['volume:db-data'],
        },
      });
      expect(entry(plan, 'server:db-1').refs).not.toHaveProperty('image');
      expect(entry(plan, 'floating_ip:vip')).toMatchObject({
        refs: { floating_network: 'network:public', port: 'port:vip' },
        spec: { fixed_ip_address: '10.0.0.50', description: 'vip entry' },
      });
      expect(entry(plan, 'quota:project').spec).toHaveProperty('compute.instances');
    }, 60_000);
  }

  it('exports the same project from Pike and Zed as the same plan (but for what only Zed has)', async () => {
    const strip = (plan: Plan) =>
      plan.resources.map((r) => {
        const spec = { ...(r.spec as Record<string, unknown>) };
        for (const field of [
          'os_hash_algo',
          'os_hash_value',
          'mac_address',
          'floating_ip_address',
          'external_fixed_ips',
        ])
          delete spec[field];
        if (r.kind === 'port' || r.kind === 'floating_ip') delete spec.fixed_ips;
        if (r.kind === 'floating_ip') delete spec.fixed_ip_address;
        return { ...r, spec, source: undefined };
      });
    const pike = await exportFrom('pike');
    const zed = await exportFrom('zed');
    expect(strip(zed.plan)).toEqual(strip(pike.plan));
  }, 60_000);

  it('costs O(pages) requests per kind: one list each, per-resource calls only where documented', async () => {
    for (const profile of ['pike', 'zed'] as const) {
      const { log, stats } = await exportFrom(profile);
      const counts = new Map<string, number>();
      for (const e of log) if (e.route !== 'GET /') counts.set(e.route, (counts.get(e.route) ?? 0) + 1); // version discovery aside
      // Each route served once: lists are read once per run whatever the number of kinds that need them.
      expect([...counts.entries()].filter(([, n]) => n > 1)).toEqual([]);
      const perResource = [...counts.keys()].filter((k) => /\{id\}/.test(k)).sort();
      expect(perResource).toEqual(
        profile === 'pike'
          ? ['GET /v2.0/networks/{id}', 'GET /v2.1/servers/{id}/os-interface'] // the external network; web-1's NIC order
          : ['GET /v2.0/networks/{id}'],
      );
      expect(stats.requests).toBe(
        log.filter((e) => e.route !== 'GET /' && e.route !== 'GET /v2.0/extensions' && e.service !== 'identity').length,
      );
    }
  }, 60_000);

  it('pages through long lists: requests grow with pages, not resources', async () => {
    const many = structuredClone((await import('./support/sim-shop.js')).SHOP_SEED);
    const resources = many.resources!.shop!;
    resources.security_groups = [
      ...(resources.security_groups ?? []),
      ...Array.from({ length: 1200 }, (_, i) => ({ name: `sg-${String(i).padStart(4, '0')}` })),
    ];
    resources.keypairs = [
      ...(resources.keypairs ?? []),
      ...Array.from({ length: 30 }, (_, i) => ({
        name: `key-${i}`,
        public_key: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKey${i} k${i}`,
      })),
    ];
    const big = await startShop(['zed'], many);
    try {
      const cloud = await big.connect('zed');
      big.sim.clearLog();
      const { plan, stats } = await exportProject(cloud, options({ kinds: ['security_group', 'keypair'] }));
      await cloud.close();
      expect(plan.resources.filter((r) => r.kind === 'security_group')).toHaveLength(1203);
      expect(plan.resources.filter((r) => r.kind === 'security_group_rule').length).toBeGreaterThan(2400);
      const counts = big.sim.counts('zed');
      expect(counts['GET /v2.0/security-groups']).toBe(2); // 1,203 groups in pages of 1,000
      expect(stats.perKind.security_group.requests).toBe(2);
      expect(stats.perKind.security_group_rule.requests).toBe(0);
    } finally {
      await big.sim.stop();
    }
  }, 120_000);
});
