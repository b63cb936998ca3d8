// Export of the simulator's sample project (fixtures/sim/sample-project.yaml: "PI" on HPE Helion OpenStack 8) from a
// Pike and a Zed simulated cloud, checked field by field against the seed itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportProject, type ExportResult } from '../../src/export/export.js';
import { ruleKeyName } from '../../src/plan/keys.js';
import { serializePlan } from '../../src/plan/canonical.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';
import { silentLogger } from '../../src/shared/logger.js';
import { FIXTURES } from '../support/fixtures.js';
import { startShop, type SimShop } from './support/sim-shop.js';

type Row = Record<string, unknown>;
const SEED_PATH = join(FIXTURES, 'sim', 'sample-project.yaml');
const seed = parse(readFileSync(SEED_PATH, 'utf8')) as {
  flavors: Row[];
  resources: { 'pi-web': Record<string, Row[]> };
  quotas: { compute: Row }[];
};
const project = seed.resources['pi-web'];

let shop: SimShop;
const results = new Map<string, ExportResult>();

beforeAll(async () => {
  shop = await startShop(['pike', 'zed'], SEED_PATH, {
    regions: ['region1'],
    availabilityZones: ['nord-az1', 'nord-az2', 'nord-az3'],
  });
  for (const profile of ['pike', 'zed']) {
    const cloud = await shop.connect(profile);
    try {
      results.set(
        profile,
        await exportProject(cloud, {
          dependencies: true,
          includeUserData: true,
          allowPartial: false,
          signal: new AbortController().signal,
          logger: silentLogger,
          now: () => new Date('2026-11-28T00:00:00Z'),
        }),
      );
    } finally {
      await cloud.close();
    }
  }
}, 120_000);
afterAll(async () => {
  await shop?.sim.stop();
});

const entry = (plan: Plan, key: string): PlanResource => {
  const found = plan.resources.find((r) => r.key === key);
  if (!found) throw new Error(`no ${key} in ${plan.resources.map((r) => r.key).join(', ')}`);
  return found;
};
const sorted = (values: unknown): string[] => [...(values as string[])].sort();

