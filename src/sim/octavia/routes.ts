/**
 * Octavia, the Load Balancer API v2 (`/v2/lbaas/...`): load balancers, listeners, pools, members, health monitors,
 * L7 policies and rules, with the provisioning state machine of the real service (every write puts the object and
 * its load balancer in PENDING_*, a job makes them ACTIVE; a write under a busy load balancer is a 409
 * "immutable"). Shapes from the Load Balancer API reference; behaviour checked against the real Zed Octavia with
 * no-op drivers (../shared/real-openstack-extra/REPORT.md). What differs from it, on purpose:
 * - the VIP gets a Neutron port (device_owner `Octavia`), as with a real amphora driver; the no-op driver makes none;
 * - operating_status goes ONLINE when ACTIVE, as with the real cloud's fake heartbeat;
 * - profiles with `octavia.roles` refuse writes (403) without `load-balancer_member` or `admin`, as Octavia's default
 *   policy does since Queens; reads are allowed to any project member (the real policy also wants an Octavia role).
 * Fields newer than the profile's API version are neither rendered nor accepted (400, as wsme answers).
 */
import { clone, isObj, isoSeconds, str, type Obj } from '../core/json.js';
import { pageAfter, parseLimit, withMarker } from '../core/paginate.js';
import type { Table } from '../core/table.js';
import { ApiError } from '../http/api-error.js';
import { authOf, type AuthContext, type Reply, type SimRequest } from '../http/context.js';
import { Router } from '../http/router.js';
import { createPort, removePort } from '../neutron/ports.js';
import type { RegionState } from '../state/region.js';
import { OCTAVIA_DELAYS, octaviaOf, type OctaviaState } from './store.js';

/** The API versions of a profile's Octavia: 2.0 up to its max. */
function versionsOf(max: string): string[] {
  const top = Number(max.split('.')[1] ?? 0);
  return Array.from({ length: top + 1 }, (_, i) => `v2.${i}`);
}

function atLeast(max: string, wanted: string): boolean {
  return Number(max.split('.')[1] ?? 0) >= Number(wanted.split('.')[1] ?? 0);
}

/** Since which API version a field exists (absent: since 2.0). */
const SINCE: Record<string, string> = {
  tags: '2.5',
  flavor_id: '2.6',
  availability_zone: '2.14',
  allowed_cidrs: '2.12',
  timeout_client_data: '2.1',
  timeout_member_connect: '2.1',
  timeout_member_data: '2.1',
  timeout_tcp_inspect: '2.1',
  backup: '2.1',
  redirect_prefix: '2.2',
  redirect_http_code: '2.2',
  http_version: '2.10',
  domain_name: '2.10',
};

/** The enabled provider drivers, as the e2e cloud's octavia.conf lists them (test/e2e/openstack/lib/extras.sh). */
const PROVIDERS: Record<string, string> = {
  amphora: 'The Octavia Amphora driver.',
  octavia: 'Deprecated alias of the Octavia Amphora driver.',
};

export const LB_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'TERMINATED_HTTPS', 'UDP', 'SCTP'];
const POOL_PROTOCOLS = ['HTTP', 'HTTPS', 'PROXY', 'TCP', 'UDP', 'SCTP'];
const ALGORITHMS = ['ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP', 'SOURCE_IP_PORT'];
const PERSISTENCE = ['APP_COOKIE', 'HTTP_COOKIE', 'SOURCE_IP'];
const HM_TYPES = ['HTTP', 'HTTPS', 'PING', 'TCP', 'TLS-HELLO', 'UDP-CONNECT', 'SCTP'];
const L7_ACTIONS = ['REDIRECT_TO_POOL', 'REDIRECT_TO_URL', 'REDIRECT_PREFIX', 'REJECT'];
const L7_RULE_TYPES = ['COOKIE', 'FILE_TYPE', 'HEADER', 'HOST_NAME', 'PATH'];
const L7_COMPARE = ['CONTAINS', 'ENDS_WITH', 'EQUAL_TO', 'REGEX', 'STARTS_WITH'];

/** Octavia's (wsme's) error: `{"faultcode": "Client", "faultstring": "...", "debuginfo": null}` (see error-bodies). */
function oError(status: number, message: string): ApiError {
  return new ApiError(status, message);
}

const notFound = (what: string, id: string): ApiError => oError(404, `${what} ${id} could not be found.`);
const invalid = (field: string, value: unknown, why: string): ApiError =>
  oError(400, `Invalid input for field/attribute ${field}. Value: '${String(value)}'. ${why}`);

interface Ctx {
  state: RegionState;
  o: OctaviaState;
  max: string;
}

function ensureReader(auth: AuthContext): void {
  if (!auth.projectId && !auth.isAdmin) throw oError(403, 'Policy does not allow this request to be performed.');
}

/** Writes need `load-balancer_member` (or admin) on profiles that model Octavia's roles. */
function ensureWriter(c: Ctx, auth: AuthContext): void {
  ensureReader(auth);
  if (c.state.profile.octavia?.roles && !auth.isAdmin && !auth.roles.includes('load-balancer_member'))
    throw oError(403, 'Policy does not allow this request to be performed.');
}

function visible(auth: AuthContext, row: Obj): boolean {
  return auth.isAdmin || row.project_id === auth.projectId;
}

function fetch(table: Table, auth: AuthContext, id: string, what: string): Obj {
  const row = table.get(id);
  if (!row || !visible(auth, row)) throw notFound(what, id);
  return row;
}

/** The body's object under `key`, refusing attributes this API version does not know. */
function bodyOf(c: Ctx, req: SimRequest, key: string, allowed: readonly string[]): Obj {
  const body = isObj(req.body) ? req.body[key] : undefined;
  if (!isObj(body)) throw oError(400, `Missing argument: "${key}"`);
  for (const k of Object.keys(body)) {
    const since = SINCE[k];
    if (!allowed.includes(k) || (since && !atLeast(c.max, since)))
      throw oError(400, `Unknown attribute for argument ${key}: ${k}`);
  }
  return body;
}

function required(body: Obj, key: string): unknown {
  const value = body[key];
  if (value === undefined || value === null)
    throw oError(400, `Invalid input for field/attribute ${key}. Mandatory field missing.`);
  return value;
}

function oneOf(body: Obj, key: string, values: readonly string[]): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !values.includes(value))
    throw invalid(key, value, `Value should be one of: ${values.join(', ')}`);
  return value;
}

function integer(body: Obj, key: string, min: number, max: number): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(key, value, `Value should be greater or equal to ${min} and lower or equal to ${max}`);
  return value;
}

