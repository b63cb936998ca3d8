import { createHash } from 'node:crypto';
import { clone, type Obj } from '../core/json.js';
import { authOf, type SimRequest } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { CORE_IMAGE_KEYS } from '../glance/store.js';
import { computeBase, links, mvAtLeast } from './common.js';

/** Internal per-server fields Nova keeps but renders differently by microversion and role. */
export interface ServerRecord extends Obj {
  id: string;
  name: string;
  status: string;
  tenant_id: string;
  user_id: string;
  metadata: Record<string, string>;
  image_id: string;
  flavor: Obj;
  port_ids: string[];
  volumes: {
    id: string;
    delete_on_termination: boolean;
    device: string;
    attachment_id: string;
    tag: string | null;
    bdm_uuid: string;
    is_root: boolean;
  }[];
  host: string;
  tags: string[];
}

export function addresses(state: RegionState, server: ServerRecord): Obj {
  const out: Record<string, Obj[]> = {};
  for (const pid of server.port_ids) {
    const port = state.ports.get(pid);
    if (!port) continue;
    const net = state.networks.get(String(port.network_id));
    const name = String(net?.name ?? port.network_id);
    const list = (out[name] ??= []);
    for (const f of port.fixed_ips as Obj[]) {
      const ip = String(f.ip_address);
      list.push({
        version: ip.includes(':') ? 6 : 4,
        addr: ip,
        'OS-EXT-IPS:type': 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': port.mac_address,
      });
    }
    for (const fip of state.floatingips.filter((x) => x.port_id === pid)) {
      list.push({
        version: 4,
        addr: fip.floating_ip_address,
        'OS-EXT-IPS:type': 'floating',
        'OS-EXT-IPS-MAC:mac_addr': port.mac_address,
      });
    }
  }
  return out;
}

function securityGroupNames(state: RegionState, server: ServerRecord): Obj[] {
  const names = new Set<string>();
  for (const pid of server.port_ids) {
    for (const g of (state.ports.get(pid)?.security_groups as string[] | undefined) ?? []) {
      names.add(String(state.securityGroups.get(g)?.name ?? g));
    }
  }
  return [...names].map((name) => ({ name }));
}

export function renderServerBrief(req: SimRequest, state: RegionState, s: ServerRecord): Obj {
  return { id: s.id, name: s.name, links: links(req, state, 'servers', s.id) };
}

/**
 * Real Nova shows `server_groups` (2.71) only in GET /servers/{id}, never in /servers/detail. The simulator still
 * shows it in the list too, until Bascule's server writer stops depending on it (docs/simulator.md, "Pending").
 */
export const SERVER_GROUPS_IN_LIST = false;

/**
 * A server as GET /servers/{id} shows it at the negotiated microversion, for this caller. `server_groups`
 * (2.71) is only in the show, not in /servers/detail (nova's views/servers.py show_server_groups).
 */
