import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import type { ProfileName, SeedFile } from '../../src/sim/index.js';
import { OLD, platformSeed } from './seed.js';
import {
  applyAtoB,
  applyJournaled,
  auditAtoB,
  entryOf,
  exportPlan,
  rollBackB,
  shopSeed,
  startCloudsPerTest,
  type SimClouds,
} from './support.js';

/**
 * Issue 17, Neutron extras, on the simulator: each kind is exported, dry-run, applied, audited clean and rolled back
 * between clouds that have its extension, and a target without the extension blocks it in the dry run with a message
 * naming the extension (nothing is sent).
 */
const startClouds = startCloudsPerTest();

/** Export of `a`, dry run, apply and audit on `b`, rollback; returns the plan and the outputs. */
async function roundTrip(clouds: SimClouds): Promise<{ plan: Plan; dry: string }> {
  const { plan } = await exportPlan(clouds);
  const dry = await applyAtoB(clouds, '--dry-run');
  expect(dry.code, dry.out).toBe(0);
  await applyJournaled(clouds);
  const again = await applyAtoB(clouds, '--dry-run');
  expect(again.code, again.out).toBe(0);
  expect(again.out).not.toMatch(/\bcreate\b.*(port_forwarding|trunk|qos_policy|address_group):/);
  const { report } = await auditAtoB(clouds);
  // A server's source is stopped while its disk is copied (apply --from): its power state is the one difference.
  expect(
    report.differences.filter(
      (x) => x.type !== 'expected-lossy' && !(x.kind === 'server' && x.field === 'spec.power_state'),
    ),
  ).toEqual([]);
  return { plan, dry: dry.out };
}

/** The dry run of the exported plan on `b`: blocked (exit 1) with a message naming the missing extension. */
async function blockedOn(clouds: SimClouds, what: RegExp): Promise<string> {
  await exportPlan(clouds);
  clouds.sim.clearLog();
  const dry = await applyAtoB(clouds, '--dry-run');
  expect(dry.code, dry.out).not.toBe(0);
  expect(dry.out).toMatch(what);
  expect(clouds.sim.requestLog('b').filter((e) => e.method !== 'GET' && e.service !== 'identity')).toEqual([]);
  return dry.out;
}

function forwardingSeed(): SeedFile {
  return shopSeed({
    networks: [{ name: 'net', subnets: [{ name: 'net-v4', cidr: '10.40.0.0/24', ip_version: 4 }] }],
    routers: [{ name: 'edge', external_gateway: OLD.externalNetwork, interfaces: ['net-v4'] }],
    ports: [{ name: 'ssh-host', network: 'net', fixed_ips: [{ subnet: 'net-v4', ip_address: '10.40.0.10' }] }],
    floating_ips: [
      {
        network: OLD.externalNetwork,
        floating_ip_address: '203.0.113.50',
        port_forwardings: [
          { port: 'ssh-host', protocol: 'tcp', internal_port: 22, external_port: 2222, description: 'ssh' },
          { port: 'ssh-host', protocol: 'udp', internal_port: 53, external_port: 5353 },
        ],
      },
    ],
  });
}

describe('port forwardings of floating IPs', () => {
  it.each<ProfileName>(['zed', '2025.1'])(
    '%s: exported as entries (internal port by plan key), applied, audited clean, rolled back',
    async (profile) => {
      const c = await startClouds([
        { name: 'a', profile, seed: forwardingSeed() },
        { name: 'b', profile, seed: platformSeed(OLD) },
      ]);
      const { plan, dry } = await roundTrip(c);
      const ssh = entryOf(plan, 'port_forwarding:ext-net/unassociated/tcp-2222');
      expect(ssh.refs).toEqual({ floating_ip: 'floating_ip:ext-net/unassociated', port: 'port:ssh-host' });
      expect(ssh.spec).toEqual({
        protocol: 'tcp',
        external_port: 2222,
        internal_ip_address: '10.40.0.10',
        internal_port: 22,
        description: 'ssh',
      });
      expect(plan.warnings?.filter((w) => w.kind === 'port_forwarding') ?? []).toEqual([]);
      expect(dry).toContain('port_forwarding:ext-net/unassociated/udp-5353');

      const b = c.sim.regionState('b');
      const fip = b.floatingips.find(() => true)!;
      const port = b.ports.find((p) => p.name === 'ssh-host')!;
      expect(
        b.portForwardings
          .filter((p) => p.floatingip_id === fip.id)
          .map((p) => [p.protocol, p.external_port, p.internal_port_id, p.internal_ip_address, p.internal_port]),
      ).toEqual([
        ['tcp', 2222, port.id, '10.40.0.10', 22],
        ['udp', 5353, port.id, '10.40.0.10', 53],
      ]);

      await rollBackB(c);
      expect(b.portForwardings.filter(() => true)).toEqual([]);
      expect(b.floatingips.filter(() => true)).toEqual([]);
    },
    60_000,
  );

  it('a target without the extension (pike) blocks them in the dry run, naming it', async () => {
    const c = await startClouds([
      { name: 'a', profile: '2025.1', seed: forwardingSeed() },
      { name: 'b', profile: 'pike', seed: platformSeed(OLD) },
    ]);
    const out = await blockedOn(c, /port_forwarding:ext-net\/unassociated\/tcp-2222[\s\S]*floating-ip-port-forwarding/);
    expect(out).toContain('port_forwarding:ext-net/unassociated/udp-5353');
  }, 60_000);
});