function tagList(body: Obj): string[] {
  const tags = body.tags;
  if (tags === undefined) return [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t.length > 255))
    throw invalid('tags', tags, 'Value should be a list of strings');
  return [...new Set(tags as string[])];
}

/** Common attributes of a new object. */
function base(c: Ctx, auth: AuthContext, body: Obj): Obj {
  const now = isoSeconds();
  const projectId = (auth.isAdmin && str(body, 'project_id')) || auth.projectId;
  return {
    id: c.state.uuid(),
    name: str(body, 'name') ?? '',
    description: str(body, 'description') ?? '',
    admin_state_up: body.admin_state_up !== false,
    project_id: projectId,
    tenant_id: projectId,
    provisioning_status: 'PENDING_CREATE',
    operating_status: 'OFFLINE',
    created_at: now,
    updated_at: null,
    tags: tagList(body),
  };
}

function drop(c: Ctx, row: Obj, internal: readonly string[] = []): Obj {
  const out = clone(row);
  for (const k of internal) delete out[k];
  for (const [field, since] of Object.entries(SINCE)) if (!atLeast(c.max, since)) delete out[field];
  return out;
}

/** The load balancer `lbId`, which must be ACTIVE for a write under it (else Octavia's 409). */
function activeLb(c: Ctx, lbId: string): Obj {
  const lb = c.o.loadbalancers.get(lbId);
  if (!lb) throw notFound('Load Balancer', lbId);
  if (lb.provisioning_status !== 'ACTIVE')
    throw oError(409, `Load Balancer ${lbId} is immutable and cannot be updated.`);
  return lb;
}

/** Puts `row` and its load balancer in `pending`; after the driver's delay, both go ACTIVE (or `done` runs). */
function transition(c: Ctx, lb: Obj, row: Obj, pending: string, done?: () => void): void {
  row.provisioning_status = pending;
  if (row !== lb) lb.provisioning_status = 'PENDING_UPDATE';
  const delay = row === lb && pending === 'PENDING_CREATE' ? OCTAVIA_DELAYS.loadBalancerMs : OCTAVIA_DELAYS.childMs;
  c.state.jobs.schedule(delay, () => {
    if (done) done();
    else {
      row.provisioning_status = 'ACTIVE';
      if (row.operating_status === 'OFFLINE' && row.admin_state_up !== false) row.operating_status = 'ONLINE';
      row.updated_at = pending === 'PENDING_CREATE' ? row.updated_at : isoSeconds();
    }
    if (row !== lb && c.o.loadbalancers.has(String(lb.id))) lb.provisioning_status = 'ACTIVE';
  });
}

/**
 * What the pool's health monitor sees of member `m` when it is read: a member at a fixed IP of a port of the region
 * (on its subnet, when it names one) is ONLINE while that port's server is ACTIVE, ERROR while the port has no server
 * or its server is not running (booting, stopped), as an amphora's checks would find it. A member at an address no
 * port holds (a server outside the cloud) or a port of something else (a router, a VIP), without a health monitor, admin-down or not ACTIVE keeps its status.
 * Returns true (usable in a filter).
 */
function health(c: Ctx, m: Obj): boolean {
  const pool = c.o.pools.get(String(m.pool_id));
  if (!pool?.healthmonitor_id || m.provisioning_status !== 'ACTIVE' || m.admin_state_up === false) return true;
  const port = c.state.ports.find((p) =>
    ((p.fixed_ips as { ip_address?: string; subnet_id?: string }[] | undefined) ?? []).some(
      (ip) => ip.ip_address === m.address && (!m.subnet_id || ip.subnet_id === m.subnet_id),
    ),
  );
  const owner = String(port?.device_owner ?? '');
  if (!port || (owner !== '' && !owner.startsWith('compute:'))) return true;
  const server = port.device_id ? c.state.servers.get(String(port.device_id)) : undefined;
  m.operating_status = server?.status === 'ACTIVE' ? 'ONLINE' : 'ERROR';
  return true;
}

function list(
  c: Ctx,
  req: SimRequest,
  table: Table,
  key: string,
  internal: readonly string[] = [],
  within: (row: Obj) => boolean = () => true,
): Reply {
  const auth = authOf(req);
  ensureReader(auth);
  let rows = table.sortedById().filter((r) => visible(auth, r) && within(r));
  for (const [k, v] of req.query) {
    if (k === 'limit' || k === 'marker' || k === 'page_reverse' || k === 'fields') continue;
    if (k === 'tags') {
      const wanted = v.split(',');
      rows = rows.filter((r) => wanted.every((t) => (r.tags as string[] | undefined)?.includes(t)));
    } else rows = rows.filter((r) => r[k] === undefined || String(r[k]) === v);
  }
  const limit = parseLimit(req.query.get('limit'));
  if (Number.isNaN(limit)) throw oError(400, `Invalid input for field/attribute limit.`);
  const page = pageAfter(rows, req.query.get('marker') ?? undefined, limit, 1000);
  if (!page) throw notFound('Marker', req.query.get('marker') ?? '');
  const links =
    page.hasMore && page.items.length > 0
      ? [
          {
            rel: 'next',
            href: `${req.baseUrl}${req.path}?${withMarker(req.query, String(page.items.at(-1)!.id))}`,
          },
        ]
      : [];
  return { status: 200, body: { [key]: page.items.map((r) => drop(c, r, internal)), [`${key}_links`]: links } };
}

// Load balancers

function renderLb(c: Ctx, lb: Obj): Obj {
  const out = drop(c, lb);
  out.listeners = c.o.listeners.filter((l) => l.loadbalancer_id === lb.id).map((l) => ({ id: l.id }));
  out.pools = c.o.pools.filter((p) => p.loadbalancer_id === lb.id).map((p) => ({ id: p.id }));
  return out;
}

const LB_KEYS = [
  'name',
  'description',
  'admin_state_up',
  'vip_subnet_id',
  'vip_network_id',
  'vip_port_id',
  'vip_address',
  'vip_qos_policy_id',
  'provider',
  'flavor_id',
  'availability_zone',
  'project_id',
  'tenant_id',
  'tags',
];