export function renderServer(req: SimRequest, state: RegionState, s: ServerRecord, isShow = false): Obj {
  const a = authOf(req);
  const bookmarkBase = computeBase(req, state).replace('/v2.1', '');
  let image: unknown = '';
  if (s.image_id) {
    const img: Obj = { id: s.image_id, links: [{ rel: 'bookmark', href: `${bookmarkBase}/images/${s.image_id}` }] };
    if (mvAtLeast(req, '2.98')) {
      const record = state.images.get(s.image_id);
      img.properties = record
        ? Object.fromEntries(Object.entries(record).filter(([k]) => !CORE_IMAGE_KEYS.includes(k)))
        : {};
    }
    image = img;
  }
  let flavor: Obj;
  if (mvAtLeast(req, '2.47')) {
    const f = s.flavor;
    flavor = {
      vcpus: f.vcpus,
      ram: f.ram,
      disk: f.disk,
      ephemeral: f['OS-FLV-EXT-DATA:ephemeral'],
      swap: f.swap,
      original_name: f.name,
      extra_specs: clone(f.extra_specs),
    };
  } else {
    flavor = { id: s.flavor.id, links: [{ rel: 'bookmark', href: `${bookmarkBase}/flavors/${String(s.flavor.id)}` }] };
  }
  const out: Obj = {
    id: s.id,
    name: s.name,
    status: s.status,
    tenant_id: s.tenant_id,
    user_id: s.user_id,
    metadata: clone(s.metadata),
    hostId: s.host ? createHash('sha224').update(`${s.tenant_id}${s.host}`).digest('hex') : '',
    image,
    flavor,
    created: s.created,
    updated: s.updated,
    addresses: addresses(state, s),
    accessIPv4: s.access_ipv4 ?? '',
    accessIPv6: s.access_ipv6 ?? '',
    links: links(req, state, 'servers', s.id),
    'OS-DCF:diskConfig': s.disk_config ?? 'MANUAL',
    'OS-EXT-AZ:availability_zone': s.status === 'BUILD' ? '' : s.availability_zone,
    config_drive: s.config_drive ? 'True' : '',
    key_name: s.key_name ?? null,
    'OS-SRV-USG:launched_at': s.launched_at ?? null,
    'OS-SRV-USG:terminated_at': null,
    'OS-EXT-STS:task_state': s.task_state ?? null,
    'OS-EXT-STS:vm_state': s.vm_state,
    'OS-EXT-STS:power_state': s.power_state,
    'os-extended-volumes:volumes_attached': s.volumes.map((v) =>
      mvAtLeast(req, '2.3') ? { id: v.id, delete_on_termination: v.delete_on_termination } : { id: v.id },
    ),
  };
  if (s.status === 'BUILD' || s.status === 'ACTIVE') out.progress = 0;
  if (s.status === 'ERROR' && s.fault) out.fault = clone(s.fault);
  const groups = securityGroupNames(state, s);
  if (groups.length) out.security_groups = groups;
  if (a.isAdmin) {
    out['OS-EXT-SRV-ATTR:host'] = s.host || null;
    out['OS-EXT-SRV-ATTR:instance_name'] = s.instance_name;
    out['OS-EXT-SRV-ATTR:hypervisor_hostname'] = s.host || null;
    if (mvAtLeast(req, '2.3')) {
      Object.assign(out, {
        'OS-EXT-SRV-ATTR:reservation_id': s.reservation_id,
        'OS-EXT-SRV-ATTR:launch_index': 0,
        'OS-EXT-SRV-ATTR:hostname': s.hostname,
        'OS-EXT-SRV-ATTR:kernel_id': '',
        'OS-EXT-SRV-ATTR:ramdisk_id': '',
        'OS-EXT-SRV-ATTR:root_device_name': s.root_device_name ?? '/dev/vda',
        'OS-EXT-SRV-ATTR:user_data': state.serverSecrets.get(s.id)?.user_data ?? null,
      });
    }
    if (mvAtLeast(req, '2.16')) out.host_status = s.host ? 'UP' : '';
  } else if (mvAtLeast(req, '2.90')) {
    out['OS-EXT-SRV-ATTR:hostname'] = s.hostname;
  }
  if (mvAtLeast(req, '2.9')) out.locked = s.locked === true;
  if (mvAtLeast(req, '2.19')) out.description = s.description ?? null;
  if (mvAtLeast(req, '2.26')) out.tags = [...s.tags];
  if (mvAtLeast(req, '2.63')) out.trusted_image_certificates = null;
  if (mvAtLeast(req, '2.71') && (isShow || SERVER_GROUPS_IN_LIST)) out.server_groups = clone(s.server_groups ?? []);
  if (mvAtLeast(req, '2.73')) out.locked_reason = s.locked_reason ?? null;
  if (mvAtLeast(req, '2.96')) out.pinned_availability_zone = s.requested_az ?? null;
  if (mvAtLeast(req, '2.100')) out.scheduler_hints = clone(s.scheduler_hints ?? {});
  return out;
}
