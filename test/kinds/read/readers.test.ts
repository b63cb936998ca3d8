import { describe, expect, it } from 'vitest';
import type { KindWarning, ReadContext } from '../../../src/kinds/kind.js';
import { READERS, readerFor } from '../../../src/kinds/registry.js';
import { describeEmbeddedFlavor, describeWireFlavor } from '../../../src/kinds/flavor/read.js';
import { imageProperties } from '../../../src/kinds/image/read.js';
import { skipReason } from '../../../src/kinds/port/read.js';
import { quotaReader } from '../../../src/kinds/quota/read.js';
import { securityGroupRuleReader } from '../../../src/kinds/security-group-rule/read.js';
import { securityGroupReader } from '../../../src/kinds/security-group/read.js';
import { imageIdOf, nicOrderFromAddresses, pickBootVolume, powerStateOf } from '../../../src/kinds/server/read.js';
import { compareDevices, withReadCache } from '../../../src/kinds/shared/read.js';
import { subnetReader } from '../../../src/kinds/subnet/read.js';
import { volumeReader } from '../../../src/kinds/volume/read.js';
import type { Volume } from '../../../src/openstack/block-storage/volumes/types.js';
import type { Server } from '../../../src/openstack/compute/servers/types.js';
import type { Image } from '../../../src/openstack/image/images/types.js';
import type { Port } from '../../../src/openstack/network/ports/types.js';
import type { SecurityGroup } from '../../../src/openstack/network/security-groups/types.js';
import type { Subnet } from '../../../src/openstack/network/subnets/types.js';
import { PLAN_KINDS } from '../../../src/plan/kinds.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { PROJECT_ID, fakeOpenStack, wire, type Profile } from './support/fake-openstack.js';

async function context(
  profile: Profile,
  includeUserData = false,
): Promise<{ ctx: ReadContext; warnings: KindWarning[]; fake: ReturnType<typeof fakeOpenStack> }> {
  const fake = fakeOpenStack(profile);
  const warnings: KindWarning[] = [];
  const extensions = await fake.cloud.networkExtensions();
  const ctx = withReadCache<ReadContext>({
    cloud: fake.cloud,
    projectId: PROJECT_ID,
    signal: new AbortController().signal,
    logger: silentLogger,
    warn: (w) => warnings.push(w),
    extensions,
    options: { includeUserData },
  });
  return { ctx, warnings, fake };
}

describe('READERS', () => {
  it('has one reader per plan kind, in plan order', () => {
    expect(READERS.map((r) => r.kind)).toEqual([...PLAN_KINDS]);
    for (const kind of PLAN_KINDS) expect(readerFor(kind).kind).toBe(kind);
  });

  it('gives every kind that may be external a describeExternal', () => {
    for (const kind of ['flavor', 'image', 'volume_type', 'subnet_pool', 'network'] as const)
      expect(typeof readerFor(kind).describeExternal).toBe('function');
  });
});