function createLb(c: Ctx, auth: AuthContext, body: Obj): Obj {
  const subnetId = str(body, 'vip_subnet_id');
  const networkId = str(body, 'vip_network_id');
  if (!subnetId && !networkId && !str(body, 'vip_port_id'))
    throw oError(400, 'Validation failure: VIP must contain one of: vip_port_id, vip_network_id, vip_subnet_id.');
  if (str(body, 'vip_port_id'))
    throw oError(400, 'Validation failure: vip_port_id is not supported by this simulator.');
  const subnet = subnetId ? c.state.subnets.get(subnetId) : undefined;
  if (subnetId && (!subnet || (!auth.isAdmin && subnet.project_id !== auth.projectId && !isShared(c, subnet))))
    throw oError(400, `Validation failure: Subnet ${subnetId} could not be found.`);
  const network = c.state.networks.get(networkId ?? String(subnet?.network_id));
  if (!network) throw oError(400, `Validation failure: Network ${String(networkId)} could not be found.`);
  const provider = str(body, 'provider') ?? 'amphora';
  if (!(provider in PROVIDERS)) throw oError(400, `Provider '${provider}' is not enabled.`);
  const flavorId = str(body, 'flavor_id');
  if (flavorId && c.o.flavors.get(flavorId)?.enabled !== true)
    throw oError(400, `Validation failure: Invalid flavor_id ${flavorId}.`);
  const lb: Obj = {
    ...base(c, auth, body),
    provider,
    flavor_id: flavorId ?? null,
    availability_zone: str(body, 'availability_zone') ?? null,
  };
  const pickSubnet =
    subnet ?? c.state.subnets.find((s) => s.network_id === network.id && s.ip_version === 4) ?? undefined;
  const wanted = str(body, 'vip_address');
  const port = createPort(c.state, undefined, String(lb.project_id), {
    network_id: network.id,
    name: `octavia-lb-${String(lb.id)}`,
    device_owner: 'Octavia',
    device_id: `lb-${String(lb.id)}`,
    ...(pickSubnet ? { fixed_ips: [{ subnet_id: pickSubnet.id, ...(wanted ? { ip_address: wanted } : {}) }] } : {}),
  });
  const fixed = (port.fixed_ips as { subnet_id: string; ip_address: string }[])[0];
  Object.assign(lb, {
    vip_address: fixed?.ip_address ?? '',
    vip_port_id: port.id,
    vip_subnet_id: fixed?.subnet_id ?? subnetId ?? null,
    vip_network_id: network.id,
    vip_qos_policy_id: null,
  });
  c.o.loadbalancers.put(String(lb.id), lb);
  transition(c, lb, lb, 'PENDING_CREATE');
  return lb;
}

function isShared(c: Ctx, subnet: Obj): boolean {
  return c.state.networks.get(String(subnet.network_id))?.shared === true;
}

function deleteLb(c: Ctx, auth: AuthContext, lb: Obj, cascade: boolean): void {
  const id = String(lb.id);
  if (lb.provisioning_status !== 'ACTIVE' && lb.provisioning_status !== 'ERROR')
    throw oError(409, `Load Balancer ${id} is immutable and cannot be updated.`);
  const listeners = c.o.listeners.filter((l) => l.loadbalancer_id === id);
  const pools = c.o.pools.filter((p) => p.loadbalancer_id === id);
  if (!cascade && (listeners.length > 0 || pools.length > 0))
    throw oError(400, `Cannot delete Load Balancer ${id} - it has children`);
  lb.provisioning_status = 'PENDING_DELETE';
  for (const child of [...listeners, ...pools]) child.provisioning_status = 'PENDING_DELETE';
  c.state.jobs.schedule(OCTAVIA_DELAYS.deleteMs, () => {
    for (const l of listeners) removeListener(c, l);
    for (const p of pools) removePool(c, p);
    const port = c.state.ports.get(String(lb.vip_port_id));
    if (port) removePort(c.state, port, true);
    c.o.loadbalancers.delete(id);
  });
  void auth;
}

// Listeners

const LISTENER_KEYS = [
  'name',
  'description',
  'admin_state_up',
  'loadbalancer_id',
  'protocol',
  'protocol_port',
  'connection_limit',
  'default_pool_id',
  'default_tls_container_ref',
  'sni_container_refs',
  'insert_headers',
  'timeout_client_data',
  'timeout_member_connect',
  'timeout_member_data',
  'timeout_tcp_inspect',
  'allowed_cidrs',
  'project_id',
  'tenant_id',
  'tags',
];
const LISTENER_UPDATABLE = LISTENER_KEYS.filter(
  (k) => !['loadbalancer_id', 'protocol', 'protocol_port', 'project_id', 'tenant_id'].includes(k),
);
const TIMEOUT_DEFAULTS: Record<string, number> = {
  timeout_client_data: 50000,
  timeout_member_connect: 5000,
  timeout_member_data: 50000,
  timeout_tcp_inspect: 0,
};

function listenerFields(c: Ctx, body: Obj, out: Obj): void {
  const limit = integer(body, 'connection_limit', -1, 2147483647);
  if (limit !== undefined) out.connection_limit = limit;
  for (const k of Object.keys(TIMEOUT_DEFAULTS)) {
    const v = integer(body, k, 0, 31536000);
    if (v !== undefined) out[k] = v;
  }
  if (body.insert_headers !== undefined) {
    if (!isObj(body.insert_headers)) throw invalid('insert_headers', body.insert_headers, 'Value should be a dict');
    out.insert_headers = clone(body.insert_headers);
  }
  if (body.allowed_cidrs !== undefined) {
    const cidrs = body.allowed_cidrs;
    if (cidrs !== null && (!Array.isArray(cidrs) || cidrs.some((x) => typeof x !== 'string' || !x.includes('/'))))
      throw invalid('allowed_cidrs', cidrs, 'Value should be a list of CIDRs');
    out.allowed_cidrs = cidrs === null ? null : [...new Set(cidrs as string[])];
  }
  for (const k of ['default_tls_container_ref', 'sni_container_refs', 'name', 'description', 'admin_state_up'])
    if (body[k] !== undefined) out[k] = clone(body[k]);
  if (body.default_pool_id !== undefined) {
    const poolId = body.default_pool_id;
    if (poolId !== null && !c.o.pools.has(String(poolId))) throw notFound('Pool', String(poolId));
    out.default_pool_id = poolId;
  }
  if (body.tags !== undefined) out.tags = tagList(body);
}