function addressGroupSeed(): SeedFile {
  return shopSeed({
    address_groups: [
      { name: 'office', description: 'the office', addresses: ['192.0.2.0/28', '198.51.100.7/32'] },
      { name: 'empty' },
    ],
    security_groups: [
      {
        name: 'admin',
        rules: [
          {
            direction: 'ingress',
            ethertype: 'IPv4',
            protocol: 'tcp',
            port_range_min: 22,
            port_range_max: 22,
            remote_address_group: 'office',
          },
          { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 443, port_range_max: 443 },
        ],
      },
    ],
  });
}

describe('address groups and rules with a remote address group', () => {
  it.each<ProfileName>(['zed', '2025.1'])(
    '%s: the group and the rule naming it by plan key are exported, applied, audited clean, rolled back',
    async (profile) => {
      const c = await startClouds([
        { name: 'a', profile, seed: addressGroupSeed() },
        { name: 'b', profile, seed: platformSeed(OLD) },
      ]);
      const { plan } = await roundTrip(c);
      expect(entryOf(plan, 'address_group:office').spec).toEqual({
        name: 'office',
        description: 'the office',
        addresses: ['192.0.2.0/28', '198.51.100.7/32'],
      });
      expect(entryOf(plan, 'address_group:empty').spec).toEqual({ name: 'empty', addresses: [] });
      const rule = entryOf(plan, 'security_group_rule:admin/ingress-IPv4-tcp-22-ag=office');
      expect(rule.refs).toEqual({
        security_group: 'security_group:admin',
        remote_address_group: 'address_group:office',
      });
      expect(rule.spec).not.toHaveProperty('remote_ip_prefix');
      expect(plan.warnings ?? []).toEqual([]);

      const b = c.sim.regionState('b');
      const office = b.addressGroups.find((g) => g.name === 'office')!;
      expect([...(office.addresses as string[])].sort()).toEqual(['192.0.2.0/28', '198.51.100.7/32']);
      expect(b.securityGroupRules.filter((r) => r.remote_address_group_id === office.id)).toHaveLength(1);

      await rollBackB(c);
      expect(b.addressGroups.filter(() => true)).toEqual([]);
      expect(b.securityGroups.filter((g) => g.name === 'admin')).toEqual([]);
    },
    60_000,
  );

  it('a target without the extensions (pike) blocks the groups and the rule in the dry run, naming them', async () => {
    const c = await startClouds([
      { name: 'a', profile: 'zed', seed: addressGroupSeed() },
      { name: 'b', profile: 'pike', seed: platformSeed(OLD) },
    ]);
    const out = await blockedOn(c, /address_group:office\s+the target's Neutron has no address-group extension/);
    expect(out).toMatch(
      /security_group_rule:admin\/ingress-IPv4-tcp-22-ag=office\s+its remote is an address group, and the target's Neutron has no security-groups-remote-address-group extension \(Wallaby and later\); it also depends on address_group:office, which is blocked/,
    );
  }, 60_000);

  it('a pre-existing same-named group with other addresses on the target is a conflict, never changed', async () => {
    const target = platformSeed(OLD);
    target.resources = {
      ...target.resources,
      shop: { address_groups: [{ name: 'office', addresses: ['10.0.0.0/8'] }] },
    };
    const c = await startClouds([
      { name: 'a', profile: 'zed', seed: addressGroupSeed() },
      { name: 'b', profile: 'zed', seed: target },
    ]);
    await exportPlan(c);
    const dry = await applyAtoB(c, '--dry-run');
    expect(dry.code).not.toBe(0);
    expect(dry.out).toMatch(/address_group:office/);
    expect(c.sim.regionState('b').addressGroups.find((g) => g.name === 'office')!.addresses).toEqual(['10.0.0.0/8']);
  }, 60_000);
});

const SHARED_QOS = {
  name: 'gold',
  shared: true,
  description: 'the platform gold class',
  rules: [
    { type: 'bandwidth_limit', max_kbps: 10000, max_burst_kbps: 1000 },
    { type: 'dscp_marking', dscp_mark: 26 },
    { type: 'minimum_bandwidth', min_kbps: 1000 },
  ],
};

/** A platform whose administrator offers the shared `gold` policy (with `rules`, else the default ones). */
function qosPlatform(rules = SHARED_QOS.rules): SeedFile {
  const base = platformSeed(OLD);
  return {
    ...base,
    resources: {
      admin: { ...base.resources!.admin!, qos_policies: [{ ...SHARED_QOS, rules }] },
    },
  };
}

/** A project with a port and a network bound to the shared policy and a port bound to a policy of its own. */
function qosSeed(): SeedFile {
  const base = qosPlatform();
  return {
    ...base,
    resources: {
      ...base.resources,
      shop: {
        qos_policies: [{ name: 'own', rules: [{ type: 'bandwidth_limit', max_kbps: 500, direction: 'ingress' }] }],
        networks: [
          { name: 'net', qos_policy: 'gold', subnets: [{ name: 'net-v4', cidr: '10.41.0.0/24', ip_version: 4 }] },
        ],
        ports: [
          { name: 'fast', network: 'net', qos_policy: 'gold' },
          { name: 'slow', network: 'net', qos_policy: 'own' },
          { name: 'plain', network: 'net' },
        ],
      },
    },
  };
}

describe('QoS policies and their bindings to ports and networks', () => {
  it.each<ProfileName>(['zed', '2025.1'])(
    '%s: a shared policy is referenced by name, never copied; bindings are applied, audited clean, rolled back',
    async (profile) => {
      const target = qosPlatform();
      // The target's administrator made the project's own policy there too (a member cannot create one).
      target.resources = {
        ...target.resources,
        shop: {
          qos_policies: [{ name: 'own', rules: [{ type: 'bandwidth_limit', max_kbps: 500, direction: 'ingress' }] }],
        },
      };
      const c = await startClouds([
        { name: 'a', profile, seed: qosSeed() },
        { name: 'b', profile, seed: target },
      ]);
      const { plan, dry } = await roundTrip(c);
      const gold = entryOf(plan, 'qos_policy:gold');
      expect(gold.external).toBe(true);
      expect(gold.spec).toEqual({
        name: 'gold',
        description: 'the platform gold class',
        shared: true,
        rules: [
          { type: 'bandwidth_limit', max_kbps: 10000, max_burst_kbps: 1000, direction: 'egress' },
          { type: 'dscp_marking', dscp_mark: 26 },
          { type: 'minimum_bandwidth', min_kbps: 1000, direction: 'egress' },
        ],
      });
      expect(entryOf(plan, 'qos_policy:own').external).toBeUndefined();
      expect(entryOf(plan, 'port:fast').refs?.qos_policy).toBe('qos_policy:gold');
      expect(entryOf(plan, 'port:slow').refs?.qos_policy).toBe('qos_policy:own');
      expect(entryOf(plan, 'port:plain').refs?.qos_policy).toBeUndefined();
      expect(entryOf(plan, 'network:net').refs?.qos_policy).toBe('qos_policy:gold');
      expect(dry).toMatch(/qos_policy:gold\s+QoS policy by name, same rules/);
      expect(plan.warnings?.filter((w) => w.kind === 'qos_policy') ?? []).toEqual([]);

      const b = c.sim.regionState('b');
      const policy = (name: string) => b.qosPolicies.find((p) => p.name === name)!.id;
      expect(b.qosPolicies.filter(() => true)).toHaveLength(2);
      const port = (name: string) => b.ports.find((p) => p.name === name)!;
      expect(port('fast').qos_policy_id).toBe(policy('gold'));
      expect(port('slow').qos_policy_id).toBe(policy('own'));
      expect(port('plain').qos_policy_id ?? null).toBeNull();
      expect(b.networks.find((n) => n.name === 'net')!.qos_policy_id).toBe(policy('gold'));

      await rollBackB(c);
      expect(b.ports.filter((p) => ['fast', 'slow', 'plain'].includes(String(p.name)))).toEqual([]);
      expect(b.qosPolicies.filter(() => true)).toHaveLength(2);
    },
    60_000,
  );

  it('blocks in the dry run: a target without qos (pike), a missing policy, a policy with other rules', async () => {
    let c = await startClouds([
      { name: 'a', profile: 'zed', seed: qosSeed() },
      { name: 'b', profile: 'pike', seed: platformSeed(OLD) },
    ]);
    await blockedOn(c, /qos_policy:gold\s+the target's Neutron has no qos extension/);
    await c.stop();
    c = await startClouds([
      { name: 'a', profile: 'zed', seed: qosSeed() },
      {
        name: 'b',
        profile: 'zed',
        seed: qosPlatform([{ type: 'bandwidth_limit', max_kbps: 10000, max_burst_kbps: 1000 }]),
      },
    ]);
    const out = await blockedOn(
      c,
      /qos_policy:gold\s+QoS policy gold on the target has other rules: lacks dscp_marking dscp_mark=26, minimum_bandwidth direction=egress min_kbps=1000/,
    );
    expect(out).toMatch(/qos_policy:own\s+no QoS policy named own on the target: an administrator must create it/);
  }, 60_000);
});

function trunkSeed(): SeedFile {
  return shopSeed({
    networks: [
      { name: 'carrier', subnets: [{ name: 'carrier-v4', cidr: '10.42.0.0/24', ip_version: 4 }] },
      { name: 'vlan-a', subnets: [{ name: 'vlan-a-v4', cidr: '10.43.0.0/24', ip_version: 4 }] },
      { name: 'vlan-b', subnets: [{ name: 'vlan-b-v4', cidr: '10.44.0.0/24', ip_version: 4 }] },
    ],
    ports: [
      { name: 'parent', network: 'carrier' },
      { name: 'sub-a', network: 'vlan-a' },
      { name: 'sub-b', network: 'vlan-b' },
    ],
    trunks: [
      {
        name: 'uplink',
        port: 'parent',
        sub_ports: [
          { port: 'sub-b', segmentation_type: 'vlan', segmentation_id: 200 },
          { port: 'sub-a', segmentation_type: 'vlan', segmentation_id: 100 },
        ],
      },
    ],
    servers: [{ name: 'router-vm', flavor: `${OLD.flavors}.small`, image: OLD.image, networks: [{ port: 'parent' }] }],
  });
}

describe('trunks with their sub-ports', () => {
  it.each<ProfileName>(['pike', 'zed', '2025.1'])(
    '%s: the trunk (ports by plan key, segmentation) is made before the server on its parent port, audited clean, rolled back',
    async (profile) => {
      const c = await startClouds([
        { name: 'a', profile, seed: trunkSeed() },
        { name: 'b', profile, seed: platformSeed(OLD) },
      ]);
      const { plan } = await roundTrip(c);
      const trunk = entryOf(plan, 'trunk:uplink');
      expect(trunk.refs).toEqual({ port: 'port:parent', sub_ports: ['port:sub-a', 'port:sub-b'] });
      expect(trunk.spec).toMatchObject({
        name: 'uplink',
        sub_ports: [
          { segmentation_type: 'vlan', segmentation_id: 100 },
          { segmentation_type: 'vlan', segmentation_id: 200 },
        ],
      });
      expect(plan.warnings?.filter((w) => w.kind === 'trunk' || w.kind === 'port') ?? []).toEqual([]);

      const b = c.sim.regionState('b');
      const port = (name: string) => b.ports.find((p) => p.name === name)!;
      const made = b.trunks.find((t) => t.name === 'uplink')!;
      expect(made.port_id).toBe(port('parent').id);
      expect(made.sub_ports).toEqual([
        { port_id: port('sub-a').id, segmentation_type: 'vlan', segmentation_id: 100 },
        { port_id: port('sub-b').id, segmentation_type: 'vlan', segmentation_id: 200 },
      ]);
      expect(port('sub-a').device_owner).toBe('trunk:subport');
      const server = b.servers.find((s) => s.name === 'router-vm')!;
      expect(port('parent').device_id).toBe(server.id);
      // The trunk was made before the server booted on its parent port.
      expect(String(made.created_at) <= String(server.created_at)).toBe(true);

      await rollBackB(c);
      expect(b.trunks.filter(() => true)).toEqual([]);
      expect(b.ports.filter((p) => ['parent', 'sub-a', 'sub-b'].includes(String(p.name)))).toEqual([]);
    },
    60_000,
  );
});