describe('export of fixtures/sim/sample-project.yaml', () => {
  for (const profile of ['pike', 'zed'] as const) {
    it(`gives a valid plan of the whole project on ${profile}, checked against the seed`, () => {
      const { plan, warnings } = results.get(profile)!;
      expect(validatePlan(JSON.parse(serializePlan(plan))).filter((i) => i.severity === 'error')).toEqual([]);
      expect(plan.provenance).toMatchObject({
        cloud: profile,
        region: 'region1',
        project: { name: 'pi-web' },
        profile: { name: profile },
      });

      for (const group of project.security_groups!) {
        const name = String(group.name);
        expect(entry(plan, `security_group:${name}`).spec).toMatchObject({ name, description: group.description });
        for (const rule of group.rules as Row[]) {
          const spec = {
            direction: rule.direction,
            ethertype: rule.ethertype ?? 'IPv4',
            protocol: rule.protocol,
            port_range_min: rule.port_range_min,
            port_range_max: rule.port_range_max,
            remote_ip_prefix: rule.remote_ip_prefix,
          } as Parameters<typeof ruleKeyName>[1];
          const key = `security_group_rule:${ruleKeyName(name, spec, rule.remote_group as string | undefined)}`;
          expect(entry(plan, key).refs).toEqual({
            security_group: `security_group:${name}`,
            ...(rule.remote_group ? { remote_group: `security_group:${String(rule.remote_group)}` } : {}),
          });
        }
      }
      expect(entry(plan, 'security_group:default').external).toBeUndefined();

      for (const network of project.networks!) {
        expect(entry(plan, `network:${String(network.name)}`).spec).toMatchObject({
          name: network.name,
          description: network.description,
          ...(network.mtu ? { mtu: network.mtu } : {}),
        });
        for (const subnet of network.subnets as Row[]) {
          const e = entry(plan, `subnet:${String(subnet.name)}`);
          expect(e.refs).toEqual({ network: `network:${String(network.name)}` });
          expect(e.spec).toMatchObject({
            cidr: subnet.cidr,
            gateway_ip: subnet.gateway_ip,
            ...(subnet.allocation_pools ? { allocation_pools: subnet.allocation_pools } : {}),
            ...(subnet.dns_nameservers ? { dns_nameservers: subnet.dns_nameservers } : {}),
            ...(subnet.host_routes ? { host_routes: subnet.host_routes } : {}),
            ...(subnet.enable_dhcp !== undefined ? { enable_dhcp: subnet.enable_dhcp } : {}),
          });
        }
      }
      const router = project.routers![0]!;
      expect(entry(plan, `router:${String(router.name)}`)).toMatchObject({
        refs: {
          external_network: `network:${String(router.external_gateway)}`,
          interfaces: (router.interfaces as string[]).map((s) => `subnet:${s}`).sort(),
        },
        spec: { routes: router.routes, enable_snat: true },
      });
      expect(entry(plan, 'network:ext-net')).toMatchObject({
        external: true,
        spec: { name: 'ext-net', router_external: true },
      });

      const vip = project.ports![0]!;
      expect(entry(plan, `port:${String(vip.name)}`)).toMatchObject({
        refs: {
          network: `network:${String(vip.network)}`,
          fixed_ips: ['subnet:pi-front-v4'],
          security_groups: ['security_group:pi-web'],
        },
        spec: { fixed_ips: [{ ip_address: '10.10.1.50' }], allowed_address_pairs: vip.allowed_address_pairs },
      });

      for (const image of project.images!) {
        expect(entry(plan, `image:${String(image.name)}`).spec).toMatchObject({
          name: image.name,
          disk_format: image.disk_format,
          container_format: image.container_format,
          min_disk: image.min_disk,
          properties: image.properties,
          ...(image.tags ? { tags: image.tags } : {}),
        });
      }
      for (const volume of project.volumes!) {
        expect(entry(plan, `volume:${String(volume.name)}`)).toMatchObject({
          refs: { volume_type: `volume_type:${String(volume.volume_type)}` },
          spec: {
            size: volume.size,
            ...(volume.metadata ? { metadata: volume.metadata } : {}),
            ...(volume.description ? { description: volume.description } : {}),
          },
        });
      }
      expect(entry(plan, 'volume:pi-db-1/boot')).toMatchObject({
        refs: { image: 'image:ubuntu-16.04' },
        spec: { size: 20, bootable: true },
      });
      expect(entry(plan, 'volume_snapshot:pi-db-data-initial')).toMatchObject({
        refs: { volume: 'volume:pi-db-data' },
        spec: { description: 'before go-live' },
      });
      expect(entry(plan, 'server_group:pi-web-spread').spec).toEqual({
        name: 'pi-web-spread',
        policy: 'anti-affinity',
      });

      for (const server of project.servers!) {
        const name = String(server.name);
        const e = entry(plan, `server:${name}`);
        const flavor = seed.flavors.find((f) => f.name === server.flavor)!;
        expect(entry(plan, `flavor:${String(flavor.name)}`)).toMatchObject({
          external: true,
          spec: {
            vcpus: flavor.vcpus,
            ram: flavor.ram,
            disk: flavor.disk,
            ...(flavor.extra_specs ? { extra_specs: flavor.extra_specs } : {}),
          },
        });
        expect(e.spec).toMatchObject({
          name,
          metadata: server.metadata,
          power_state: 'running',
          ...(server.tags ? { tags: sorted(server.tags) } : {}),
          ...(server.availability_zone ? { availability_zone: server.availability_zone } : {}),
          ...(server.config_drive ? { config_drive: true } : {}),
        });
        expect(e.spec).not.toHaveProperty('user_data'); // a member cannot read it
        expect(e.refs).toMatchObject({
          flavor: `flavor:${String(server.flavor)}`,
          keypair: `keypair:${String(server.key_name)}`,
          security_groups: (server.security_groups as string[]).map((g) => `security_group:${g}`),
          ...(server.image ? { image: `image:${String(server.image)}` } : { boot_volume: `volume:${name}/boot` }),
          ...(server.group ? { server_group: `server_group:${String(server.group)}` } : {}),
          ...(server.volumes ? { volumes: (server.volumes as string[]).map((v) => `volume:${v}`) } : {}),
        });
        expect((e.refs!.ports as string[]).length).toBe((server.networks as Row[]).length);
      }
      expect(entry(plan, 'server:pi-web-1').refs!.ports).toEqual(['port:pi-web-vip']);
      expect(entry(plan, 'port:pi-app-1/eth0').spec).toMatchObject({ fixed_ips: [{ ip_address: '10.10.2.10' }] });
      expect(
        warnings
          .filter((w) => w.code === 'SERVER_USER_DATA_UNREADABLE')
          .map((w) => w.resource)
          .sort(),
      ).toEqual(project.servers!.map((s) => String(s.name)).sort());

      const fips = plan.resources.filter((r) => r.kind === 'floating_ip');
      expect(fips.map((f) => f.key)).toEqual(['floating_ip:ext-net/unassociated', 'floating_ip:pi-web-vip']);
      expect(entry(plan, 'floating_ip:pi-web-vip')).toMatchObject({
        refs: { floating_network: 'network:ext-net', port: 'port:pi-web-vip' },
        spec: { description: 'www.pi.example', fixed_ip_address: '10.10.1.50' },
      });
      // (On Pike, Neutron does not tag floating IPs; the simulator's seed sets the tags anyway, and the reader exports
      // what the API shows. The wire fixtures cover a Pike answer without tags.)
      expect(entry(plan, 'quota:project').spec).toMatchObject({ compute: seed.quotas[0]!.compute });
    });
  }

  it('exports the same plan from Pike and Zed but for what Pike cannot show (multihash) and what differs by nature (addresses)', () => {
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
        if (r.kind === 'port' && !String((r.spec as { name?: string }).name)) delete spec.fixed_ips;
        if (r.kind === 'floating_ip') delete spec.fixed_ip_address;
        return { ...r, spec, source: undefined };
      });
    expect(strip(results.get('zed')!.plan)).toEqual(strip(results.get('pike')!.plan));
  });
});
