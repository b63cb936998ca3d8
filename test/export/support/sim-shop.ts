/**
 * The sample project of the export tests on the simulator: the same "shop" as the wire fixtures, as a seed
 * (src/sim/seed/types.ts). Two tiers, two networks, a router with a gateway, a VIP port with an allowed address pair,
 * security groups that refer to each other, a boot-from-volume server that is stopped, a server group, snapshots.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, loadCloudConfig } from '../../../src/openstack/index.js';
import type { Cloud } from '../../../src/openstack/cloud.js';
import { startSimulator, type SeedFile, type Simulator } from '../../../src/sim/index.js';
import type { ProfileName } from '../../../src/sim/profiles.js';

export const SHOP_SEED: SeedFile = {
  projects: [{ name: 'shop' }],
  users: [{ name: 'shop-user', password: 'shop-password-for-tests', default_project: 'shop' }],
  role_assignments: [{ user: 'shop-user', project: 'shop', role: 'member' }],
  flavors: [{ name: 'm1.small', vcpus: 1, ram: 2048, disk: 20, extra_specs: { 'hw:cpu_policy': 'shared' } }],
  volume_types: [{ name: 'standard' }],
  external_networks: [
    {
      name: 'public',
      subnets: [{ name: 'public-v4', cidr: '172.24.4.0/24', gateway_ip: '172.24.4.1', ip_version: 4 }],
    },
  ],
  resources: {
    shop: {
      keypairs: [{ name: 'ops', public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly ops@example' }],
      security_groups: [
        {
          name: 'web',
          description: 'web tier',
          rules: [
            {
              direction: 'ingress',
              ethertype: 'IPv4',
              protocol: 'tcp',
              port_range_min: 443,
              port_range_max: 443,
              remote_ip_prefix: '0.0.0.0/0',
            },
          ],
        },
        {
          name: 'db',
          rules: [
            {
              direction: 'ingress',
              ethertype: 'IPv4',
              protocol: 'tcp',
              port_range_min: 5432,
              port_range_max: 5432,
              remote_group: 'web',
            },
          ],
        },
      ],
      networks: [
        {
          name: 'private',
          subnets: [{ name: 'private-v4', cidr: '10.0.0.0/24', ip_version: 4, dns_nameservers: ['10.0.0.2'] }],
        },
        { name: 'db-net', subnets: [{ name: 'db-v4', cidr: '10.1.0.0/24', ip_version: 4 }] },
      ],
      routers: [
        {
          name: 'gw',
          external_gateway: 'public',
          interfaces: ['private-v4'],
          routes: [{ destination: '192.168.100.0/24', nexthop: '10.0.0.254' }],
        },
      ],
      ports: [
        {
          name: 'vip',
          network: 'private',
          fixed_ips: [{ subnet: 'private-v4', ip_address: '10.0.0.50' }],
          security_groups: ['web'],
          allowed_address_pairs: [{ ip_address: '10.0.0.60' }],
        },
      ],
      images: [
        {
          name: 'app-image',
          disk_format: 'qcow2',
          container_format: 'bare',
          min_disk: 1,
          data: { size: 4096 },
          properties: { os_distro: 'debian' },
        },
      ],
      volumes: [
        { name: 'web-data', size: 1, volume_type: 'standard', metadata: { purpose: 'uploads' } },
        { name: 'db-data', size: 2 },
      ],
      snapshots: [{ name: 'db-snap', volume: 'db-data' }],
      server_groups: [{ name: 'web-group', policy: 'anti-affinity' }],
      servers: [
        {
          name: 'web-1',
          flavor: 'm1.small',
          image: 'app-image',
          networks: [{ network: 'private' }, { network: 'db-net' }],
          key_name: 'ops',
          security_groups: ['web', 'default'],
          metadata: { role: 'web' },
          tags: ['frontend'],
          group: 'web-group',
          volumes: ['web-data'],
        },
        {
          name: 'db-1',
          flavor: 'm1.small',
          boot_volume: { size: 2, image: 'app-image', delete_on_termination: true },
          networks: [{ network: 'db-net' }],
          security_groups: ['db'],
          volumes: ['db-data'],
          status: 'SHUTOFF',
        },
      ],
      floating_ips: [{ network: 'public', port: 'vip', description: 'vip entry' }],
    },
  },
};

export interface SimShop {
  sim: Simulator;
  cloudsFile: string;
  connect(cloud: string): Promise<Cloud>;
}

/** Starts the simulator with one cloud per profile, each seeded with `seed` (default: the shop). */
export async function startShop(
  profiles: readonly ProfileName[],
  seed: SeedFile | string = SHOP_SEED,
  options: { latencyMs?: number; regions?: string[]; availabilityZones?: string[] } = {},
): Promise<SimShop> {
  const { latencyMs = 0, regions, availabilityZones } = options;
  const sim = await startSimulator({
    clouds: profiles.map((profile) => ({
      name: profile,
      profile,
      seed,
      ...(regions ? { regions } : {}),
      ...(availabilityZones ? { availabilityZones } : {}),
      ...(latencyMs > 0 ? { latency: { fixedMs: latencyMs } } : {}),
    })),
  });
  const cloudsFile = join(mkdtempSync(join(tmpdir(), 'bascule-sim-clouds-')), 'clouds.yaml');
  await sim.writeCloudsYaml(cloudsFile);
  return {
    sim,
    cloudsFile,
    async connect(cloud) {
      const config = await loadCloudConfig(cloud, { files: [cloudsFile] });
      return connect(config);
    },
  };
}
