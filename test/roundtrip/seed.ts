/**
 * The round-trip fixtures: the infrastructure each simulated cloud offers (flavors, volume types, external
 * networks, public images, under the names of its platform) and a realistic project seeded on the source.
 */
import type { SeedFile } from '../../src/sim/index.js';

export const FAST_DELAYS = {
  serverBuildMs: 0,
  volumeCreateMs: 0,
  imageActiveMs: 0,
  serverPowerMs: 0,
  volumeAttachMs: 0,
};

export interface Platform {
  flavors: string;
  externalNetwork: string;
  volumeType: string;
  image: string;
}

/** Names on the "old" platform (A) and the "new" one (B): a mapping translates between them. */
export const OLD: Platform = {
  flavors: 'm1',
  externalNetwork: 'ext-net',
  volumeType: 'standard',
  image: 'cirros-0.4.0',
};
export const NEW: Platform = { flavors: 's1', externalNetwork: 'internet', volumeType: 'ceph-hdd', image: 'cirros' };

/** A cloud's shared infrastructure and an empty project `shop` with its member `alice`. */
export function platformSeed(p: Platform): SeedFile {
  return {
    projects: [{ name: 'shop' }],
    users: [{ name: 'alice', password: 'alice-pw' }],
    role_assignments: [{ user: 'alice', project: 'shop', role: 'member' }],
    flavors: [
      { id: '1', name: `${p.flavors}.tiny`, ram: 512, vcpus: 1, disk: 1 },
      { id: '2', name: `${p.flavors}.small`, ram: 2048, vcpus: 1, disk: 20 },
      { id: '3', name: `${p.flavors}.medium`, ram: 4096, vcpus: 2, disk: 40 },
    ],
    volume_types: [{ name: p.volumeType }],
    external_networks: [{ name: p.externalNetwork, cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1' }],
    resources: {
      // The platform's public image belongs to the admin project: the project refers to it as an external.
      admin: {
        images: [
          {
            name: p.image,
            data: { size: '64KiB', seed: 'cirros' },
            visibility: 'public',
            disk_format: 'qcow2',
            container_format: 'bare',
          },
        ],
      },
    },
  };
}

/** The source project: two tiers, a router to the outside, rules between groups, volumes, servers, a floating IP. */
export function projectSeed(p: Platform): SeedFile {
  const base = platformSeed(p);
  return {
    ...base,
    resources: {
      ...base.resources,
      shop: {
        images: [
          {
            name: 'shop-app-2026.11',
            data: { size: '32KiB', seed: 'app' },
            disk_format: 'qcow2',
            container_format: 'bare',
            properties: { os_distro: 'ubuntu', release: '2026.11' },
          },
        ],
        keypairs: [
          {
            name: 'deploy',
            public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5xQm1iZ0pJcE9hVnR6c2h1bmJ0b3Jhc2x2ZmRr deploy@bastion',
          },
        ],
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
            description: 'database tier',
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
            name: 'front',
            description: 'front end',
            subnets: [
              {
                name: 'front-v4',
                cidr: '10.20.1.0/24',
                ip_version: 4,
                gateway_ip: '10.20.1.1',
                dns_nameservers: ['192.0.2.53'],
              },
            ],
          },
          {
            name: 'back',
            subnets: [{ name: 'back-v4', cidr: '10.20.2.0/24', ip_version: 4, gateway_ip: '10.20.2.1' }],
          },
        ],
        routers: [{ name: 'edge', external_gateway: p.externalNetwork, interfaces: ['front-v4', 'back-v4'] }],
        volumes: [
          {
            name: 'db-data',
            size: 2,
            volume_type: p.volumeType,
            description: 'database files',
            metadata: { backup: 'daily' },
          },
        ],
        server_groups: [{ name: 'web-spread', policy: 'anti-affinity' }],
        servers: [
          {
            name: 'web-1',
            flavor: `${p.flavors}.small`,
            image: p.image,
            key_name: 'deploy',
            networks: [{ network: 'front', fixed_ip: '10.20.1.11' }],
            security_groups: ['web'],
            metadata: { role: 'web' },
            group: 'web-spread',
          },
          {
            name: 'db-1',
            flavor: `${p.flavors}.medium`,
            image: 'shop-app-2026.11',
            key_name: 'deploy',
            networks: [{ network: 'back', fixed_ip: '10.20.2.21' }],
            security_groups: ['db'],
            metadata: { role: 'db' },
            volumes: ['db-data'],
            status: 'SHUTOFF',
          },
        ],
        floating_ips: [
          { network: p.externalNetwork, server: 'web-1', fixed_ip_address: '10.20.1.11', description: 'web' },
        ],
      },
    },
  };
}

/** The mapping from the old platform's names to the new one's (flavors by name and by shape, image, network, type). */
export const OLD_TO_NEW = `format: bascule.mapping/v1
description: round trip, old platform to new
flavors:
  - { from: { name: m1.small }, to: { name: s1.small } }
  - from: { any: true }
    to: { shape: smallest-fit, within: { name_regex: '^s1\\.' } }
images:
  - { from: { name: cirros-0.4.0 }, to: { name: cirros } }
external_networks:
  - { from: ext-net, to: internet }
volume_types:
  - { from: standard, to: ceph-hdd }
`;
