import { clone, type Obj } from '../core/json.js';
import type { IdentityState } from '../state/identity.js';
import type { RegionState } from '../state/region.js';
import { forwardingsOf } from '../neutron/port-forwardings.js';
import type { ServerRecord } from '../nova/server-render.js';
import type { ProjectResources, SeedFile, SeedObject } from './types.js';

export interface DumpOptions {
  /** Include user passwords (off by default: a dump is for reading). */
  includePasswords?: boolean;
}

const STD = ['tenant_id', 'project_id', 'created_at', 'updated_at', 'revision_number'];

function strip(o: Obj, ...keys: string[]): SeedObject {
  const out = clone(o);
  for (const k of [...STD, ...keys]) delete out[k];
  return out;
}

/**
 * The state of a cloud as a seed: every resource with its id, references by id. Seeding a fresh
 * simulator with it gives the same resources; image bytes are referenced by `file` (the blob on disk),
 * so a dump is replayable while the simulator's data directory exists.
 */
export function dumpCloud(
  identity: IdentityState,
  regions: Map<string, RegionState>,
  adminProjectId: string,
  defaultRegion: string,
  options: DumpOptions,
): SeedFile {
  const seed: SeedFile = {
    domains: identity.domains
      .all()
      .filter((d) => d.id !== 'default')
      .map((d) => ({ id: String(d.id), name: String(d.name), description: String(d.description ?? '') })),
    projects: identity.projects
      .all()
      .filter((p) => p.id !== adminProjectId)
      .map((p) => ({
        id: String(p.id),
        name: String(p.name),
        domain: String(p.domain_id),
        description: String(p.description ?? ''),
      })),
    users: identity.users
      .all()
      .filter((u) => u.name !== 'admin')
      .map((u) => ({
        id: String(u.id),
        name: String(u.name),
        domain: String(u.domain_id),
        ...(options.includePasswords && identity.passwords.has(String(u.id))
          ? { password: identity.passwords.get(String(u.id))! }
          : {}),
      })),
    role_assignments: identity.assignments
      .filter((a) => a.project_id !== adminProjectId)
      .map((a) => ({ user: a.user_id, project: a.project_id, role: String(identity.roles.get(a.role_id)?.name) })),
    resources: {},
  };
  const first = regions.get(defaultRegion)!;
  seed.flavors = first.flavors.all().map((f) => ({
    ...clone(f),
    ...(first.flavorAccess.has(String(f.id)) ? { access: [...first.flavorAccess.get(String(f.id))!] } : {}),
  }));
  seed.volume_types = first.volumeTypes.all().map((t) => clone(t));
  seed.external_networks = first.networks
    .filter((n) => n['router:external'] === true)
    .map((n) => ({
      ...strip(n, 'subnets', 'status'),
      subnets: (n.subnets as string[]).map((sid) => strip(first.subnets.get(sid)!, 'network_id')),
    }));
  for (const [regionName, state] of regions) {
    for (const p of identity.projects.all()) {
      const pid = String(p.id);
      if (pid === adminProjectId) continue;
      const res = dumpProject(state, identity, pid);
      if (!res) continue;
      if (regionName !== defaultRegion) res.region = regionName;
      seed.resources![regionName === defaultRegion ? pid : `${pid}`] = res;
    }
  }
  return seed;
}