function createListener(c: Ctx, auth: AuthContext, body: Obj): Obj {
  const lbId = String(required(body, 'loadbalancer_id'));
  const lbRow = c.o.loadbalancers.get(lbId);
  if (!lbRow || !visible(auth, lbRow)) throw notFound('Load Balancer', lbId);
  const protocol = oneOf(body, 'protocol', LB_PROTOCOLS) ?? String(required(body, 'protocol'));
  const port = integer(body, 'protocol_port', 1, 65535) ?? Number(required(body, 'protocol_port'));
  if (protocol === 'TERMINATED_HTTPS' && !str(body, 'default_tls_container_ref'))
    throw oError(
      400,
      'An SNI or default certificate container reference must be provided for TERMINATED_HTTPS listeners.',
    );
  const lb = activeLb(c, lbId);
  const clash = c.o.listeners.find(
    (l) => l.loadbalancer_id === lbId && l.protocol_port === port && (l.protocol === 'UDP') === (protocol === 'UDP'),
  );
  if (clash) throw oError(409, `Another Listener on this Load Balancer is already using protocol_port ${port}`);
  const listener: Obj = {
    ...base(c, auth, body),
    project_id: lb.project_id,
    tenant_id: lb.project_id,
    loadbalancer_id: lbId,
    loadbalancers: [{ id: lbId }],
    protocol,
    protocol_port: port,
    connection_limit: -1,
    default_pool_id: null,
    default_tls_container_ref: null,
    sni_container_refs: [],
    insert_headers: {},
    l7policies: [],
    allowed_cidrs: null,
    ...TIMEOUT_DEFAULTS,
  };
  listenerFields(c, body, listener);
  c.o.listeners.put(String(listener.id), listener);
  transition(c, lb, listener, 'PENDING_CREATE');
  return listener;
}

function renderListener(c: Ctx, l: Obj): Obj {
  const out = drop(c, l, ['loadbalancer_id']);
  out.l7policies = c.o.l7policies.filter((p) => p.listener_id === l.id).map((p) => ({ id: p.id }));
  return out;
}

function removeListener(c: Ctx, l: Obj): void {
  for (const p of c.o.l7policies.filter((x) => x.listener_id === l.id)) removeL7Policy(c, p);
  for (const p of c.o.pools.filter((x) => x.listener_id === l.id)) p.listener_id = null;
  c.o.listeners.delete(String(l.id));
}

// Pools

const POOL_KEYS = [
  'name',
  'description',
  'admin_state_up',
  'loadbalancer_id',
  'listener_id',
  'protocol',
  'lb_algorithm',
  'session_persistence',
  'project_id',
  'tenant_id',
  'tags',
];

function persistence(body: Obj): Obj | null | undefined {
  const sp = body.session_persistence;
  if (sp === undefined || sp === null) return sp;
  if (!isObj(sp)) throw invalid('session_persistence', sp, 'Value should be a dict');
  const type = oneOf(sp, 'type', PERSISTENCE) ?? String(required(sp, 'type'));
  if (type === 'APP_COOKIE' && !str(sp, 'cookie_name'))
    throw oError(
      400,
      'Validation failure: Field cookie_name must be specified when using the APP_COOKIE session persistence type.',
    );
  if (type !== 'APP_COOKIE' && sp.cookie_name)
    throw oError(
      400,
      'Validation failure: Field cookie_name can only be specified when using the APP_COOKIE session persistence type.',
    );
  return {
    type,
    cookie_name: str(sp, 'cookie_name') ?? null,
    persistence_timeout: null,
    persistence_granularity: null,
  };
}

function createPool(c: Ctx, auth: AuthContext, body: Obj): Obj {
  const listenerId = str(body, 'listener_id');
  let lbId = str(body, 'loadbalancer_id');
  if (!listenerId && !lbId)
    throw oError(400, 'Validation failure: Either listener_id or loadbalancer_id must be specified.');
  const protocol = oneOf(body, 'protocol', POOL_PROTOCOLS) ?? String(required(body, 'protocol'));
  const algorithm = oneOf(body, 'lb_algorithm', ALGORITHMS) ?? String(required(body, 'lb_algorithm'));
  if (listenerId) {
    const listener = fetch(c.o.listeners, auth, listenerId, 'Listener');
    if (listener.default_pool_id)
      throw oError(409, `Listener ${listenerId} is already using a default pool ${String(listener.default_pool_id)}.`);
    lbId ??= String(listener.loadbalancer_id);
  }
  const lbRow = c.o.loadbalancers.get(lbId!);
  if (!lbRow || !visible(auth, lbRow)) throw notFound('Load Balancer', lbId!);
  const sp = persistence(body);
  const lb = activeLb(c, lbId!);
  const pool: Obj = {
    ...base(c, auth, body),
    project_id: lb.project_id,
    tenant_id: lb.project_id,
    loadbalancer_id: lbId,
    listener_id: listenerId ?? null,
    protocol,
    lb_algorithm: algorithm,
    session_persistence: sp ?? null,
    healthmonitor_id: null,
  };
  c.o.pools.put(String(pool.id), pool);
  if (listenerId) c.o.listeners.get(listenerId)!.default_pool_id = pool.id;
  transition(c, lb, pool, 'PENDING_CREATE');
  return pool;
}

function renderPool(c: Ctx, p: Obj): Obj {
  const out = drop(c, p, ['loadbalancer_id', 'listener_id']);
  out.loadbalancers = [{ id: p.loadbalancer_id }];
  out.listeners = c.o.listeners
    .filter((l) => l.default_pool_id === p.id || l.id === p.listener_id)
    .map((l) => ({ id: l.id }));
  out.members = c.o.members.filter((m) => m.pool_id === p.id).map((m) => ({ id: m.id }));
  return out;
}

function removePool(c: Ctx, p: Obj): void {
  for (const m of c.o.members.filter((x) => x.pool_id === p.id)) c.o.members.delete(String(m.id));
  if (p.healthmonitor_id) c.o.healthmonitors.delete(String(p.healthmonitor_id));
  for (const l of c.o.listeners.filter((x) => x.default_pool_id === p.id)) l.default_pool_id = null;
  c.o.pools.delete(String(p.id));
}

// Members

const MEMBER_KEYS = [
  'name',
  'admin_state_up',
  'address',
  'protocol_port',
  'weight',
  'backup',
  'subnet_id',
  'monitor_address',
  'monitor_port',
  'project_id',
  'tenant_id',
  'tags',
];

