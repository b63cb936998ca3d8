import { clone, isObj, isoSeconds, type Obj } from '../core/json.js';
import { parseLimit } from '../core/paginate.js';
import type { Table } from '../core/table.js';
import { ApiError } from '../http/api-error.js';
import { authOf, type AuthContext, type Reply, type SimRequest } from '../http/context.js';
import type { RegionState } from '../state/region.js';

const COMMON_FILTERS = ['id', 'tenant_id', 'project_id', 'description', 'revision_number'];

/** Attributes each collection lets you filter on (Neutron's `is_filter`); others are 400 under filter-validation. */
const FILTERS: Record<string, string[]> = {
  networks: [
    'name',
    'admin_state_up',
    'status',
    'shared',
    'router:external',
    'mtu',
    'port_security_enabled',
    'provider:network_type',
    'provider:physical_network',
    'provider:segmentation_id',
    'is_default',
    'qos_policy_id',
    'dns_domain',
    'ipv4_address_scope',
    'ipv6_address_scope',
    'availability_zone_hints',
  ],
  subnets: [
    'name',
    'network_id',
    'ip_version',
    'cidr',
    'gateway_ip',
    'enable_dhcp',
    'ipv6_ra_mode',
    'ipv6_address_mode',
    'subnetpool_id',
    'segment_id',
    'dns_publish_fixed_ip',
    'service_types',
  ],
  ports: [
    'name',
    'network_id',
    'mac_address',
    'fixed_ips',
    'device_id',
    'device_owner',
    'admin_state_up',
    'status',
    'binding:host_id',
    'binding:vnic_type',
    'security_groups',
    'ip_allocation',
    'dns_name',
    'port_security_enabled',
  ],
  routers: ['name', 'admin_state_up', 'status', 'distributed', 'ha', 'flavor_id', 'enable_ndp_proxy'],
  floatingips: ['floating_ip_address', 'floating_network_id', 'router_id', 'port_id', 'fixed_ip_address', 'status'],
  security_groups: ['name', 'stateful', 'shared'],
  security_group_rules: [
    'security_group_id',
    'direction',
    'ethertype',
    'protocol',
    'port_range_min',
    'port_range_max',
    'remote_ip_prefix',
    'remote_group_id',
    'remote_address_group_id',
    'normalized_cidr',
    'belongs_to_default_sg',
  ],
};

const RESERVED = new Set([
  'limit',
  'marker',
  'page_reverse',
  'fields',
  'sort_key',
  'sort_dir',
  'tags',
  'tags-any',
  'not-tags',
  'not-tags-any',
]);

export function nError(status: number, type: string, message: string): ApiError {
  return new ApiError(status, message, type);
}

/** Attributes that exist only with an extension: dropped from renders where the profile lacks it. */
const EXTENSION_FIELDS: Record<string, string> = {
  dns_domain: 'dns-integration',
  dns_name: 'dns-integration',
  dns_assignment: 'dns-integration',
  qos_policy_id: 'qos',
  propagate_uplink_status: 'uplink-status-propagation',
  port_forwardings: 'expose-port-forwarding-in-fip',
  port_details: 'fip-port-details',
  dns_publish_fixed_ip: 'subnet-dns-publish-fixed-ip',
  stateful: 'stateful-security-group',
  remote_address_group_id: 'security-groups-remote-address-group',
  normalized_cidr: 'security-groups-normalized-cidr',
  belongs_to_default_sg: 'security-groups-default-rules',
  l2_adjacency: 'l2_adjacency',
  segment_id: 'segment',
};

export function dropUnsupported(state: RegionState, o: Obj): Obj {
  const exts = state.profile.neutron.extensions;
  for (const [field, alias] of Object.entries(EXTENSION_FIELDS)) {
    if (field in o && !exts.includes(alias)) delete o[field];
  }
  return o;
}

/** The `{"<key>": {...}}` envelope of a create/update body, or Neutron's 400. */
export function envelope(req: SimRequest, key: string): Obj {
  const body = req.body;
  if (!isObj(body) || !isObj(body[key])) {
    throw nError(400, 'HTTPBadRequest', `Resource body required`);
  }
  return body[key];
}

