/**
 * Neutron extras (trunk, qos, floating-ip-port-forwarding, address-group): the behaviours Bascule's kinds
 * (src/kinds/trunk, qos-policy, port-forwarding, address-group) and the simulator's Neutron (src/sim/neutron) rely
 * on, checked through Bascule's own client as a project member: QoS policies are the admin's to make (403 for a
 * member), a shared one is seen with its rules, bound to a member's port and network, and kept while bound (409); a
 * trunk is DOWN with its VLAN sub-ports, which stay plain ports (no device owner) while the parent is unbound, and
 * holds its ports (409 with Neutron's error types); port forwardings need a router from the port's subnet to the
 * floating IP's network (400), give the floating IP that router, are one per protocol and external port, hold their
 * floating IP (409) and go with their port; address groups are a member's, of CIDRs (a bare address is refused),
 * referred to by security group rules and kept while in use (409). Skipped, with the reason, where Neutron lacks one
 * of these extensions.
 */
import { expect } from 'vitest';
import type { Cloud } from '../../../src/openstack/cloud.js';
import { isHttpError } from '../../../src/openstack/errors.js';
import * as addressGroups from '../../../src/openstack/network/address-groups/requests.js';
import * as extensions from '../../../src/openstack/network/extensions/requests.js';
import * as floatingIps from '../../../src/openstack/network/floating-ips/requests.js';
import * as networks from '../../../src/openstack/network/networks/requests.js';
import * as forwardings from '../../../src/openstack/network/port-forwardings/requests.js';
import * as ports from '../../../src/openstack/network/ports/requests.js';
import type { Port } from '../../../src/openstack/network/ports/types.js';
import * as qosPolicies from '../../../src/openstack/network/qos-policies/requests.js';
import * as routers from '../../../src/openstack/network/routers/requests.js';
import * as securityGroups from '../../../src/openstack/network/security-groups/requests.js';
import * as securityGroupRules from '../../../src/openstack/network/security-group-rules/requests.js';
import * as subnets from '../../../src/openstack/network/subnets/requests.js';
import * as trunks from '../../../src/openstack/network/trunks/requests.js';
import { collect } from '../../../src/openstack/pagination.js';
import type { ContractTarget } from '../contract.js';
import type { SectionContext, ServiceSection } from './section.js';

/** The extensions this section needs (Bascule's readers and writers check the same aliases). */
export const NEUTRON_EXTRAS = [
  'trunk',
  'qos',
  'floating-ip-port-forwarding',
  'address-group',
  'security-groups-remote-address-group',
] as const;

/** Why the section cannot run on this cloud (an extension it lacks), or undefined. */
export async function neutronExtrasAbsence(target: ContractTarget): Promise<string | undefined> {
  const aliases = new Set((await extensions.list(target.cloud.network)).map((e) => e.alias));
  const missing = NEUTRON_EXTRAS.filter((alias) => !aliases.has(alias));
  return missing.length > 0 ? `Neutron of ${target.cloud.name} lacks ${missing.join(', ')}` : undefined;
}

/** The HTTP status and Neutron error type of a failed call (or 'ok'). */
async function failure(call: () => Promise<unknown>): Promise<string> {
  return call().then(
    () => 'ok',
    (e: unknown) => (isHttpError(e) ? `${e.status} ${e.fault ?? ''}`.trim() : String(e)),
  );
}

/** A network with a subnet of the run, made once (its ports, trunks and forwardings live there). */
let made: Promise<{ net: string; subnet: string }> | undefined;
function contractNet(ctx: SectionContext): Promise<{ net: string; subnet: string }> {
  made ??= (async () => {
    const sc = ctx.target.cloud.network;
    const net = await networks.create(sc, { name: `${ctx.prefix}-nx-net` });
    ctx.cleanup(() => networks.remove(sc, net.id));
    const sub = await subnets.create(sc, {
      network_id: net.id,
      name: `${ctx.prefix}-nx-sub`,
      cidr: '10.78.0.0/24',
      ip_version: 4,
    });
    ctx.cleanup(() => subnets.remove(sc, sub.id));
    return { net: net.id, subnet: sub.id };
  })();
  return made;
}

