/**
 * Ports: on their network, with their fixed IPs (subnet i of refs.fixed_ips with address i of spec.fixed_ips),
 * security groups, address pairs. A MAC address is lossy (setting one needs admin rights): never sent.
 */
import { PLAIN } from './descriptor.js';
import * as ports from '../../openstack/network/ports/requests.js';
import * as subnets from '../../openstack/network/subnets/requests.js';
import type { Port, PortCreateOpts } from '../../openstack/network/ports/types.js';
import type { PortSpec } from '../../plan/types.js';
import { collect } from '../../openstack/pagination.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import {
  createTagged,
  incomplete,
  neutronFind,
  neutronTagged,
  refId,
  refIds,
  sig,
  tagsAtCreate,
  updateNeutron,
} from '../shared/write.js';
import { isMarkerTag } from '../markers.js';

const AUTO_ADDRESS_MODES = new Set(['slaac', 'dhcpv6-stateless']);

/**
 * The fixed IPs to send: subnet i of refs.fixed_ips with address i of spec.fixed_ips, except on the target's
 * auto-address IPv6 subnets (SLAAC, DHCPv6 stateless), where Neutron derives the address from the MAC and refuses
 * one given explicitly (400): there only the subnet is sent.
 */
async function fixedIps(ctx: WriteContext, r: ResolvedEntry): Promise<{ subnet_id: string; ip_address?: string }[]> {
  const spec = r.entry.spec as PortSpec;
  const modes = new Map<string, string | null | undefined>();
  for (const [i, subnet] of refIds(r, 'fixed_ips').entries()) {
    const ip = spec.fixed_ips?.[i]?.ip_address;
    if (ip?.includes(':') && !modes.has(subnet))
      modes.set(subnet, (await subnets.get(ctx.cloud.network, subnet, sig(ctx))).ipv6_address_mode);
  }
  return refIds(r, 'fixed_ips').map((subnet, i) => {
    const ip = spec.fixed_ips?.[i]?.ip_address;
    return ip && !AUTO_ADDRESS_MODES.has(modes.get(subnet) ?? '')
      ? { subnet_id: subnet, ip_address: ip }
      : { subnet_id: subnet };
  });
}

function body(ctx: WriteContext, r: ResolvedEntry): Record<string, unknown> {
  const spec = r.entry.spec as PortSpec;
  const out: Record<string, unknown> = {};
  for (const field of PLAIN) {
    const value = (spec as unknown as Record<string, unknown>)[field];
    if (value !== undefined && !(field === 'dns_name' && !ctx.extensions.has('dns-integration'))) out[field] = value;
  }
  if (spec.allowed_address_pairs) out.allowed_address_pairs = spec.allowed_address_pairs;
  if (spec.binding_vnic_type && spec.binding_vnic_type !== 'normal') out['binding:vnic_type'] = spec.binding_vnic_type;
  return out;
}

const taggedPort = neutronTagged<Port>('ports', 'port', {
  get: (ctx, id) => ports.get(ctx.cloud.network, id, sig(ctx)),
  remove: (ctx, id) => ports.remove(ctx.cloud.network, id, sig(ctx)),
});

