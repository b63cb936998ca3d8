import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SeedFile } from '../../src/sim/index.js';
import { OLD, platformSeed } from './seed.js';
import {
  applyAtoB,
  applyJournaled,
  basculeOn as bascule,
  entryOf,
  expectAuditClean,
  exportPlan,
  shopSeed,
  startCloudsPerTest,
} from './support.js';

/**
 * Topologies real projects have and the first exports could not move (issue 13, "Real topologies"), on the
 * simulator, which behaves as Neutron does: a port with two IPv4 addresses on one subnet, a port on a dual-stack
 * network whose IPv6 subnet is SLAAC (the address is the EUI-64 of the MAC; asking for one is a 400), a subnet with
 * two allocation pools and DHCP off, and temporaries an earlier failed apply left on the source.
 */
const startClouds = startCloudsPerTest();

function sourceSeed(): SeedFile {
  return shopSeed({
    images: [
      // What a failed apply leaves on the source: a temporary copy, marked as such.
      {
        name: 'bascule-volume-data',
        data: { size: '16KiB', seed: 'temp' },
        disk_format: 'raw',
        container_format: 'bare',
        properties: { bascule_temporary: 'bascule:0123456789abcdef0123' },
      },
    ],
    networks: [
      {
        name: 'dual',
        subnets: [
          {
            name: 'dual-v4',
            cidr: '10.30.0.0/24',
            ip_version: 4,
            gateway_ip: '10.30.0.1',
            enable_dhcp: false,
            allocation_pools: [
              { start: '10.30.0.10', end: '10.30.0.19' },
              { start: '10.30.0.100', end: '10.30.0.199' },
            ],
          },
          {
            name: 'dual-v6',
            cidr: 'fd00:30::/64',
            ip_version: 6,
            ipv6_address_mode: 'slaac',
            ipv6_ra_mode: 'slaac',
          },
        ],
      },
    ],
    ports: [
      {
        name: 'multi',
        network: 'dual',
        fixed_ips: [
          { subnet: 'dual-v4', ip_address: '10.30.0.15' },
          { subnet: 'dual-v4', ip_address: '10.30.0.150' },
        ],
      },
    ],
  });
}

describe('real topologies on the simulator', () => {
  it('a port with two addresses on one subnet and a SLAAC address: export, apply and audit clean', async () => {
    const c = await startClouds([
      { name: 'a', profile: 'zed', seed: sourceSeed() },
      { name: 'b', profile: 'zed', seed: platformSeed(OLD) },
    ]);

    // The simulator gives the port its SLAAC address, as Neutron does, though the seed did not ask for one.
    const source = c.sim.regionState('a');
    const multi = source.ports.find((p) => p.name === 'multi')!;
    expect((multi.fixed_ips as { ip_address: string }[]).map((f) => f.ip_address)).toEqual([
      '10.30.0.15',
      '10.30.0.150',
      expect.stringMatching(/^fd00:30::/),
    ]);

    const exported = await exportPlan(c);
    const plan = exported.plan;
    const port = entryOf(plan, 'port:multi');
    expect(port.refs).toMatchObject({
      fixed_ips: ['subnet:dual-v4', 'subnet:dual-v4', 'subnet:dual-v6'],
    });
    // The SLAAC address is derived from the MAC: the plan keeps its subnet, not the address.
    expect(port.spec).toMatchObject({
      fixed_ips: [{ ip_address: '10.30.0.15' }, { ip_address: '10.30.0.150' }, {}],
    });
    // The temporary of an earlier run is not the project's image, and the export says so.
    expect(plan.resources.filter((r) => r.kind === 'image' && !r.external)).toEqual([]);
    expect(exported.out).toContain('bascule-volume-data');

    const dry = await applyAtoB(c, '--dry-run');
    expect(dry.code, dry.out).toBe(0);
    await applyJournaled(c);
    const target = c.sim.regionState('b').ports.find((p) => p.name === 'multi')!;
    const addresses = (target.fixed_ips as { ip_address: string }[]).map((f) => f.ip_address);
    expect(addresses.slice(0, 2)).toEqual(['10.30.0.15', '10.30.0.150']);
    expect(addresses[2]).toMatch(/^fd00:30::/);

    await expectAuditClean(c);
  }, 60_000);

  it('a plan naming a SLAAC address still applies: the address is not sent (Neutron refuses it)', async () => {
    const c = await startClouds([
      { name: 'a', profile: 'zed', seed: sourceSeed() },
      { name: 'b', profile: 'zed', seed: platformSeed(OLD) },
    ]);
    const d = (f: string) => join(c.dir, f);
    // The simulator refuses an explicit address on an auto-address subnet, as Neutron does.
    const cloud = await c.connect('a');
    const v6 = c.sim.regionState('a').subnets.find((s) => s.name === 'dual-v6')!;
    await expect(
      cloud.network.post('/ports', {
        port: { network_id: v6.network_id, fixed_ips: [{ subnet_id: v6.id, ip_address: 'fd00:30::99' }] },
      }),
    ).rejects.toMatchObject({ status: 400 });

    const { plan } = await exportPlan(c);
    // A hand-written (or older) plan that gives the SLAAC address.
    const port = entryOf(plan, 'port:multi');
    (port.spec as { fixed_ips: { ip_address?: string }[] }).fixed_ips[2] = { ip_address: 'fd00:30::99' };
    await writeFile(d('edited.plan.json'), JSON.stringify(plan));
    const applied = await bascule(c, 'apply', d('edited.plan.json'), '--from', 'a', '--to', 'b', '--yes');
    expect(applied.code, applied.out).toBe(0);
    const target = c.sim.regionState('b').ports.find((p) => p.name === 'multi')!;
    expect((target.fixed_ips as { subnet_id: string }[]).length).toBe(3);
  }, 60_000);
});