function createMember(c: Ctx, auth: AuthContext, pool: Obj, body: Obj): Obj {
  const address = String(required(body, 'address'));
  const port = integer(body, 'protocol_port', 1, 65535) ?? Number(required(body, 'protocol_port'));
  const weight = integer(body, 'weight', 0, 256) ?? 1;
  const subnetId = str(body, 'subnet_id');
  if (subnetId && !c.state.subnets.has(subnetId))
    throw oError(400, `Validation failure: Subnet ${subnetId} could not be found.`);
  const lb = activeLb(c, String(pool.loadbalancer_id));
  if (c.o.members.find((m) => m.pool_id === pool.id && m.address === address && m.protocol_port === port))
    throw oError(409, `Another member on this pool is already using ip ${address} on protocol_port ${port}`);
  const member: Obj = {
    ...base(c, auth, body),
    project_id: lb.project_id,
    tenant_id: lb.project_id,
    pool_id: pool.id,
    address,
    protocol_port: port,
    weight,
    backup: body.backup === true,
    subnet_id: subnetId ?? null,
    monitor_address: str(body, 'monitor_address') ?? null,
    monitor_port: integer(body, 'monitor_port', 1, 65535) ?? null,
  };
  c.o.members.put(String(member.id), member);
  transition(c, lb, member, 'PENDING_CREATE', () => {
    member.provisioning_status = 'ACTIVE';
    member.operating_status = pool.healthmonitor_id ? 'ONLINE' : 'NO_MONITOR';
  });
  return member;
}

// Health monitors

const HM_KEYS = [
  'name',
  'admin_state_up',
  'pool_id',
  'type',
  'delay',
  'timeout',
  'max_retries',
  'max_retries_down',
  'http_method',
  'url_path',
  'expected_codes',
  'http_version',
  'domain_name',
  'project_id',
  'tenant_id',
  'tags',
];

function hmFields(body: Obj, out: Obj): void {
  for (const [k, min, max] of [
    ['delay', 0, 2147483647],
    ['timeout', 0, 2147483647],
    ['max_retries', 1, 10],
    ['max_retries_down', 1, 10],
  ] as const) {
    const v = integer(body, k, min, max);
    if (v !== undefined) out[k] = v;
  }
  for (const k of ['http_method', 'url_path', 'expected_codes', 'domain_name', 'name', 'admin_state_up'])
    if (body[k] !== undefined) out[k] = body[k];
  if (body.http_version !== undefined) out.http_version = body.http_version;
  if (body.tags !== undefined) out.tags = tagList(body);
}

function createHm(c: Ctx, auth: AuthContext, body: Obj): Obj {
  const poolId = String(required(body, 'pool_id'));
  const pool = fetch(c.o.pools, auth, poolId, 'Pool');
  const type = oneOf(body, 'type', HM_TYPES) ?? String(required(body, 'type'));
  for (const k of ['delay', 'timeout', 'max_retries']) required(body, k);
  const http = type === 'HTTP' || type === 'HTTPS';
  if (!http && (body.http_method !== undefined || body.url_path !== undefined || body.expected_codes !== undefined))
    throw oError(
      400,
      `Validation failure: http_method, url_path and expected_codes are only for HTTP and HTTPS monitors.`,
    );
  if (pool.healthmonitor_id) throw oError(409, `This Pool ${poolId} already has a Health Monitor`);
  const lb = activeLb(c, String(pool.loadbalancer_id));
  const hm: Obj = {
    ...base(c, auth, body),
    project_id: lb.project_id,
    tenant_id: lb.project_id,
    pool_id: poolId,
    pools: [{ id: poolId }],
    type,
    max_retries_down: 3,
    http_method: http ? 'GET' : null,
    url_path: http ? '/' : null,
    expected_codes: http ? '200' : null,
    http_version: http && atLeast(c.max, '2.10') ? 1.0 : null,
    domain_name: null,
  };
  hmFields(body, hm);
  c.o.healthmonitors.put(String(hm.id), hm);
  pool.healthmonitor_id = hm.id;
  transition(c, lb, hm, 'PENDING_CREATE', () => {
    hm.provisioning_status = 'ACTIVE';
    hm.operating_status = 'ONLINE';
    for (const m of c.o.members.filter((x) => x.pool_id === poolId)) m.operating_status = 'ONLINE';
  });
  return hm;
}

// L7 policies and rules

const L7_KEYS = [
  'name',
  'description',
  'admin_state_up',
  'listener_id',
  'action',
  'position',
  'redirect_pool_id',
  'redirect_url',
  'redirect_prefix',
  'redirect_http_code',
  'project_id',
  'tenant_id',
  'tags',
  'rules',
];
const RULE_KEYS = [
  'type',
  'compare_type',
  'key',
  'value',
  'invert',
  'admin_state_up',
  'project_id',
  'tenant_id',
  'tags',
];

function l7Fields(c: Ctx, auth: AuthContext, body: Obj, out: Obj): void {
  if (body.action !== undefined) out.action = oneOf(body, 'action', L7_ACTIONS);
  for (const k of ['name', 'description', 'admin_state_up', 'redirect_url', 'redirect_prefix'])
    if (body[k] !== undefined) out[k] = body[k];
  if (body.redirect_http_code !== undefined) out.redirect_http_code = body.redirect_http_code;
  if (body.redirect_pool_id !== undefined) {
    const id = body.redirect_pool_id;
    if (id !== null) fetch(c.o.pools, auth, String(id), 'Pool');
    out.redirect_pool_id = id;
  }
  if (body.tags !== undefined) out.tags = tagList(body);
  const action = String(out.action);
  if (action === 'REDIRECT_TO_POOL' && !out.redirect_pool_id)
    throw oError(400, 'Validation failure: redirect_pool_id must be specified with REDIRECT_TO_POOL.');
  if (action === 'REDIRECT_TO_URL' && !out.redirect_url)
    throw oError(400, 'Validation failure: redirect_url must be specified with REDIRECT_TO_URL.');
  if (action === 'REDIRECT_PREFIX' && !out.redirect_prefix)
    throw oError(400, 'Validation failure: redirect_prefix must be specified with REDIRECT_PREFIX.');
  if (action !== 'REDIRECT_TO_POOL') out.redirect_pool_id = null;
  if (action !== 'REDIRECT_TO_URL') out.redirect_url = null;
  if (action !== 'REDIRECT_PREFIX') out.redirect_prefix = null;
  if (!action.startsWith('REDIRECT_TO_URL') && action !== 'REDIRECT_PREFIX') out.redirect_http_code = null;
  else out.redirect_http_code ??= atLeast(c.max, '2.2') ? 302 : null;
}

