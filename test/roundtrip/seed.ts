/**
 * The round-trip fixtures: the infrastructure each simulated cloud offers (flavors, volume types, external
 * networks, public images, under the names of its platform) and a realistic project seeded on the source.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Cloud } from '../../src/openstack/cloud.js';
import { collect } from '../../src/openstack/index.js';
import * as floatingIps from '../../src/openstack/network/floating-ips/requests.js';
import * as healthMonitors from '../../src/openstack/load-balancer/health-monitors/requests.js';
import * as l7 from '../../src/openstack/load-balancer/l7-policies/requests.js';
import * as listeners from '../../src/openstack/load-balancer/listeners/requests.js';
import * as loadBalancers from '../../src/openstack/load-balancer/load-balancers/requests.js';
import { membersOf } from '../../src/openstack/load-balancer/members/requests.js';
import * as pools from '../../src/openstack/load-balancer/pools/requests.js';
import { underLoadBalancer, waitLoadBalancer } from '../../src/openstack/load-balancer/wait.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import * as subnets from '../../src/openstack/network/subnets/requests.js';
import { objectStoreClient } from '../../src/openstack/object-store/client.js';
import * as swift from '../../src/openstack/object-store/requests.js';
import { PROFILES, type ProfileName, type SeedFile, type Simulator } from '../../src/sim/index.js';

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

/** Gives alice `role` on shop in `cloud` (as an administrator would: `openstack role add`). */
export function grantRole(sim: Simulator, cloud: string, role: string): void {
  const identity = sim.identityState(cloud);
  const alice = identity.users.find((u) => u.name === 'alice')!;
  const shop = identity.projects.find((p) => p.name === 'shop')!;
  identity.assign(String(alice.id), String(shop.id), role);
}

/**
 * The web tier's load balancer, built through Bascule's client as a user would with the openstack CLI, on the subnet
 * `front-v4` (10.20.1.0/24): VIP 10.20.1.100, a listener `http`, a pool `web` (session persistence) with members at
 * 10.20.1.11 (weight 3) and 10.20.1.12 (weight 1, backup on a modern Octavia), a health monitor, a pool `sorry` and an
 * L7 policy redirecting /maintenance to it; a floating IP on the VIP, described `web-lb`. Returns the VIP's port.
 */