async function contractPort(ctx: SectionContext, name: string): Promise<Port> {
  const sc = ctx.target.cloud.network;
  const { net } = await contractNet(ctx);
  const port = await ports.create(sc, { network_id: net, name: `${ctx.prefix}-${name}` });
  ctx.cleanup(() => ports.remove(sc, port.id).catch(() => undefined));
  return port;
}

/** The first external network the member can see (the floating IPs' pool). */
async function externalNetwork(cloud: Cloud): Promise<string> {
  const all = await collect(networks.list(cloud.network, { 'router:external': true }));
  expect(all.length).toBeGreaterThan(0);
  return all[0]!.id;
}

export const neutronExtrasSection: ServiceSection = {
  service: 'network',
  title: 'Neutron extras',
  absence: neutronExtrasAbsence,
  checks(check) {
    check('a member may not create a QoS policy (403); a shared one binds to its port and network', async (ctx) => {
      const member = ctx.target.cloud;
      expect(
        await failure(() => member.network.request('POST', '/qos/policies', { json: { policy: { name: 'x' } } })),
      ).toBe('403 PolicyNotAuthorized');
      const admin = ctx.target.admin;
      if (!admin) return;
      const created = await admin.network.request<{ policy: { id: string } }>('POST', '/qos/policies', {
        json: { policy: { name: `${ctx.prefix}-qos`, shared: true, description: 'contract' } },
      });
      const id = created.data.policy.id;
      ctx.cleanup(() => admin.network.request('DELETE', `/qos/policies/${id}`));
      await admin.network.request('POST', `/qos/policies/${id}/bandwidth_limit_rules`, {
        json: { bandwidth_limit_rule: { max_kbps: 1000, max_burst_kbps: 100, direction: 'egress' } },
      });
      // The member lists it (shared), with its rules embedded, typed.
      const seen = (await collect(qosPolicies.list(member.network, {}))).find((p) => p.id === id);
      expect(seen).toMatchObject({ name: `${ctx.prefix}-qos`, shared: true, is_default: false });
      expect(seen?.project_id).not.toBe(member.projectId);
      expect(seen?.rules).toEqual([
        {
          id: expect.any(String),
          qos_policy_id: id,
          type: 'bandwidth_limit',
          max_kbps: 1000,
          max_burst_kbps: 100,
          direction: 'egress',
        },
      ]);
      // The member binds it to its port and its network.
      const port = await contractPort(ctx, 'qos-port');
      expect(port.qos_policy_id ?? null).toBeNull();
      const bind = async (what: 'port' | 'network', of: string, policy: string | null) =>
        (
          await member.network.request<Record<string, { qos_policy_id?: string | null }>>('PUT', `/${what}s/${of}`, {
            json: { [what]: { qos_policy_id: policy } },
          })
        ).data[what]?.qos_policy_id;
      expect(await bind('port', port.id, id)).toBe(id);
      const { net } = await contractNet(ctx);
      expect(await bind('network', net, id)).toBe(id);
      // Bound, it is kept (409); unbound, it goes.
      expect(await failure(() => admin.network.request('DELETE', `/qos/policies/${id}`))).toBe('409 QosPolicyInUse');
      expect(await bind('port', port.id, null)).toBeNull();
      expect(await bind('network', net, null)).toBeNull();
      await admin.network.request('DELETE', `/qos/policies/${id}`);
      expect(await failure(() => qosPolicies.get(member.network, id))).toBe('404 QosPolicyNotFound');
    });

    check('a trunk is DOWN with its VLAN sub-ports and holds its ports (409, Neutron error types)', async (ctx) => {
      const sc = ctx.target.cloud.network;
      const parent = await contractPort(ctx, 'trunk-parent');
      const sub1 = await contractPort(ctx, 'trunk-sub-1');
      const sub2 = await contractPort(ctx, 'trunk-sub-2');
      const trunk = await trunks.create(sc, {
        port_id: parent.id,
        name: `${ctx.prefix}-trunk`,
        sub_ports: [{ port_id: sub1.id, segmentation_type: 'vlan', segmentation_id: 101 }],
      });
      ctx.cleanup(() => trunks.remove(sc, trunk.id).catch(() => undefined));
      expect(trunk).toMatchObject({
        port_id: parent.id,
        status: 'DOWN',
        admin_state_up: true,
        description: '',
        revision_number: 0,
        tags: [],
        sub_ports: [{ port_id: sub1.id, segmentation_type: 'vlan', segmentation_id: 101 }],
      });
      // add_subports answers the trunk itself (not wrapped), with every sub-port.
      const added = await sc.request<Record<string, unknown>>('PUT', `/trunks/${trunk.id}/add_subports`, {
        json: { sub_ports: [{ port_id: sub2.id, segmentation_type: 'vlan', segmentation_id: 102 }] },
      });
      expect(added.data).toMatchObject({ id: trunk.id, revision_number: 1 });
      expect((added.data.sub_ports as unknown[]).length).toBe(2);
      // The parent is unbound: the sub-ports stay plain ports (Neutron sets trunk:subport when it binds them).
      expect(await ports.get(sc, sub1.id)).toMatchObject({ device_owner: '', device_id: '' });
      const shown = await sc.request<{ port: Record<string, unknown> }>('GET', `/ports/${parent.id}`);
      expect(shown.data.port).toMatchObject({ device_owner: '', trunk_details: { trunk_id: trunk.id } });
      expect((shown.data.port.trunk_details as { sub_ports: unknown[] }).sub_ports).toHaveLength(2);
      // Its ports are held.
      expect(await failure(() => ports.remove(sc, parent.id))).toBe('409 PortInUseAsTrunkParent');
      expect(await failure(() => ports.remove(sc, sub1.id))).toBe('409 PortInUseAsSubPort');
      const again = (port: string, vlan: number) => () =>
        trunks.changeSubports(sc, trunk.id, 'add_subports', [
          { port_id: port, segmentation_type: 'vlan', segmentation_id: vlan },
        ]);
      expect(await failure(again(sub1.id, 103))).toBe('409 TrunkPortInUse');
      expect(await failure(again(parent.id, 104))).toBe('409 ParentPortInUse');
      const sub3 = await contractPort(ctx, 'trunk-sub-3');
      expect(await failure(again(sub3.id, 101))).toBe('409 DuplicateSubPort');
      expect(await failure(() => trunks.create(sc, { port_id: parent.id }))).toBe('409 ParentPortInUse');
      // An unbound trunk goes with its sub-ports (204), which are then free.
      await trunks.remove(sc, trunk.id);
      expect(await failure(() => trunks.get(sc, trunk.id))).toBe('404 TrunkNotFound');
      await ports.remove(sc, sub1.id);
    });

    check(
      'port forwardings hang under a floating IP without a port, give it the router and hold it (409)',
      async (ctx) => {
        const sc = ctx.target.cloud.network;
        const { subnet } = await contractNet(ctx);
        const external = await externalNetwork(ctx.target.cloud);
        const target = await contractPort(ctx, 'pf-target');
        const address = target.fixed_ips![0]!.ip_address!;
        const fip = await floatingIps.create(sc, { floating_network_id: external, description: `${ctx.prefix}-pf` });
        ctx.cleanup(() => floatingIps.remove(sc, fip.id).catch(() => undefined));
        const body = {
          protocol: 'tcp',
          internal_ip_address: address,
          internal_port: 22,
          external_port: 2222,
          internal_port_id: target.id,
          description: 'ssh',
        };
        // No router between the port's subnet and the floating IP's network yet; an address not the port's.
        const refused = await forwardings.create(sc, fip.id, body).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isHttpError(refused) && [refused.status, refused.fault]).toEqual([400, 'BadRequest']);
        expect(String((refused as Error).message)).toContain(
          `External network ${external} is not reachable from subnet`,
        );
        expect(
          await failure(() => forwardings.create(sc, fip.id, { ...body, internal_ip_address: '10.78.0.250' })),
        ).toBe('400 BadRequest');
        const router = await routers.create(sc, {
          name: `${ctx.prefix}-pf-router`,
          external_gateway_info: { network_id: external },
        });
        ctx.cleanup(async () => {
          await routers.removeInterface(sc, router.id, { subnet_id: subnet }).catch(() => undefined);
          await routers.remove(sc, router.id);
        });
        // Runs before the router's cleanup (cleanups run last first): a check that failed halfway leaves
        // forwardings that hold the floating IP and the router interface, and with them the router, subnet and
        // network, which later tests would find in the project.
        ctx.cleanup(async () => {
          for (const left of await collect(forwardings.list(sc, fip.id)).catch(() => []))
            await forwardings.remove(sc, fip.id, left.id).catch(() => undefined);
          await floatingIps.remove(sc, fip.id).catch(() => undefined);
        });
        await routers.addInterface(sc, router.id, { subnet_id: subnet });
        const pf = await forwardings.create(sc, fip.id, body);
        expect(pf).toMatchObject({ ...body, floatingip_id: fip.id });
        expect((await floatingIps.get(sc, fip.id)).router_id).toBe(router.id);
        // One forwarding per protocol and external port.
        expect(await failure(() => forwardings.create(sc, fip.id, { ...body, internal_port: 23 }))).toBe(
          '400 BadRequest',
        );
        const udp = await forwardings.create(sc, fip.id, { ...body, protocol: 'udp', description: '' });
        const listed = await collect(forwardings.list(sc, fip.id));
        expect(listed.map((p) => `${p.protocol}/${p.external_port}`).sort()).toEqual(['tcp/2222', 'udp/2222']);
        // The router interface the forwardings use is held.
        expect(await failure(() => routers.removeInterface(sc, router.id, { subnet_id: subnet }))).toBe(
          '409 RouterInterfaceInUseByFloatingIP',
        );
        await forwardings.remove(sc, fip.id, udp.id);
        // A floating IP with forwardings is not deleted (409); deleting their port deletes them, and the router goes.
        expect(await failure(() => floatingIps.remove(sc, fip.id))).toBe('409 FipInUseByPortForwarding');
        await ports.remove(sc, target.id);
        expect(await failure(() => forwardings.get(sc, fip.id, pf.id))).toBe('404 PortForwardingNotFound');
        expect((await floatingIps.get(sc, fip.id)).router_id ?? null).toBeNull();
        await floatingIps.remove(sc, fip.id);
      },
    );

    check('address groups are a member’s, used by rules, kept while in use (409)', async (ctx) => {
      const sc = ctx.target.cloud.network;
      const group = await addressGroups.create(sc, {
        name: `${ctx.prefix}-office`,
        addresses: ['192.0.2.1/28', '198.51.100.7/32'],
      });
      ctx.cleanup(() => addressGroups.remove(sc, group.id).catch(() => undefined));
      const raw = await sc.request<{ address_group: Record<string, unknown> }>('GET', `/address-groups/${group.id}`);
      expect(Object.keys(raw.data.address_group).sort()).toEqual([
        'addresses',
        'description',
        'id',
        'name',
        'project_id',
        'tenant_id',
      ]);
      // Host bits cleared; a bare address is refused (a /32 is recommended).
      expect([...(group.addresses ?? [])].sort()).toEqual(['192.0.2.0/28', '198.51.100.7/32']);
      expect(
        await failure(() => addressGroups.create(sc, { name: `${ctx.prefix}-bare`, addresses: ['198.51.100.8'] })),
      ).toBe('400 HTTPBadRequest');
      const sg = await securityGroups.create(sc, { name: `${ctx.prefix}-ag-sg` });
      ctx.cleanup(() => securityGroups.remove(sc, sg.id));
      const rule = await securityGroupRules.create(sc, {
        security_group_id: sg.id,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 22,
        port_range_max: 22,
        remote_address_group_id: group.id,
      });
      expect(rule).toMatchObject({ remote_address_group_id: group.id, remote_ip_prefix: null, remote_group_id: null });
      expect(await failure(() => addressGroups.remove(sc, group.id))).toBe('409 AddressGroupInUse');
      await securityGroupRules.remove(sc, rule.id);
      await addressGroups.remove(sc, group.id);
      expect(await failure(() => addressGroups.get(sc, group.id))).toBe('404 AddressGroupNotFound');
    });
  },
};
