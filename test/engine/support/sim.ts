/** Engine tests on the simulator: a target cloud, a clouds.yaml, a connected Cloud and the engine's deps. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineDeps } from '../../../src/engine/context.js';
import { readerFor, writerFor } from '../../../src/kinds/registry.js';
import type { WriteContext } from '../../../src/kinds/kind.js';
import { connect, loadCloudConfig } from '../../../src/openstack/index.js';
import type { Cloud } from '../../../src/openstack/cloud.js';
import type { SessionOptions } from '../../../src/openstack/session.js';
import type { Plan } from '../../../src/plan/types.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { startSimulator, type Simulator } from '../../../src/sim/index.js';
import type { CloudOptions } from '../../../src/sim/options.js';

export const FAST = { serverBuildMs: 0, volumeCreateMs: 0, imageActiveMs: 0, serverPowerMs: 0, volumeAttachMs: 0 };

/** The target: project `demo` (member alice), flavors, a volume type, an external network, a public image. */
export const TARGET_SEED = {
  projects: [{ name: 'demo' }],
  users: [{ name: 'alice', password: 'alice-pw' }],
  role_assignments: [{ user: 'alice', project: 'demo', role: 'member' }],
  flavors: [
    { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 },
    { id: '2', name: 'm1.small', ram: 2048, vcpus: 1, disk: 20 },
    { id: '3', name: 'm1.medium', ram: 4096, vcpus: 2, disk: 40 },
  ],
  volume_types: [{ name: 'standard' }],
  external_networks: [{ name: 'public', cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1' }],
  resources: {
    demo: {
      images: [{ name: 'cirros', data: { size: '64KiB' }, visibility: 'public', disk_format: 'qcow2' }],
    },
  },
};

export interface SimTarget {
  sim: Simulator;
  cloudsYaml: string;
  dir: string;
  cloud: Cloud;
  ctx: WriteContext;
  deps(extra?: Partial<EngineDeps>): EngineDeps;
  /** Mutating requests the target received since the log was last cleared. */
  mutations(): { method: string; route: string; status: number }[];
  stop(): Promise<void>;
}

export async function startTarget(
  options: { cloud?: Partial<CloudOptions>; session?: SessionOptions; seed?: object } = {},
): Promise<SimTarget> {
  const sim = await startSimulator({
    clouds: [
      { name: 'dst', profile: 'zed', seed: (options.seed ?? TARGET_SEED) as never, delays: FAST, ...options.cloud },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'bascule-engine-sim-'));
  const cloudsYaml = join(dir, 'clouds.yaml');
  await sim.writeCloudsYaml(cloudsYaml);
  const config = await loadCloudConfig('dst', { files: [cloudsYaml], env: {} });
  const cloud = await connect(config, { logger: silentLogger, retry: { baseMs: 5, capMs: 50 }, ...options.session });
  const ctx: WriteContext = {
    cloud,
    projectId: cloud.projectId,
    signal: new AbortController().signal,
    logger: silentLogger,
    extensions: await cloud.networkExtensions(),
  };
  return {
    sim,
    cloudsYaml,
    dir,
    cloud,
    ctx,
    deps: (extra = {}) => ({ target: ctx, writerFor, readerFor, concurrency: 8, ...extra }),
    mutations: () =>
      sim
        .requestLog('dst')
        .filter((e) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(e.method) && !e.route.includes('/auth/tokens'))
        .map((e) => ({ method: e.method, route: e.route, status: e.status })),
    async stop() {
      await cloud.close();
      await sim.stop();
    },
  };
}

const PROVENANCE = {
  cloud: 'src',
  region: 'RegionOne',
  project: { name: 'shop', id: 'src-project-0001' },
  profile: { api_versions: {}, microversions: {}, extensions: [] },
  exported_at: '2026-11-28T00:00:00Z',
  bascule_version: '0.1.0',
};

/**
 * A project: two networks with subnets, a router to the external network, two security groups whose rules refer to
 * each other, a keypair, a server group, ports, a volume, two servers (one stopped) and a floating IP.
 */
export function projectPlan(): Plan {
  return {
    format: 'bascule.plan/v1',
    provenance: PROVENANCE,
    resources: [
      {
        kind: 'flavor',
        key: 'flavor:m1.small',
        external: true,
        spec: { name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
      },
      { kind: 'image', key: 'image:cirros', external: true, spec: { name: 'cirros' } },
      {
        kind: 'keypair',
        key: 'keypair:deploy',
        spec: {
          name: 'deploy',
          public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5xQm1iZ0pJcE9hVnR6c2h1bmJ0b3Jhc2x2ZmRr deploy@bastion',
          type: 'ssh',
        },
      },
      { kind: 'volume_type', key: 'volume_type:standard', external: true, spec: { name: 'standard' } },
      { kind: 'network', key: 'network:public', external: true, spec: { name: 'public', router_external: true } },
      {
        kind: 'network',
        key: 'network:front',
        spec: { name: 'front', admin_state_up: true, description: 'front end' },
      },
      { kind: 'network', key: 'network:back', spec: { name: 'back', admin_state_up: true } },
      {
        kind: 'subnet',
        key: 'subnet:front-v4',
        refs: { network: 'network:front' },
        spec: {
          name: 'front-v4',
          cidr: '10.20.1.0/24',
          ip_version: 4,
          gateway_ip: '10.20.1.1',
          enable_dhcp: true,
          dns_nameservers: ['192.0.2.53'],
        },
      },
      {
        kind: 'subnet',
        key: 'subnet:back-v4',
        refs: { network: 'network:back' },
        spec: { name: 'back-v4', cidr: '10.20.2.0/24', ip_version: 4, gateway_ip: '10.20.2.1', enable_dhcp: true },
      },
      { kind: 'security_group', key: 'security_group:web', spec: { name: 'web', description: 'web tier' } },
      { kind: 'security_group', key: 'security_group:db', spec: { name: 'db', description: 'db tier' } },
      {
        kind: 'security_group_rule',
        key: 'security_group_rule:web/egress-IPv4',
        refs: { security_group: 'security_group:web' },
        spec: { direction: 'egress', ethertype: 'IPv4', protocol: null, remote_ip_prefix: null },
      },
      {
        kind: 'security_group_rule',
        key: 'security_group_rule:web/https',
        refs: { security_group: 'security_group:web' },
        spec: {
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          port_range_min: 443,
          port_range_max: 443,
          remote_ip_prefix: '0.0.0.0/0',
        },
      },
      {
        kind: 'security_group_rule',
        key: 'security_group_rule:web/icmp-from-db',
        refs: { security_group: 'security_group:web', remote_group: 'security_group:db' },
        spec: { direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp' },
      },
      {
        kind: 'security_group_rule',
        key: 'security_group_rule:db/pg-from-web',
        refs: { security_group: 'security_group:db', remote_group: 'security_group:web' },
        spec: { direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 5432, port_range_max: 5432 },
      },
      {
        kind: 'router',
        key: 'router:edge',
        refs: { external_network: 'network:public', interfaces: ['subnet:back-v4', 'subnet:front-v4'] },
        spec: {
          name: 'edge',
          admin_state_up: true,
          routes: [{ destination: '192.168.50.0/24', nexthop: '10.20.2.5' }],
        },
      },
      {
        kind: 'port',
        key: 'port:web-1/eth0',
        refs: { network: 'network:front', fixed_ips: ['subnet:front-v4'], security_groups: ['security_group:web'] },
        spec: { name: 'web-1/eth0', fixed_ips: [{ ip_address: '10.20.1.11' }], mac_address: 'fa:16:3e:00:00:11' },
      },
      {
        kind: 'port',
        key: 'port:db-1/eth0',
        refs: { network: 'network:back', fixed_ips: ['subnet:back-v4'], security_groups: ['security_group:db'] },
        spec: { name: 'db-1/eth0', fixed_ips: [{ ip_address: '10.20.2.21' }] },
      },
      {
        kind: 'volume',
        key: 'volume:db-data',
        refs: { volume_type: 'volume_type:standard' },
        spec: { name: 'db-data', size: 2, description: 'data', metadata: { backup: 'daily' } },
      },
      {
        kind: 'volume_snapshot',
        key: 'volume_snapshot:db-data-snap',
        refs: { volume: 'volume:db-data' },
        spec: { name: 'db-data-snap', description: 'before the move' },
      },
      { kind: 'server_group', key: 'server_group:spread', spec: { name: 'spread', policy: 'anti-affinity' } },
      {
        kind: 'server',
        key: 'server:web-1',
        refs: {
          flavor: 'flavor:m1.small',
          image: 'image:cirros',
          keypair: 'keypair:deploy',
          ports: ['port:web-1/eth0'],
          server_group: 'server_group:spread',
        },
        spec: { name: 'web-1', metadata: { role: 'web' }, power_state: 'running', disk_strategy: 'base-image' },
      },
      {
        kind: 'server',
        key: 'server:db-1',
        refs: {
          flavor: 'flavor:m1.small',
          image: 'image:cirros',
          keypair: 'keypair:deploy',
          ports: ['port:db-1/eth0'],
          volumes: ['volume:db-data'],
        },
        spec: {
          name: 'db-1',
          metadata: { role: 'db' },
          power_state: 'stopped',
          volumes: [{ device: '/dev/vdb', delete_on_termination: false }],
          disk_strategy: 'base-image',
        },
      },
      {
        kind: 'floating_ip',
        key: 'floating_ip:web-1/eth0',
        refs: { floating_network: 'network:public', port: 'port:web-1/eth0' },
        spec: { description: 'web', floating_ip_address: '198.51.100.7', fixed_ip_address: '10.20.1.11' },
      },
    ],
  } as Plan;
}

const TABLES = [
  'networks',
  'subnets',
  'ports',
  'routers',
  'floatingips',
  'securityGroups',
  'securityGroupRules',
  'keypairs',
  'servers',
  'serverGroups',
  'images',
  'volumes',
  'snapshots',
] as const;
const VOLATILE = new Set(['updated_at', 'revision_number', 'updated']);

/** Every object of the target region, as comparable text per table (volatile timestamps left out). */
export function snapshotTarget(t: SimTarget): Record<string, string[]> {
  const state = t.sim.regionState('dst') as unknown as Record<string, { all(): Record<string, unknown>[] }>;
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    out[table] = state[table]!.all()
      .map((row) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(row)
              .filter(([k]) => !VOLATILE.has(k))
              .sort(([a], [b]) => (a < b ? -1 : 1)),
          ),
        ),
      )
      .sort();
  }
  return out;
}

/** How many objects of each table. */
export function countTarget(t: SimTarget): Record<string, number> {
  const state = t.sim.regionState('dst') as unknown as Record<string, { size: number }>;
  return Object.fromEntries(TABLES.map((table) => [table, state[table]!.size]));
}