/** Standard attributes every Neutron resource carries. */
export function standardAttrs(projectId: string, description = ''): Obj {
  const now = isoSeconds();
  return {
    tenant_id: projectId,
    project_id: projectId,
    description,
    tags: [],
    created_at: now,
    updated_at: now,
    revision_number: 0,
  };
}

export function touch(o: Obj): void {
  o.updated_at = isoSeconds();
  o.revision_number = Number(o.revision_number ?? 0) + 1;
}

/** May the caller see a resource owned by `projectId`? */
export function canSee(auth: AuthContext, projectId: unknown): boolean {
  return auth.isAdmin || projectId === auth.projectId;
}

/** The rows of `table` the caller can see (canSee), from the table's per-project index rather than a scan. */
export function visibleRows<T extends Obj>(table: Table<T>, auth: AuthContext): T[] {
  if (auth.isAdmin) return table.all();
  if (typeof auth.projectId === 'string') return table.ofProject(auth.projectId);
  return table.filter((x) => canSee(auth, x.project_id));
}

export function ensureWriter(auth: AuthContext, state: RegionState): void {
  if (state.profile.keystone.hasScopedRbac && auth.isReaderOnly) {
    throw nError(403, 'PolicyNotAuthorized', 'rule:admin_or_owner is disallowed by policy');
  }
}

/** The project a create is for: the caller's, or (admin only) the one the body names. */
export function ownerFor(auth: AuthContext, body: Obj): string {
  const asked = (body.project_id ?? body.tenant_id) as string | undefined;
  if (asked !== undefined && asked !== auth.projectId && !auth.isAdmin) {
    throw nError(
      403,
      'PolicyNotAuthorized',
      `(rule:create_resource and rule:create_resource:tenant_id) is disallowed by policy`,
    );
  }
  const owner = asked ?? auth.projectId;
  if (!owner)
    throw nError(400, 'HTTPBadRequest', 'Running without keystone AuthN requires that tenant_id is specified');
  return owner;
}

function matchesValue(actual: unknown, wanted: string[]): boolean {
  return wanted.some((w) => {
    if (typeof actual === 'boolean')
      return String(actual) === w.toLowerCase() || (w === '1' && actual) || (w === '0' && !actual);
    if (actual === null || actual === undefined) return w === '' || w === 'None';
    if (Array.isArray(actual)) return actual.map(String).includes(w);
    return String(actual) === w;
  });
}

function matchesFixedIps(item: Obj, wanted: string[]): boolean {
  const fixed = (item.fixed_ips as Obj[] | undefined) ?? [];
  return wanted.every((w) => {
    const [k, v] = w.split('=');
    return fixed.some((f) => k !== undefined && String(f[k]) === v);
  });
}

/**
 * Filters, sorts, paginates and trims a Neutron collection, and renders `<key>_links`. Filters see the
 * stored records; only the returned page is rendered (so a 10,000-item collection stays cheap).
 */