function ruleOf(c: Ctx, auth: AuthContext, policy: Obj, body: Obj): Obj {
  const type = oneOf(body, 'type', L7_RULE_TYPES) ?? String(required(body, 'type'));
  const compare = oneOf(body, 'compare_type', L7_COMPARE) ?? String(required(body, 'compare_type'));
  const value = String(required(body, 'value'));
  if ((type === 'HEADER' || type === 'COOKIE') && !str(body, 'key'))
    throw oError(400, `Validation failure: key must be specified with ${type} rules.`);
  return {
    ...base(c, auth, body),
    project_id: policy.project_id,
    tenant_id: policy.project_id,
    l7policy_id: policy.id,
    type,
    compare_type: compare,
    key: str(body, 'key') ?? null,
    value,
    invert: body.invert === true,
  };
}

function createL7Policy(c: Ctx, auth: AuthContext, body: Obj): Obj {
  const listenerId = String(required(body, 'listener_id'));
  const listener = fetch(c.o.listeners, auth, listenerId, 'Listener');
  if (required(body, 'action') === undefined) return {};
  const siblings = c.o.l7policies.filter((p) => p.listener_id === listenerId);
  const position = integer(body, 'position', 1, 2147483647) ?? siblings.length + 1;
  const lb = activeLb(c, String(listener.loadbalancer_id));
  const policy: Obj = {
    ...base(c, auth, body),
    project_id: lb.project_id,
    tenant_id: lb.project_id,
    listener_id: listenerId,
    action: undefined,
    position: Math.min(position, siblings.length + 1),
    redirect_pool_id: null,
    redirect_url: null,
    redirect_prefix: null,
    redirect_http_code: null,
  };
  l7Fields(c, auth, body, policy);
  for (const p of siblings) if (Number(p.position) >= Number(policy.position)) p.position = Number(p.position) + 1;
  const rules = Array.isArray(body.rules) ? (body.rules as unknown[]) : [];
  const made = rules.map((r) =>
    isObj(r)
      ? ruleOf(c, auth, policy, r)
      : (() => {
          throw invalid('rules', r, 'Value should be a dict');
        })(),
  );
  c.o.l7policies.put(String(policy.id), policy);
  for (const rule of made) {
    c.o.l7rules.put(String(rule.id), rule);
    transition(c, lb, rule, 'PENDING_CREATE');
  }
  transition(c, lb, policy, 'PENDING_CREATE');
  return policy;
}

function renderL7Policy(c: Ctx, p: Obj): Obj {
  const out = drop(c, p);
  out.rules = c.o.l7rules.filter((r) => r.l7policy_id === p.id).map((r) => ({ id: r.id }));
  return out;
}

function removeL7Policy(c: Ctx, p: Obj): void {
  for (const r of c.o.l7rules.filter((x) => x.l7policy_id === p.id)) c.o.l7rules.delete(String(r.id));
  c.o.l7policies.delete(String(p.id));
  let i = 1;
  for (const q of c.o.l7policies
    .filter((x) => x.listener_id === p.listener_id)
    .sort((a, b) => Number(a.position) - Number(b.position)))
    q.position = i++;
}

// Shared update and delete of a child

function lbOfChild(
  c: Ctx,
  table: 'listeners' | 'pools' | 'members' | 'healthmonitors' | 'l7policies' | 'l7rules',
  row: Obj,
): string {
  switch (table) {
    case 'listeners':
    case 'pools':
      return String(row.loadbalancer_id);
    case 'members':
    case 'healthmonitors':
      return String(c.o.pools.get(String(row.pool_id))?.loadbalancer_id);
    case 'l7policies':
      return String(c.o.listeners.get(String(row.listener_id))?.loadbalancer_id);
    case 'l7rules':
      return lbOfChild(c, 'l7policies', c.o.l7policies.get(String(row.l7policy_id)) ?? {});
  }
}

function updateChild(c: Ctx, table: Parameters<typeof lbOfChild>[1], row: Obj, change: () => void): void {
  const lb = activeLb(c, lbOfChild(c, table, row));
  change();
  row.updated_at = isoSeconds();
  transition(c, lb, row, 'PENDING_UPDATE');
}

function deleteChild(c: Ctx, table: Parameters<typeof lbOfChild>[1], row: Obj, remove: () => void): void {
  const lb = activeLb(c, lbOfChild(c, table, row));
  transition(c, lb, row, 'PENDING_DELETE', remove);
}

