import { removeDisk } from './disks.js';
import { isObj, isoSeconds, str, type Obj } from '../core/json.js';
import { pyRepr } from '../core/pyrepr.js';
import { pageAfter, parseLimit } from '../core/paginate.js';
import { authOf, type Reply, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { detachVolume } from '../cinder/store.js';
import { removePort } from '../neutron/ports.js';
import { serverActions } from './server-actions.js';
import { createServer } from './server-create.js';
import { renderServer, renderServerBrief, addresses, type ServerRecord } from './server-render.js';
import {
  computeBase,
  links,
  mvAtLeast,
  novaBadRequest,
  novaBody,
  novaConflict,
  novaNotFound,
  policyError,
  writer,
} from './common.js';
import { serverSubresourceRoutes } from './server-subresources.js';

export interface NovaDeps {
  /** Glance's base URL in this region (createImage's Location header before 2.45). */
  imageUrl(): string;
}

export function getServer(req: SimRequest, state: RegionState, id = req.params.id!): ServerRecord {
  const a = authOf(req);
  const s = state.servers.get(id) as ServerRecord | undefined;
  if (!s || (!a.isAdmin && s.tenant_id !== a.projectId)) throw novaNotFound(`Instance ${id} could not be found.`);
  return s;
}

function regexFilter(pattern: string): (value: string) => boolean {
  try {
    const re = new RegExp(pattern);
    return (v) => re.test(v);
  } catch {
    return (v) => v.includes(pattern);
  }
}

/** GET /servers query parameters Nova's schema knows (nova/api/openstack/compute/schemas/servers.py). */
const SERVER_QUERY = new Set([
  'access_ip_v4',
  'access_ip_v6',
  'all_tenants',
  'auto_disk_config',
  'availability_zone',
  'changes-before',
  'changes-since',
  'config_drive',
  'created_at',
  'deleted',
  'description',
  'display_description',
  'display_name',
  'flavor',
  'host',
  'hostname',
  'image',
  'image_ref',
  'ip',
  'ip6',
  'kernel_id',
  'key_name',
  'launch_index',
  'launched_at',
  'locked',
  'locked_by',
  'name',
  'node',
  'not-tags',
  'not-tags-any',
  'power_state',
  'progress',
  'project_id',
  'ramdisk_id',
  'reservation_id',
  'root_device_name',
  'soft_deleted',
  'sort_dir',
  'sort_key',
  'status',
  'tags',
  'tags-any',
  'task_state',
  'tenant_id',
  'terminated_at',
  'user_id',
  'uuid',
  'vm_state',
  'limit',
  'marker',
  'block_device_mapping',
  'services',
  'metadata',
  'system_metadata',
  'info_cache',
  'security_groups',
  'pci_devices',
]);

function listServers(req: SimRequest, state: RegionState, isDetail: boolean): Reply {
  const a = authOf(req);
  const q = req.query;
  if (mvAtLeast(req, '2.75')) {
    const extra = [...new Set(q.keys())].filter((k) => !SERVER_QUERY.has(k) && !k.startsWith('_'));
    if (extra.length) {
      throw novaBadRequest(
        `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`,
      );
    }
  }
  const asked = q.get('all_tenants');
  const allTenants = asked !== null && !['0', 'false', 'False'].includes(asked);
  if (allTenants && !a.isAdmin)
    throw policyError(`os_compute_api:servers:${isDetail ? 'detail' : 'index'}:get_all_tenants`);
  let items = state.servers.newestFirst() as ServerRecord[];
  const projectFilter = q.get('project_id') ?? q.get('tenant_id');
  items = items.filter((s) =>
    allTenants ? projectFilter === null || s.tenant_id === projectFilter : s.tenant_id === a.projectId,
  );
  const name = q.get('name');
  if (name !== null) {
    const test = regexFilter(name);
    items = items.filter((s) => test(s.name));
  }
  const status = q.get('status');
  if (status !== null) {
    const known = [
      'ACTIVE',
      'BUILD',
      'DELETED',
      'ERROR',
      'HARD_REBOOT',
      'MIGRATING',
      'PASSWORD',
      'PAUSED',
      'REBOOT',
      'REBUILD',
      'RESCUE',
      'RESIZE',
      'REVERT_RESIZE',
      'SHELVED',
      'SHELVED_OFFLOADED',
      'SHUTOFF',
      'SOFT_DELETED',
      'SUSPENDED',
      'UNKNOWN',
      'VERIFY_RESIZE',
    ];
    if (!known.includes(status.toUpperCase()) && mvAtLeast(req, '2.38')) throw novaBadRequest(`Invalid status value`);
    items = items.filter((s) => s.status === status.toUpperCase());
  }
  for (const key of ['image', 'flavor', 'key_name', 'availability_zone', 'host', 'user_id']) {
    const v = q.get(key);
    if (v === null) continue;
    if (key === 'host' && !a.isAdmin) continue;
    items = items.filter((s) => {
      if (key === 'image') return s.image_id === v;
      if (key === 'flavor') return String(s.flavor.id) === v;
      return String(s[key]) === v;
    });
  }
  const ip = q.get('ip');
  if (ip !== null) {
    const test = regexFilter(ip);
    items = items.filter((s) =>
      Object.values(addresses(state, s))
        .flat()
        .some((x) => test(String((x as Obj).addr))),
    );
  }
  const since = q.get('changes-since');
  if (since !== null) items = items.filter((s) => String(s.updated) >= since);
  if (mvAtLeast(req, '2.26')) {
    const sets = (n: string): string[][] => q.getAll(n).map((v) => v.split(',').filter((t) => t));
    for (const t of sets('tags')) items = items.filter((s) => t.every((x) => s.tags.includes(x)));
    for (const t of sets('tags-any')) items = items.filter((s) => t.some((x) => s.tags.includes(x)));
    for (const t of sets('not-tags')) items = items.filter((s) => !t.every((x) => s.tags.includes(x)));
    for (const t of sets('not-tags-any')) items = items.filter((s) => !t.some((x) => s.tags.includes(x)));
  }
  const limit = parseLimit(q.get('limit'));
  if (Number.isNaN(limit))
    throw novaBadRequest(
      `Invalid input for query parameters limit. Value: ${q.get('limit') ?? ''}. '${q.get('limit') ?? ''}' does not match '^[0-9]*$'`,
    );
  const marker = q.get('marker') ?? undefined;
  const page = pageAfter(items, marker, limit, 1000);
  if (!page) throw novaBadRequest(`marker [${marker ?? ''}] not found`);
  const body: Obj = {
    servers: page.items.map((s) => (isDetail ? renderServer(req, state, s) : renderServerBrief(req, state, s))),
  };
  if (page.isFull && page.items.length > 0) {
    const next = new URLSearchParams(q);
    next.set('limit', String(page.items.length));
    next.set('marker', page.items.at(-1)!.id);
    body.servers_links = [
      { rel: 'next', href: `${computeBase(req, state)}/servers${isDetail ? '/detail' : ''}?${next.toString()}` },
    ];
  }
  return { status: 200, body };
}

/** Deletes a server: its own ports go, given ports are released, volumes detached (or deleted). */
export function deleteServer(state: RegionState, s: ServerRecord): void {
  const created = (s.created_port_ids as string[] | undefined) ?? [];
  for (const pid of s.port_ids) {
    const port = state.ports.get(pid);
    if (!port) continue;
    if (created.includes(pid)) {
      removePort(state, port, true);
    } else {
      port.device_id = '';
      port.device_owner = '';
      port['binding:host_id'] = '';
    }
  }
  for (const v of s.volumes) {
    const vol = state.volumes.get(v.id);
    if (!vol) continue;
    detachVolume(state, vol, s.id, true);
    if (v.delete_on_termination) {
      state.volumes.delete(v.id);
      void state.blobs.remove('volumes', v.id);
    }
  }
  for (const g of state.serverGroups.all()) {
    g.members = (g.members as string[]).filter((m) => m !== s.id);
  }
  state.servers.delete(s.id);
  state.serverSecrets.delete(s.id);
  removeDisk(state, s.id);
}

export function serverRoutes(r: Router, state: RegionState, deps: NovaDeps): void {
  r.get('/v2.1/servers', (req) => listServers(req, state, false));
  r.get('/v2.1/servers/detail', (req) => listServers(req, state, true));
  r.get('/v2.1/servers/{id}', (req) => ({
    status: 200,
    body: { server: renderServer(req, state, getServer(req, state), true) },
  }));
  r.post('/v2.1/servers', (req) => {
    const a = writer(req, state, 'os_compute_api:servers:create');
    const body = novaBody(req, 'server');
    const hints = isObj(req.body) && isObj(req.body['os:scheduler_hints']) ? req.body['os:scheduler_hints'] : {};
    const s = createServer(state, { auth: a, mv: req.mv! }, body, hints);
    const groups = Array.isArray(body.security_groups)
      ? body.security_groups.map((g) => ({ name: isObj(g) ? String(g.name) : String(g) }))
      : [{ name: 'default' }];
    return {
      status: 202,
      headers: { location: `${computeBase(req, state)}/servers/${s.id}` },
      body: {
        server: {
          id: s.id,
          links: links(req, state, 'servers', s.id),
          'OS-DCF:diskConfig': s.disk_config,
          security_groups: groups,
          adminPass: state.serverSecrets.get(s.id)?.adminPass,
        },
      },
    };
  });
  r.put('/v2.1/servers/{id}', (req) => {
    writer(req, state, 'os_compute_api:servers:update');
    const s = getServer(req, state);
    const body = novaBody(req, 'server');
    for (const k of Object.keys(body)) {
      const allowed = [
        'name',
        'accessIPv4',
        'accessIPv6',
        'OS-DCF:diskConfig',
        ...(mvAtLeast(req, '2.19') ? ['description'] : []),
        ...(mvAtLeast(req, '2.90') ? ['hostname'] : []),
      ];
      if (!allowed.includes(k))
        throw novaBadRequest(
          `Invalid input for field/attribute server. Value: ${pyRepr(body)}. Additional properties are not allowed ('${k}' was unexpected)`,
        );
    }
    if (body.name !== undefined) s.name = String(body.name);
    if (body.description !== undefined) s.description = body.description;
    if (body.accessIPv4 !== undefined) s.access_ipv4 = body.accessIPv4;
    if (body.accessIPv6 !== undefined) s.access_ipv6 = body.accessIPv6;
    if (body.hostname !== undefined) s.hostname = body.hostname;
    s.updated = isoSeconds();
    return { status: 200, body: { server: renderServer(req, state, s, true) } };
  });
  r.delete('/v2.1/servers/{id}', (req) => {
    writer(req, state, 'os_compute_api:servers:delete');
    const s = getServer(req, state);
    if (s.locked === true && !authOf(req).isAdmin) throw novaConflict(`Instance ${s.id} is locked`);
    deleteServer(state, s);
    return { status: 204 };
  });
  r.post('/v2.1/servers/{id}/action', (req) => {
    // Actions look the instance up through its cell mapping first: an unknown id gets that message.
    const a = authOf(req);
    const found = state.servers.get(req.params.id!);
    if (!found || (!a.isAdmin && found.tenant_id !== a.projectId))
      throw novaNotFound(`Instance ${req.params.id!} has no mapping to a cell.`);
    return serverActions(req, state, getServer(req, state), deps);
  });
  serverSubresourceRoutes(r, state);
  void str;
}