function dumpProject(state: RegionState, identity: IdentityState, pid: string): ProjectResources | undefined {
  const owned = (o: Obj): boolean => o.project_id === pid;
  const user = identity.assignments.find((a) => a.project_id === pid)?.user_id;
  const res: ProjectResources = {};
  if (user) res.user = user;
  res.keypairs = state.keypairs
    .filter((k) => k.user_id === user)
    .map((k) => ({ name: String(k.name), public_key: String(k.public_key), type: String(k.type) }));
  const addressGroups = state.addressGroups.filter(owned);
  if (addressGroups.length > 0)
    res.address_groups = addressGroups.map((g) => ({
      id: g.id,
      name: g.name,
      description: g.description,
      addresses: clone(g.addresses),
    }));
  res.security_groups = state.securityGroups.filter(owned).map((g) => ({
    ...strip(g),
    name: String(g.name),
    rules: [...(state.sgRules.get(String(g.id)) ?? [])].map((rid) => {
      const rule = state.securityGroupRules.get(rid)!;
      const out = strip(rule, 'id', 'security_group_id', 'normalized_cidr', 'belongs_to_default_sg');
      if (typeof rule.remote_address_group_id === 'string') out.remote_address_group = rule.remote_address_group_id;
      return out;
    }),
  }));
  res.networks = state.networks
    .filter((n) => owned(n) && n['router:external'] !== true)
    .map((n) => ({
      ...strip(
        n,
        'subnets',
        'status',
        'availability_zones',
        'l2_adjacency',
        'ipv4_address_scope',
        'ipv6_address_scope',
        'provider:segmentation_id',
      ),
      name: String(n.name),
      subnets: (n.subnets as string[]).map((sid) => strip(state.subnets.get(sid)!, 'network_id', 'segment_id')),
    }));
  res.routers = state.routers.filter(owned).map((r) => {
    const gw = r.external_gateway_info as Obj | null;
    const interfaces = state.ports
      .filter((pt) => pt.device_id === r.id && pt.device_owner === 'network:router_interface')
      .flatMap((pt) => (pt.fixed_ips as Obj[]).map((f) => f.subnet_id));
    return {
      ...strip(r, 'external_gateway_info', 'status', 'availability_zones', 'flavor_id'),
      ...(gw ? { external_gateway: gw.network_id } : {}),
      interfaces,
      routes: clone(r.routes),
    };
  });
  const serverPorts = new Map<string, string>();
  for (const srv of state.servers.filter((x) => x.tenant_id === pid) as ServerRecord[]) {
    for (const portId of (srv.created_port_ids as string[] | undefined) ?? []) serverPorts.set(portId, srv.id);
  }
  res.ports = state.ports
    .filter((pt) => owned(pt) && !serverPorts.has(String(pt.id)) && !String(pt.device_owner).startsWith('network:'))
    .map((pt) => ({
      ...strip(
        pt,
        'network_id',
        'status',
        'dns_assignment',
        'mac_address',
        'device_id',
        'device_owner',
        'binding:host_id',
        'binding:profile',
      ),
      network: pt.network_id,
      fixed_ips: (pt.fixed_ips as Obj[]).map((f) => ({ subnet: f.subnet_id, ip_address: f.ip_address })),
    }));
  res.images = state.images
    .filter((i) => i.owner === pid)
    .map((i) => ({
      ...strip(
        i,
        'status',
        'checksum',
        'os_hash_algo',
        'os_hash_value',
        'size',
        'virtual_size',
        'owner',
        '_pending',
        '_staged',
      ),
      name: String(i.name),
      ...(i.status === 'active' ? { file: state.blobs.path('images', String(i.id)) } : {}),
    }));
  const servers = state.servers.filter((s) => s.tenant_id === pid) as ServerRecord[];
  res.volumes = state.volumes
    .filter((v) => v['os-vol-tenant-attr:tenant_id'] === pid)
    .map((v) => ({
      id: v.id,
      name: v.name,
      size: v.size,
      description: v.description,
      volume_type: v.volume_type,
      metadata: clone(v.metadata),
      bootable: v.bootable === 'true',
      ...(v.volume_image_metadata && state.images.has(String((v.volume_image_metadata as Obj).image_id))
        ? { image: (v.volume_image_metadata as Obj).image_id }
        : {}),
    }));
  res.snapshots = state.snapshots
    .filter((s) => s['os-extended-snapshot-attributes:project_id'] === pid)
    .map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      volume: s.volume_id,
      metadata: clone(s.metadata),
    }));
  res.server_groups = state.serverGroups
    .filter((g) => g.project_id === pid)
    .map((g) => ({ id: g.id, name: g.name, policy: g.policy, rules: clone(g.rules) }));
  res.servers = servers.map((s) => {
    const root = s.volumes.find((v) => v.is_root);
    const ports = s.port_ids.map((id) => state.ports.get(id)).filter((x): x is Obj => x !== undefined);
    return {
      id: s.id,
      name: s.name,
      flavor: s.flavor.id,
      ...(root ? { boot_volume: { volume: root.id } } : { image: s.image_id }),
      networks: ports.map((pt) =>
        serverPorts.has(String(pt.id))
          ? { network: pt.network_id, fixed_ip: (pt.fixed_ips as Obj[])[0]?.ip_address }
          : { port: pt.id },
      ),
      key_name: s.key_name,
      metadata: clone(s.metadata),
      tags: [...s.tags],
      availability_zone: s.availability_zone,
      config_drive: s.config_drive,
      security_groups: [
        ...new Set(
          ports.flatMap((pt) =>
            (pt.security_groups as string[]).map((g) => String(state.securityGroups.get(g)?.name ?? g)),
          ),
        ),
      ],
      ...((s.server_groups as string[] | undefined)?.length ? { group: (s.server_groups as string[])[0] } : {}),
      volumes: s.volumes.filter((v) => !v.is_root).map((v) => v.id),
      status: s.status === 'SHUTOFF' ? 'SHUTOFF' : 'ACTIVE',
      ...(state.serverSecrets.get(s.id)?.user_data
        ? { user_data: Buffer.from(state.serverSecrets.get(s.id)!.user_data!, 'base64').toString() }
        : {}),
    };
  });
  res.floating_ips = state.floatingips.filter(owned).map((f) => ({
    id: f.id,
    network: f.floating_network_id,
    floating_ip_address: f.floating_ip_address,
    description: f.description,
    tags: clone(f.tags),
    ...(f.port_id
      ? serverPorts.has(String(f.port_id))
        ? { server: serverPorts.get(String(f.port_id)) }
        : { port: f.port_id, fixed_ip_address: f.fixed_ip_address }
      : {}),
    ...(forwardingsOf(state, String(f.id)).length
      ? {
          port_forwardings: forwardingsOf(state, String(f.id)).map((p) => ({
            id: p.id,
            port: p.internal_port_id,
            internal_ip_address: p.internal_ip_address,
            internal_port: p.internal_port,
            external_port: p.external_port,
            protocol: p.protocol,
            description: p.description,
          })),
        }
      : {}),
  }));
  const empty = Object.entries(res).every(([k, v]) => k === 'user' || (Array.isArray(v) && v.length === 0));
  return empty ? undefined : res;
}