export function neutronList(
  req: SimRequest,
  key: string,
  records: Obj[],
  render: (o: Obj) => Obj = clone,
  validate = false,
): Reply {
  const q = req.query;
  let items = records;
  if (validate) {
    const allowed = new Set([...COMMON_FILTERS, ...(FILTERS[key] ?? [])]);
    const invalid = [...new Set(q.keys())].filter((k) => !RESERVED.has(k) && !allowed.has(k));
    if (invalid.length)
      throw nError(
        400,
        'HTTPBadRequest',
        `[${invalid.map((k) => `'${k}'`).join(', ')}] is invalid attribute for filtering`,
      );
  }
  for (const name of new Set(q.keys())) {
    if (RESERVED.has(name)) continue;
    const wanted = q.getAll(name);
    if (name === 'fixed_ips') {
      items = items.filter((i) => matchesFixedIps(i, wanted));
    } else {
      // Computed attributes (a port's status, ...) exist only once rendered.
      items = items.filter((i) => matchesValue(name in i ? i[name] : render(i)[name], wanted));
    }
  }
  const tagSets = (n: string): string[][] => q.getAll(n).map((v) => v.split(',').filter((t) => t));
  for (const tags of tagSets('tags')) items = items.filter((i) => tags.every((t) => (i.tags as string[]).includes(t)));
  for (const tags of tagSets('tags-any'))
    items = items.filter((i) => tags.some((t) => (i.tags as string[]).includes(t)));
  for (const tags of tagSets('not-tags'))
    items = items.filter((i) => !tags.every((t) => (i.tags as string[]).includes(t)));
  for (const tags of tagSets('not-tags-any'))
    items = items.filter((i) => !tags.some((t) => (i.tags as string[]).includes(t)));

  const limit = parseLimit(q.get('limit'));
  if (Number.isNaN(limit))
    throw nError(
      400,
      'BadRequest',
      `Bad limit request: Limit must be an integer 0 or greater and not '${q.get('limit') ?? ''}'.`,
    );
  const marker = q.get('marker') ?? undefined;
  const sortKey = q.get('sort_key');
  if (sortKey) {
    const dir = q.get('sort_dir') === 'desc' ? -1 : 1;
    items = [...items].sort((a, b) => dir * compare(a[sortKey], b[sortKey]) || compare(a.id, b.id));
  } else if (limit || marker) {
    items = [...items].sort((a, b) => compare(a.id, b.id));
  }
  const body: Obj = {};
  if (limit) {
    const reverse = ['true', 'True', '1'].includes(q.get('page_reverse') ?? '');
    let page: Obj[];
    if (reverse) {
      const idx = marker === undefined ? items.length : items.findIndex((i) => i.id === marker);
      const end = idx < 0 ? 0 : idx;
      page = items.slice(Math.max(0, end - limit), end);
    } else {
      let start = 0;
      if (marker !== undefined) {
        const idx = items.findIndex((i) => i.id === marker);
        start = idx < 0 ? items.length : idx + 1;
      }
      page = items.slice(start, start + limit);
    }
    const links: Obj[] = [];
    const base = `${req.baseUrl}${req.path}`;
    const params = (m: string | undefined, isReverse: boolean): string => {
      const p = new URLSearchParams(q);
      p.delete('marker');
      p.delete('page_reverse');
      if (m !== undefined) p.set('marker', m);
      if (isReverse) p.set('page_reverse', 'True');
      return p.toString();
    };
    // As neutron/api/api_common.py get_pagination_links: next unless a short forward page, previous unless a short reverse one.
    if (!(page.length < limit && !reverse))
      links.push({ rel: 'next', href: `${base}?${params(page.at(-1)?.id as string | undefined, false)}` });
    if (!(page.length < limit && reverse))
      links.push({ rel: 'previous', href: `${base}?${params(page[0]?.id as string | undefined, true)}` });
    items = page;
    body[`${key}_links`] = links;
  }
  const fields = q.getAll('fields');
  const rendered = items.map(render);
  body[key] = fields.length ? rendered.map((i) => pick(i, fields)) : rendered;
  return { status: 200, body };
}

/** Trims one rendered resource to `fields`, for show requests. */
export function neutronShow(req: SimRequest, key: string, rendered: Obj): Reply {
  const fields = req.query.getAll('fields');
  return { status: 200, body: { [key]: fields.length ? pick(rendered, fields) : rendered } };
}

function pick(o: Obj, fields: string[]): Obj {
  const out: Obj = {};
  for (const f of fields) if (f in o) out[f] = o[f];
  return out;
}

function compare(a: unknown, b: unknown): number {
  const x = String(a ?? '');
  const y = String(b ?? '');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Applies the updatable keys of `body` to `record`; anything else is Neutron's 400. */
export function applyUpdate(record: Obj, body: Obj, allowed: string[], resource: string): void {
  for (const [k, v] of Object.entries(body)) {
    if (!allowed.includes(k)) {
      throw nError(400, 'HTTPBadRequest', `Cannot update read-only attribute ${k}`);
    }
    record[k] = clone(v);
  }
  void resource;
  touch(record);
}

export function callerOf(req: SimRequest): AuthContext {
  return authOf(req);
}