export async function buildLoadBalancer(cloud: Cloud, modern: boolean): Promise<{ vipPortId: string }> {
  const sc = cloud.loadBalancer;
  const [subnet] = await collect(subnets.list(cloud.network, { name: 'front-v4' }));
  const lb = await loadBalancers.create(sc, {
    name: 'web-lb',
    description: 'the shop',
    vip_subnet_id: subnet!.id,
    vip_address: '10.20.1.100',
    ...(modern ? { tags: ['tier-web'] } : {}),
  });
  const listener = await underLoadBalancer(sc, lb.id, () =>
    listeners.create(sc, {
      name: 'http',
      loadbalancer_id: lb.id,
      protocol: 'HTTP',
      protocol_port: 80,
      connection_limit: 5000,
      insert_headers: { 'X-Forwarded-For': 'true' },
      ...(modern ? { timeout_client_data: 30000, allowed_cidrs: ['192.0.2.0/24', '10.0.0.0/8'] } : {}),
    }),
  );
  const pool = await underLoadBalancer(sc, lb.id, () =>
    pools.create(sc, {
      name: 'web',
      listener_id: listener.id,
      protocol: 'HTTP',
      lb_algorithm: 'LEAST_CONNECTIONS',
      session_persistence: { type: 'APP_COOKIE', cookie_name: 'SESSION' },
    }),
  );
  const sorry = await underLoadBalancer(sc, lb.id, () =>
    pools.create(sc, { name: 'sorry', loadbalancer_id: lb.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' }),
  );
  for (const [address, weight] of [
    ['10.20.1.11', 3],
    ['10.20.1.12', 1],
  ] as const)
    await underLoadBalancer(sc, lb.id, () =>
      membersOf(pool.id).create(sc, {
        address,
        protocol_port: 8080,
        weight,
        subnet_id: subnet!.id,
        ...(modern && weight === 1 ? { backup: true } : {}),
      }),
    );
  await underLoadBalancer(sc, lb.id, () =>
    healthMonitors.create(sc, {
      pool_id: pool.id,
      type: 'HTTP',
      delay: 5,
      timeout: 3,
      max_retries: 2,
      url_path: '/health',
      expected_codes: '200-204',
    }),
  );
  await underLoadBalancer(sc, lb.id, () =>
    l7.create(sc, {
      name: 'maintenance',
      listener_id: listener.id,
      action: 'REDIRECT_TO_POOL',
      redirect_pool_id: sorry.id,
    }),
  );
  const [policy] = await collect(l7.list(sc, { name: 'maintenance' }));
  await underLoadBalancer(sc, lb.id, () =>
    l7.rulesOf(policy!.id).create(sc, { type: 'PATH', compare_type: 'STARTS_WITH', value: '/maintenance' }),
  );
  await waitLoadBalancer(sc, lb.id);
  // The VIP's public address.
  const [ext] = await collect(networks.list(cloud.network, { name: OLD.externalNetwork }));
  await floatingIps.create(cloud.network, {
    floating_network_id: ext!.id,
    port_id: lb.vip_port_id!,
    description: 'web-lb',
  });
  return { vipPortId: lb.vip_port_id! };
}

export const md5 = (b: Uint8Array | string): string => createHash('md5').update(b).digest('hex');
/** The segments of the static large object `site/big.bin` (in `site_segments/big/<i>`). */
export const SEGMENTS = [randomBytes(80_000), randomBytes(80_000), randomBytes(12_345)];
/** The parts of the dynamic large object `site/movie` (in `site_segments/dlo/<i>`). */
export const DLO_PARTS = [Buffer.from('first half, '), Buffer.from('second half')];

/**
 * The project's object storage: `site` (metadata, read and write ACLs, versions in `site-versions`, an object quota)
 * holding `index.html` (two versions), the zero-byte `empty`, the static large object `big.bin` and the dynamic one
 * `movie`, whose segments are in `site_segments`.
 */
export async function seedContainers(cloud: Cloud): Promise<void> {
  const sc = objectStoreClient(cloud);
  await swift.createContainer(sc, 'site-versions');
  await swift.createContainer(sc, 'site_segments');
  await swift.createContainer(sc, 'site', {
    metadata: { color: 'blue' },
    read: '.r:*,.rlistings',
    write: `${cloud.projectId}:*`,
    versionsLocation: 'site-versions',
    quotaCount: 50,
  });
  await swift.uploadObject(sc, 'site', 'index.html', Buffer.from('<p>v1</p>'), { contentType: 'text/html' });
  await swift.uploadObject(sc, 'site', 'index.html', Buffer.from('<p>v2</p>'), {
    contentType: 'text/html',
    metadata: { author: 'web' },
  });
  await swift.uploadObject(sc, 'site', 'empty', Buffer.alloc(0));
  for (const [i, s] of SEGMENTS.entries()) await swift.uploadObject(sc, 'site_segments', `big/${i}`, s);
  await swift.uploadSloManifest(
    sc,
    'site',
    'big.bin',
    SEGMENTS.map((s, i) => ({ path: `/site_segments/big/${i}`, etag: md5(s), size_bytes: s.length })),
  );
  for (const [i, p] of DLO_PARTS.entries()) await swift.uploadObject(sc, 'site_segments', `dlo/${i}`, p);
  await swift.uploadObject(sc, 'site', 'movie', Buffer.alloc(0), { dloManifest: 'site_segments/dlo/' });
}

/** The bytes of an object, read whole. */
export async function bytesOf(cloud: Cloud, container: string, name: string): Promise<Buffer> {
  const { response } = await swift.downloadObject(objectStoreClient(cloud), container, name);
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The Neutron extensions a profile's project can hold, of those the whole project uses beyond trunks. */
export function neutronExtras(profile: ProfileName): { qos: boolean; portForwarding: boolean; addressGroup: boolean } {
  const has = (alias: string) => PROFILES[profile].neutron.extensions.includes(alias);
  return { qos: has('qos'), portForwarding: has('floating-ip-port-forwarding'), addressGroup: has('address-group') };
}

/** The platform's shared QoS policy `gold`, offered by its administrator (a member cannot create one). */
export const GOLD_QOS = {
  name: 'gold',
  shared: true,
  description: 'the platform gold class',
  rules: [
    { type: 'bandwidth_limit', max_kbps: 10000, max_burst_kbps: 1000 },
    { type: 'dscp_marking', dscp_mark: 26 },
  ],
};

/** platformSeed, plus the shared QoS policy `gold` where the profile has QoS. */
export function platformWithQos(p: Platform, profile: ProfileName): SeedFile {
  const base = platformSeed(p);
  if (!neutronExtras(profile).qos) return base;
  return {
    ...base,
    resources: { ...base.resources, admin: { ...base.resources!.admin!, qos_policies: [GOLD_QOS] } },
  };
}

/**
 * Issue 17's whole source project on `profile`: projectSeed (networks, router, volume, servers web-1 and db-1, a
 * floating IP) plus a second web server `web-2` (10.20.1.12, for the load balancer's members), a trunk `uplink` whose
 * parent port carries the server `router-vm` and whose sub-ports are on two VLAN networks, and, where the profile's
 * Neutron has them: the shared QoS policy `gold` bound to the port `ssh-host` and the network `vlan-a`, a floating IP
 * (203.0.113.50) forwarding two ports to `ssh-host`, and an address group `office` used by a rule of `web`. The load
 * balancer, the DNS zone and the containers are made through the APIs afterwards (buildLoadBalancer, seedContainers).
 */
export function wholeProjectSeed(p: Platform, profile: ProfileName): SeedFile {
  const base = projectSeed(p);
  const shop = base.resources!.shop!;
  const has = neutronExtras(profile);
  const web = shop.security_groups!.find((g) => g.name === 'web')!;
  return {
    ...base,
    resources: {
      ...base.resources,
      admin: platformWithQos(p, profile).resources!.admin!,
      shop: {
        ...shop,
        ...(has.addressGroup
          ? { address_groups: [{ name: 'office', description: 'the office', addresses: ['192.0.2.0/28'] }] }
          : {}),
        security_groups: [
          {
            ...web,
            rules: [
              ...web.rules!,
              ...(has.addressGroup
                ? [
                    {
                      direction: 'ingress',
                      ethertype: 'IPv4',
                      protocol: 'tcp',
                      port_range_min: 22,
                      port_range_max: 22,
                      remote_address_group: 'office',
                    },
                  ]
                : []),
            ],
          },
          ...shop.security_groups!.filter((g) => g.name !== 'web'),
        ],
        networks: [
          ...shop.networks!,
          { name: 'carrier', subnets: [{ name: 'carrier-v4', cidr: '10.42.0.0/24', ip_version: 4 }] },
          {
            name: 'vlan-a',
            ...(has.qos ? { qos_policy: 'gold' } : {}),
            subnets: [{ name: 'vlan-a-v4', cidr: '10.43.0.0/24', ip_version: 4 }],
          },
          { name: 'vlan-b', subnets: [{ name: 'vlan-b-v4', cidr: '10.44.0.0/24', ip_version: 4 }] },
        ],
        ports: [
          { name: 'parent', network: 'carrier' },
          { name: 'sub-a', network: 'vlan-a' },
          { name: 'sub-b', network: 'vlan-b' },
          {
            name: 'ssh-host',
            network: 'front',
            fixed_ips: [{ subnet: 'front-v4', ip_address: '10.20.1.30' }],
            ...(has.qos ? { qos_policy: 'gold' } : {}),
          },
        ],
        trunks: [
          {
            name: 'uplink',
            port: 'parent',
            sub_ports: [
              { port: 'sub-a', segmentation_type: 'vlan', segmentation_id: 100 },
              { port: 'sub-b', segmentation_type: 'vlan', segmentation_id: 200 },
            ],
          },
        ],
        servers: [
          ...shop.servers!,
          {
            name: 'web-2',
            flavor: `${p.flavors}.small`,
            image: p.image,
            key_name: 'deploy',
            networks: [{ network: 'front', fixed_ip: '10.20.1.12' }],
            security_groups: ['web'],
            metadata: { role: 'web' },
          },
          { name: 'router-vm', flavor: `${p.flavors}.tiny`, image: p.image, networks: [{ port: 'parent' }] },
        ],
        floating_ips: [
          ...shop.floating_ips!,
          ...(has.portForwarding
            ? [
                {
                  network: p.externalNetwork,
                  floating_ip_address: '203.0.113.50',
                  description: 'ssh',
                  port_forwardings: [
                    { port: 'ssh-host', protocol: 'tcp', internal_port: 22, external_port: 2222, description: 'ssh' },
                  ],
                },
              ]
            : []),
        ],
      },
    },
  };
}