/** Routes of Octavia's API, `/` (versions) and `/v2/lbaas/...`. */
export function octaviaRouter(state: RegionState): Router {
  const max = state.profile.octavia?.max ?? '2.0';
  const c: Ctx = { state, o: octaviaOf(state), max };
  const r = new Router();
  const versions = (req: SimRequest): Reply => ({
    status: 200,
    body: {
      versions: versionsOf(max).map((id) => ({
        id,
        status: id === `v${max}` ? 'CURRENT' : 'SUPPORTED',
        updated: '2022-09-01T00:00:00Z',
        links: [{ href: `${req.baseUrl}/v2`, rel: 'self' }],
      })),
    },
  });
  r.get('/', versions, { isPublic: true });
  r.get('/v2', versions, { isPublic: true });

  const writer = (req: SimRequest): AuthContext => {
    const auth = authOf(req);
    ensureWriter(c, auth);
    return auth;
  };

  // the enabled provider drivers (GET /v2/lbaas/providers)
  r.get('/v2/lbaas/providers', (req) => {
    authOf(req);
    return {
      status: 200,
      body: { providers: Object.entries(PROVIDERS).map(([name, description]) => ({ name, description })) },
    };
  });

  // the operator's flavors (GET /v2/lbaas/flavors, API 2.6+)
  r.get('/v2/lbaas/flavors', (req) => {
    authOf(req);
    if (!atLeast(c.max, '2.6')) throw oError(404, 'The resource could not be found.');
    return { status: 200, body: { flavors: c.o.flavors.all() } };
  });

  // load balancers
  r.get('/v2/lbaas/loadbalancers', (req) => {
    const reply = list(c, req, c.o.loadbalancers, 'loadbalancers');
    const body = reply.body as Obj;
    body.loadbalancers = (body.loadbalancers as Obj[]).map((lb) => renderLb(c, c.o.loadbalancers.get(String(lb.id))!));
    return reply;
  });
  r.post('/v2/lbaas/loadbalancers', (req) => {
    const auth = writer(req);
    const lb = createLb(c, auth, bodyOf(c, req, 'loadbalancer', LB_KEYS));
    return { status: 201, body: { loadbalancer: renderLb(c, lb) } };
  });
  r.get('/v2/lbaas/loadbalancers/{id}', (req) => {
    const lb = fetch(c.o.loadbalancers, authOf(req), req.params.id!, 'Load Balancer');
    return { status: 200, body: { loadbalancer: renderLb(c, lb) } };
  });
  r.get('/v2/lbaas/loadbalancers/{id}/status', (req) => {
    const lb = fetch(c.o.loadbalancers, authOf(req), req.params.id!, 'Load Balancer');
    const pick = (o: Obj): Obj => ({
      id: o.id,
      name: o.name,
      provisioning_status: o.provisioning_status,
      operating_status: o.operating_status,
    });
    return {
      status: 200,
      body: {
        statuses: {
          loadbalancer: {
            ...pick(lb),
            listeners: c.o.listeners.filter((l) => l.loadbalancer_id === lb.id).map(pick),
            pools: c.o.pools.filter((p) => p.loadbalancer_id === lb.id).map(pick),
          },
        },
      },
    };
  });
  r.put('/v2/lbaas/loadbalancers/{id}', (req) => {
    const auth = writer(req);
    const lb = fetch(c.o.loadbalancers, auth, req.params.id!, 'Load Balancer');
    const body = bodyOf(c, req, 'loadbalancer', ['name', 'description', 'admin_state_up', 'tags', 'vip_qos_policy_id']);
    activeLb(c, String(lb.id));
    for (const k of ['name', 'description', 'admin_state_up']) if (body[k] !== undefined) lb[k] = body[k];
    if (body.tags !== undefined) lb.tags = tagList(body);
    lb.updated_at = isoSeconds();
    transition(c, lb, lb, 'PENDING_UPDATE');
    return { status: 200, body: { loadbalancer: renderLb(c, lb) } };
  });
  r.delete('/v2/lbaas/loadbalancers/{id}', (req) => {
    const auth = writer(req);
    const lb = fetch(c.o.loadbalancers, auth, req.params.id!, 'Load Balancer');
    deleteLb(c, auth, lb, req.query.get('cascade') === 'true');
    return { status: 204 };
  });

  // listeners
  r.get('/v2/lbaas/listeners', (req) => {
    const reply = list(c, req, c.o.listeners, 'listeners');
    const body = reply.body as Obj;
    body.listeners = (body.listeners as Obj[]).map((l) => renderListener(c, c.o.listeners.get(String(l.id))!));
    return reply;
  });
  r.post('/v2/lbaas/listeners', (req) => {
    const auth = writer(req);
    const l = createListener(c, auth, bodyOf(c, req, 'listener', LISTENER_KEYS));
    return { status: 201, body: { listener: renderListener(c, l) } };
  });
  r.get('/v2/lbaas/listeners/{id}', (req) => ({
    status: 200,
    body: { listener: renderListener(c, fetch(c.o.listeners, authOf(req), req.params.id!, 'Listener')) },
  }));
  r.put('/v2/lbaas/listeners/{id}', (req) => {
    const auth = writer(req);
    const l = fetch(c.o.listeners, auth, req.params.id!, 'Listener');
    const body = bodyOf(c, req, 'listener', LISTENER_UPDATABLE);
    updateChild(c, 'listeners', l, () => listenerFields(c, body, l));
    return { status: 200, body: { listener: renderListener(c, l) } };
  });
  r.delete('/v2/lbaas/listeners/{id}', (req) => {
    const auth = writer(req);
    const l = fetch(c.o.listeners, auth, req.params.id!, 'Listener');
    deleteChild(c, 'listeners', l, () => removeListener(c, l));
    return { status: 204 };
  });

  // pools
  r.get('/v2/lbaas/pools', (req) => {
    const reply = list(c, req, c.o.pools, 'pools');
    const body = reply.body as Obj;
    body.pools = (body.pools as Obj[]).map((p) => renderPool(c, c.o.pools.get(String(p.id))!));
    return reply;
  });
  r.post('/v2/lbaas/pools', (req) => {
    const auth = writer(req);
    const p = createPool(c, auth, bodyOf(c, req, 'pool', POOL_KEYS));
    return { status: 201, body: { pool: renderPool(c, p) } };
  });
  r.get('/v2/lbaas/pools/{id}', (req) => ({
    status: 200,
    body: { pool: renderPool(c, fetch(c.o.pools, authOf(req), req.params.id!, 'Pool')) },
  }));
  r.put('/v2/lbaas/pools/{id}', (req) => {
    const auth = writer(req);
    const p = fetch(c.o.pools, auth, req.params.id!, 'Pool');
    const body = bodyOf(c, req, 'pool', [
      'name',
      'description',
      'admin_state_up',
      'lb_algorithm',
      'session_persistence',
      'tags',
    ]);
    const algorithm = oneOf(body, 'lb_algorithm', ALGORITHMS);
    const sp = persistence(body);
    updateChild(c, 'pools', p, () => {
      for (const k of ['name', 'description', 'admin_state_up']) if (body[k] !== undefined) p[k] = body[k];
      if (algorithm) p.lb_algorithm = algorithm;
      if (sp !== undefined) p.session_persistence = sp;
      if (body.tags !== undefined) p.tags = tagList(body);
    });
    return { status: 200, body: { pool: renderPool(c, p) } };
  });
  r.delete('/v2/lbaas/pools/{id}', (req) => {
    const auth = writer(req);
    const p = fetch(c.o.pools, auth, req.params.id!, 'Pool');
    deleteChild(c, 'pools', p, () => removePool(c, p));
    return { status: 204 };
  });

  // members
  r.get('/v2/lbaas/pools/{pool}/members', (req) => {
    const pool = fetch(c.o.pools, authOf(req), req.params.pool!, 'Pool');
    return list(c, req, c.o.members, 'members', ['pool_id'], (m) => m.pool_id === pool.id && health(c, m));
  });
  r.post('/v2/lbaas/pools/{pool}/members', (req) => {
    const auth = writer(req);
    const pool = fetch(c.o.pools, auth, req.params.pool!, 'Pool');
    const m = createMember(c, auth, pool, bodyOf(c, req, 'member', MEMBER_KEYS));
    return { status: 201, body: { member: drop(c, m, ['pool_id']) } };
  });
  const member = (req: SimRequest): Obj => {
    const pool = fetch(c.o.pools, authOf(req), req.params.pool!, 'Pool');
    const m = c.o.members.get(req.params.id!);
    if (!m || m.pool_id !== pool.id) throw notFound('Member', req.params.id!);
    return m;
  };
  r.get('/v2/lbaas/pools/{pool}/members/{id}', (req) => {
    const m = member(req);
    health(c, m);
    return { status: 200, body: { member: drop(c, m, ['pool_id']) } };
  });
  r.put('/v2/lbaas/pools/{pool}/members/{id}', (req) => {
    writer(req);
    const m = member(req);
    const body = bodyOf(c, req, 'member', [
      'name',
      'admin_state_up',
      'weight',
      'backup',
      'monitor_address',
      'monitor_port',
      'tags',
    ]);
    const weight = integer(body, 'weight', 0, 256);
    updateChild(c, 'members', m, () => {
      for (const k of ['name', 'admin_state_up', 'backup', 'monitor_address', 'monitor_port'])
        if (body[k] !== undefined) m[k] = body[k];
      if (weight !== undefined) m.weight = weight;
      if (body.tags !== undefined) m.tags = tagList(body);
    });
    return { status: 200, body: { member: drop(c, m, ['pool_id']) } };
  });
  r.delete('/v2/lbaas/pools/{pool}/members/{id}', (req) => {
    writer(req);
    const m = member(req);
    deleteChild(c, 'members', m, () => c.o.members.delete(String(m.id)));
    return { status: 204 };
  });

  // health monitors
  r.get('/v2/lbaas/healthmonitors', (req) => list(c, req, c.o.healthmonitors, 'healthmonitors', ['pool_id']));
  r.post('/v2/lbaas/healthmonitors', (req) => {
    const auth = writer(req);
    const hm = createHm(c, auth, bodyOf(c, req, 'healthmonitor', HM_KEYS));
    return { status: 201, body: { healthmonitor: drop(c, hm, ['pool_id']) } };
  });
  r.get('/v2/lbaas/healthmonitors/{id}', (req) => ({
    status: 200,
    body: {
      healthmonitor: drop(c, fetch(c.o.healthmonitors, authOf(req), req.params.id!, 'Health Monitor'), ['pool_id']),
    },
  }));
  r.put('/v2/lbaas/healthmonitors/{id}', (req) => {
    const auth = writer(req);
    const hm = fetch(c.o.healthmonitors, auth, req.params.id!, 'Health Monitor');
    const body = bodyOf(
      c,
      req,
      'healthmonitor',
      HM_KEYS.filter((k) => !['pool_id', 'type', 'project_id', 'tenant_id'].includes(k)),
    );
    updateChild(c, 'healthmonitors', hm, () => hmFields(body, hm));
    return { status: 200, body: { healthmonitor: drop(c, hm, ['pool_id']) } };
  });
  r.delete('/v2/lbaas/healthmonitors/{id}', (req) => {
    const auth = writer(req);
    const hm = fetch(c.o.healthmonitors, auth, req.params.id!, 'Health Monitor');
    deleteChild(c, 'healthmonitors', hm, () => {
      const pool = c.o.pools.get(String(hm.pool_id));
      if (pool) pool.healthmonitor_id = null;
      for (const m of c.o.members.filter((x) => x.pool_id === hm.pool_id)) m.operating_status = 'NO_MONITOR';
      c.o.healthmonitors.delete(String(hm.id));
    });
    return { status: 204 };
  });

  // L7 policies
  r.get('/v2/lbaas/l7policies', (req) => {
    const reply = list(c, req, c.o.l7policies, 'l7policies');
    const body = reply.body as Obj;
    body.l7policies = (body.l7policies as Obj[]).map((p) => renderL7Policy(c, c.o.l7policies.get(String(p.id))!));
    return reply;
  });
  r.post('/v2/lbaas/l7policies', (req) => {
    const auth = writer(req);
    const p = createL7Policy(c, auth, bodyOf(c, req, 'l7policy', L7_KEYS));
    return { status: 201, body: { l7policy: renderL7Policy(c, p) } };
  });
  r.get('/v2/lbaas/l7policies/{id}', (req) => ({
    status: 200,
    body: { l7policy: renderL7Policy(c, fetch(c.o.l7policies, authOf(req), req.params.id!, 'L7 Policy')) },
  }));
  r.put('/v2/lbaas/l7policies/{id}', (req) => {
    const auth = writer(req);
    const p = fetch(c.o.l7policies, auth, req.params.id!, 'L7 Policy');
    const body = bodyOf(
      c,
      req,
      'l7policy',
      L7_KEYS.filter((k) => !['listener_id', 'project_id', 'tenant_id', 'rules'].includes(k)),
    );
    updateChild(c, 'l7policies', p, () => {
      const next = { ...p };
      l7Fields(c, auth, body, next);
      Object.assign(p, next);
    });
    return { status: 200, body: { l7policy: renderL7Policy(c, p) } };
  });
  r.delete('/v2/lbaas/l7policies/{id}', (req) => {
    const auth = writer(req);
    const p = fetch(c.o.l7policies, auth, req.params.id!, 'L7 Policy');
    deleteChild(c, 'l7policies', p, () => removeL7Policy(c, p));
    return { status: 204 };
  });

  // L7 rules
  r.get('/v2/lbaas/l7policies/{policy}/rules', (req) => {
    const policy = fetch(c.o.l7policies, authOf(req), req.params.policy!, 'L7 Policy');
    return list(c, req, c.o.l7rules, 'rules', ['l7policy_id'], (x) => x.l7policy_id === policy.id);
  });
  r.post('/v2/lbaas/l7policies/{policy}/rules', (req) => {
    const auth = writer(req);
    const policy = fetch(c.o.l7policies, auth, req.params.policy!, 'L7 Policy');
    const rule = ruleOf(c, auth, policy, bodyOf(c, req, 'rule', RULE_KEYS));
    const lb = activeLb(c, lbOfChild(c, 'l7policies', policy));
    c.o.l7rules.put(String(rule.id), rule);
    transition(c, lb, rule, 'PENDING_CREATE');
    return { status: 201, body: { rule: drop(c, rule, ['l7policy_id']) } };
  });
  const rule = (req: SimRequest): Obj => {
    const policy = fetch(c.o.l7policies, authOf(req), req.params.policy!, 'L7 Policy');
    const found = c.o.l7rules.get(req.params.id!);
    if (!found || found.l7policy_id !== policy.id) throw notFound('L7 Rule', req.params.id!);
    return found;
  };
  r.get('/v2/lbaas/l7policies/{policy}/rules/{id}', (req) => ({
    status: 200,
    body: { rule: drop(c, rule(req), ['l7policy_id']) },
  }));
  r.delete('/v2/lbaas/l7policies/{policy}/rules/{id}', (req) => {
    writer(req);
    const found = rule(req);
    deleteChild(c, 'l7rules', found, () => c.o.l7rules.delete(String(found.id)));
    return { status: 204 };
  });
  return r;
}