describe('each reader on Pike and Zed payloads', () => {
  for (const profile of ['pike', 'zed'] as const) {
    it(`lists ${profile} resources and turns each into the same entry every time (export = compare)`, async () => {
      const { ctx } = await context(profile);
      for (const reader of READERS) {
        const wires = await reader.list(ctx);
        for (const item of wires) {
          const first = reader.toEntry(item, ctx);
          const second = reader.toEntry(structuredClone(item), ctx);
          expect(second, `${reader.kind} ${reader.identify(item).id}`).toEqual(first);
          // The entry is plain data: it survives JSON unchanged.
          expect(JSON.parse(JSON.stringify(first))).toEqual(first);
          expect(reader.identify(item).id).not.toBe('');
        }
      }
    });
  }

  it('reads Pike server groups (policies) and Zed ones (policy, rules) into the same spec', async () => {
    const specs = [];
    for (const profile of ['pike', 'zed'] as const) {
      const { ctx } = await context(profile);
      const reader = readerFor('server_group');
      specs.push((await reader.list(ctx)).map((g) => reader.toEntry(g, ctx).spec));
    }
    expect(specs[0]).toEqual([{ name: 'web-group', policy: 'anti-affinity' }]);
    expect(specs[1]).toEqual(specs[0]);
  });

  it('leaves out `stateful` unless a group is stateless (Pike has no such attribute)', async () => {
    const { ctx } = await context('zed');
    const base = wire<{ security_groups: SecurityGroup[] }>('zed', 'security-groups').security_groups[1]!;
    expect(securityGroupReader.toEntry(base, ctx).spec).toEqual({ name: 'web', description: 'web tier' });
    const stateless = securityGroupReader.toEntry({ ...base, stateful: false }, ctx);
    expect(stateless.spec).toEqual({ name: 'web', description: 'web tier', stateful: false });
    expect(stateless.lossy).toEqual(['stateful']);
  });

  it('reads a rule whose remote is an address group as a reference to it, with no remote prefix', async () => {
    const { ctx, warnings, fake } = await context('zed');
    fake.routes['GET /v2.0/security-groups'] = () => {
      const body = wire<{ security_groups: SecurityGroup[] }>('zed', 'security-groups');
      body.security_groups[2]!.security_group_rules![1]!.remote_address_group_id = 'ag-1';
      body.security_groups[2]!.security_group_rules![1]!.remote_ip_prefix = '10.0.0.0/8';
      return body;
    };
    const rules = await securityGroupRuleReader.list(ctx);
    expect(rules).toHaveLength(11);
    expect(warnings).toEqual([]);
    const draft = securityGroupRuleReader.toEntry(
      rules.find((r) => r.remote_address_group_id === 'ag-1')!,
      ctx,
    );
    expect(draft.refs.remote_address_group).toBe('ag-1');
    expect(draft.spec).not.toHaveProperty('remote_ip_prefix');
  });

  it('reads the embedded flavor (2.47+) and the listed flavor (by id) into the same description', () => {
    const listed = wire<{ flavor: Parameters<typeof describeWireFlavor>[0] }>('zed', 'flavor-2').flavor;
    const server = wire<{ servers: Server[] }>('zed', 'servers-detail').servers[0]!;
    expect(describeEmbeddedFlavor(server.flavor)).toEqual(describeWireFlavor(listed));
    const pikeListed = wire<{ flavor: Parameters<typeof describeWireFlavor>[0] }>('pike', 'flavor-2').flavor;
    expect(describeWireFlavor(pikeListed, { 'hw:cpu_policy': 'shared' })).toEqual(describeWireFlavor(listed));
  });

  it('gives a volume made from a snapshot one source, the snapshot (not the image metadata it inherited)', async () => {
    const { ctx } = await context('zed');
    const boot = wire<{ volumes: Volume[] }>('zed', 'volumes-detail').volumes[1]!;
    expect(volumeReader.toEntry(boot, ctx).refs).toMatchObject({ image: '00000062-0000-4000-8000-000000000062' });
    const fromSnapshot = volumeReader.toEntry({ ...boot, snapshot_id: 'snap-1' }, ctx).refs;
    expect(fromSnapshot).toMatchObject({ snapshot: 'snap-1' });
    expect(fromSnapshot).not.toHaveProperty('image');
  });

  it('keeps IPv6 modes on IPv6 subnets only', async () => {
    const { ctx } = await context('zed');
    const v4 = wire<{ subnets: Subnet[] }>('zed', 'subnets').subnets[0]!;
    expect(subnetReader.toEntry({ ...v4, ipv6_ra_mode: 'slaac' }, ctx).spec).not.toHaveProperty('ipv6_ra_mode');
    const v6 = subnetReader.toEntry(
      {
        ...v4,
        ip_version: 6,
        cidr: '2001:db8::/64',
        gateway_ip: '2001:db8::1',
        allocation_pools: [],
        ipv6_ra_mode: 'slaac',
        ipv6_address_mode: 'slaac',
      },
      ctx,
    ).spec;
    expect(v6).toMatchObject({ ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' });
    expect(v6).not.toHaveProperty('allocation_pools');
  });

  it('reads quotas given as limits or with usage details, and warns about a part it may not read', async () => {
    const { ctx, warnings, fake } = await context('zed');
    fake.routes[`GET /v2.0/quotas/${PROJECT_ID}`] = () => ({
      quota: { network: { limit: 7, used: 2, reserved: 0 }, port: 40 },
    });
    fake.failures.set(`GET /v3/${PROJECT_ID}/os-quota-sets/${PROJECT_ID}`, 403);
    const [quota] = await quotaReader.list(ctx);
    const spec = quotaReader.toEntry(quota!, ctx).spec;
    expect(spec).toMatchObject({ network: { network: 7, port: 40 } });
    expect(spec).not.toHaveProperty('block_storage');
    expect(warnings.map((w) => `${w.code} ${w.resource ?? ''}`)).toEqual(['QUOTA_UNREADABLE block storage']);
  });
});

describe('reader helpers', () => {
  it('keeps server, standalone, trunk sub-, address-pair and by-port interface ports, and skips the rest', () => {
    const port = (owner: string, pairs = false): Port => ({
      id: 'p',
      network_id: 'n',
      device_owner: owner,
      ...(pairs ? { allowed_address_pairs: [{ ip_address: '10.0.0.9' }] } : {}),
    });
    for (const owner of ['', 'compute:nova', 'compute:az-2', 'trunk:subport'])
      expect(skipReason(port(owner), false)).toBeUndefined();
    for (const owner of [
      'network:dhcp',
      'network:router_gateway',
      'network:floatingip',
      'network:router_ha_interface',
      'network:router_centralized_snat',
      'Octavia',
    ])
      expect(skipReason(port(owner), false)).toBeDefined();
    expect(skipReason(port('network:router_interface'), false)).toBeDefined();
    expect(skipReason(port('network:router_interface'), true)).toBeUndefined();
    expect(skipReason(port('Octavia', true), false)).toBeUndefined();
    expect(skipReason(port('network:dhcp', true), false)).toBeDefined();
  });

  it('orders NICs by the addresses map, MAC by MAC, and puts ports without an address last, oldest first', () => {
    const ports: Port[] = [
      { id: 'c', network_id: 'n3', mac_address: 'fa:16:3e:00:00:0c', created_at: '2026-01-01T00:00:02Z' },
      { id: 'b', network_id: 'n2', mac_address: 'fa:16:3e:00:00:0b', created_at: '2026-01-01T00:00:01Z' },
      { id: 'a', network_id: 'n1', mac_address: 'FA:16:3E:00:00:0A', created_at: '2026-01-01T00:00:03Z' },
      { id: 'd', network_id: 'n4', mac_address: 'fa:16:3e:00:00:0d', created_at: '2026-01-01T00:00:00Z' },
    ];
    const server = {
      addresses: {
        n1: [
          { addr: '10.0.0.1', version: 4, 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:0a' },
          { addr: '2001:db8::1', version: 6, 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:0a' },
        ],
        n3: [{ addr: '10.3.0.1', version: 4, 'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:0c' }],
      },
    } as unknown as Server;
    expect(nicOrderFromAddresses(server, ports).map((p) => p.id)).toEqual(['a', 'c', 'd', 'b']);
  });

  it('finds the boot volume by root device, then the first disk device, then the bootable one', () => {
    const volumes = new Map([
      ['v2', { id: 'v2', bootable: 'true' }],
      ['v1', { id: 'v1', bootable: 'false' }],
    ]) as never;
    expect(
      pickBootVolume(
        [
          { volumeId: 'v1', device: '/dev/vdb' },
          { volumeId: 'v2', device: '/dev/vdc' },
        ],
        '/dev/vdc',
        volumes,
      )?.volumeId,
    ).toBe('v2');
    expect(
      pickBootVolume(
        [
          { volumeId: 'v1', device: '/dev/vdb' },
          { volumeId: 'v2', device: '/dev/sda' },
        ],
        undefined,
        volumes,
      )?.volumeId,
    ).toBe('v2');
    expect(
      pickBootVolume(
        [
          { volumeId: 'v1', device: '/dev/vdb' },
          { volumeId: 'v2', device: '/dev/vdc' },
        ],
        undefined,
        volumes,
      )?.volumeId,
    ).toBe('v2');
    expect(pickBootVolume([], undefined, volumes)).toBeUndefined();
  });

  it('maps vm states and power codes to power states', () => {
    const s = (vm: string | undefined, power?: number) =>
      powerStateOf({ 'OS-EXT-STS:vm_state': vm, 'OS-EXT-STS:power_state': power } as unknown as Server);
    expect([
      s('active'),
      s('stopped'),
      s('paused'),
      s('suspended'),
      s('shelved'),
      s('shelved_offloaded'),
      s('error', 4),
      s(undefined, 1),
      s('error', 0),
    ]).toEqual(['running', 'stopped', 'paused', 'suspended', 'shelved', 'shelved', 'stopped', 'running', undefined]);
  });

  it('reads the boot image of a server, and none for a boot from volume whatever the shape', () => {
    const of = (image: unknown) => imageIdOf({ image } as unknown as Server);
    expect([of({ id: 'i-1', links: [] }), of(''), of(null), of({}), of({ id: '' }), of(undefined)]).toEqual([
      'i-1',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('orders devices as the kernel names them', () => {
    expect(['/dev/vdaa', '/dev/vdc', '/dev/vdb', undefined, '/dev/vdz'].sort(compareDevices)).toEqual([
      '/dev/vdb',
      '/dev/vdc',
      '/dev/vdz',
      '/dev/vdaa',
      undefined,
    ]);
  });

  it('exports custom image properties only, without the marker or Glance bookkeeping', () => {
    const image = {
      id: 'i',
      name: 'x',
      status: 'active',
      visibility: 'private',
      os_distro: 'debian',
      hw_qemu_guest_agent: true,
      bascule_marker: 'bascule:1',
      os_glance_import_task: 't',
      stores: 'file',
      os_hidden: false,
      empty: null,
    } as unknown as Image;
    expect(imageProperties(image)).toEqual({ os_distro: 'debian', hw_qemu_guest_agent: 'true' });
  });
});