export const portWriter: KindWriter<Port> = {
  kind: 'port',
  async find(ctx, r) {
    const network = refId(r, 'network');
    const found = await neutronFind(
      ctx,
      r,
      (q) => ports.list(ctx.cloud.network, q, sig(ctx)),
      network ? { network_id: network } : {},
      (p) => network === undefined || p.network_id === network,
    );
    if (found.length > 0) return found;
    if (!tagsAtCreate(ctx)) {
      // Created but not tagged yet: its description holds its marker (see create).
      const provisional = (
        await collect(
          ports.list(
            ctx.cloud.network,
            { ...(network ? { network_id: network } : {}), description: r.marker },
            sig(ctx),
          ),
        )
      ).filter((p) => p.description === r.marker && (network === undefined || p.network_id === network));
      if (provisional.length > 0) return provisional;
    }
    if (network === undefined) return found;
    // A port made by a run killed between its create and its tagging has no marker, and a server's port often no
    // name: it is the unattached, unmarked port of this project holding exactly the fixed IPs asked for.
    const wanted = ((r.entry.spec as PortSpec).fixed_ips ?? []).flatMap((f) => (f.ip_address ? [f.ip_address] : []));
    if (wanted.length === 0) return [];
    const name = (r.entry.spec as PortSpec).name ?? '';
    return (
      await collect(ports.list(ctx.cloud.network, { network_id: network, project_id: ctx.projectId }, sig(ctx)))
    ).filter(
      (p) =>
        p.network_id === network &&
        (p.device_id ?? '') === '' &&
        (p.name ?? '') === name &&
        !(p.tags ?? []).some(isMarkerTag) &&
        wanted.every((ip) => (p.fixed_ips ?? []).some((f) => f.ip_address === ip)),
    );
  },
  async create(ctx, r) {
    const spec = r.entry.spec as PortSpec;
    const create = { ...body(ctx, r), network_id: refId(r, 'network')! } as PortCreateOpts & { tags?: string[] };
    const ips = await fixedIps(ctx, r);
    if (ips.length > 0) create.fixed_ips = ips;
    // No security groups on the source means none on the target (Neutron would otherwise add `default`).
    if (spec.port_security_enabled !== false || r.refs.security_groups !== undefined)
      create.security_groups = refIds(r, 'security_groups');
    const qos = refId(r, 'qos_policy');
    if (qos) (create as unknown as Record<string, unknown>).qos_policy_id = qos;
    // Without tag-creation the marker is tagged after the create: until then the description holds it, so a port
    // cut between the two calls (often nameless: Nova names none) is still known to be ours, by rollback too.
    const provisional = !tagsAtCreate(ctx);
    if (provisional) create.description = r.marker;
    const what = `port ${spec.name || r.entry.key}`;
    const created = await createTagged(ctx, r, 'ports', what, create, (b) =>
      ports.create(ctx.cloud.network, b, sig(ctx)),
    );
    if (!provisional) return created;
    try {
      await ports.update(ctx.cloud.network, created.id, { description: spec.description ?? '' }, sig(ctx));
    } catch (error) {
      throw incomplete(`${what} ${created.id} was created but its description could not be set`, error);
    }
    return { ...created, description: spec.description ?? '' };
  },
  async update(ctx, current, r, fields) {
    const plain = fields.filter((f) => PLAIN.includes(f) || f === 'allowed_address_pairs');
    const result = await updateNeutron(
      ctx,
      current,
      r,
      [...plain, ...(fields.includes('tags') ? ['tags'] : [])],
      'ports',
      [...PLAIN, 'allowed_address_pairs'],
      (b) => ports.update(ctx.cloud.network, current.id, b, sig(ctx)),
    );
    const extra: Record<string, unknown> = {};
    if (fields.includes('refs.security_groups')) extra.security_groups = refIds(r, 'security_groups');
    if (fields.includes('refs.qos_policy')) extra.qos_policy_id = refId(r, 'qos_policy') ?? null;
    if (fields.includes('fixed_ips') || fields.includes('refs.fixed_ips')) extra.fixed_ips = await fixedIps(ctx, r);
    if (Object.keys(extra).length === 0) return result;
    return { ...(await ports.update(ctx.cloud.network, current.id, extra, sig(ctx))), tags: result.tags ?? [] };
  },
  ...taggedPort,
  async mark(ctx, wire, marker) {
    const tagged = await taggedPort.mark!(ctx, wire, marker);
    if (wire.description !== marker) return tagged;
    // Found by its provisional marker: the description is the plan's again (an update sets it if it has one).
    try {
      await ports.update(ctx.cloud.network, wire.id, { description: '' }, sig(ctx));
    } catch (error) {
      throw incomplete(`port ${wire.id} was marked but its description could not be cleared`, error);
    }
    return { ...tagged, description: '' };
  },
  provisional: (wire, marker) => wire.description === marker,
};
