/**
 * Designate v2 zones and recordsets, as designate (Pike 5.0 to 2025.1) answers them: bare JSON objects, 202 and
 * PENDING on every write, ACTIVE once the pool took the change (here after `DNS_PENDING_MS`, run lazily by the
 * region's jobs), the managed SOA and NS recordsets made with each zone, zone names global across projects
 * (`duplicate_zone`, 409), subzones of another project's zone refused (403), errors as
 * `{"code", "type", "message", "request_id"}`.
 */
import { clone, isObj, isoMicros, str, strings, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import type { AuthContext } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { designateOf } from './state.js';

/** How long a zone or recordset stays PENDING after a write. */
export const DNS_PENDING_MS = 30;
/** The pool's nameserver, the target of every zone's NS recordset. */
export const POOL_NAMESERVER = 'ns1.sim.test.';
const POOL_ID = '794ccc2c-d751-44fe-b57f-8894c9f5c842';
const DEFAULT_TTL = 3600;

/** Designate's error: the body the service server renders from `type` and `message`. */
export function dError(status: number, type: string, message: string): ApiError {
  return new ApiError(status, message, type);
}

function schemaError(detail: string): ApiError {
  return dError(400, 'invalid_object', `Provided object does not match schema: ${detail}`);
}

const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

/** A fully qualified name with its trailing dot. */
export function isFqdn(name: string): boolean {
  if (!name.endsWith('.') || name.length > 255) return false;
  const labels = name.slice(0, -1).split('.');
  return labels.length >= 1 && labels.every((l) => l === '*' || LABEL.test(l));
}

function now(): string {
  return isoMicros().replace(/\d{3}$/, '');
}

/** The zone as the API renders it (`shared` from 2023.2 on; `links` with the caller's base URL). */
export function renderZone(state: RegionState, zone: Obj, baseUrl: string): Obj {
  const out = clone(zone);
  if (!hasShared(state)) delete out.shared;
  out.links = { self: `${baseUrl}/v2/zones/${String(zone.id)}` };
  return out;
}

export function renderRecordset(rs: Obj, baseUrl: string): Obj {
  const out = clone(rs);
  delete out.managed;
  out.links = { self: `${baseUrl}/v2/zones/${String(rs.zone_id)}/recordsets/${String(rs.id)}` };
  return out;
}

function hasShared(state: RegionState): boolean {
  return state.profile.name === '2025.1';
}

/** Zones the caller may see: its project's (an admin sees every project's only with all_projects, not modelled). */
export function visibleZones(state: RegionState, auth: AuthContext): Obj[] {
  return designateOf(state)
    .zones.all()
    .filter((z) => z.project_id === auth.projectId && z.status !== 'DELETED');
}

export function getZone(state: RegionState, auth: AuthContext, id: string): Obj {
  const zone = designateOf(state).zones.get(id);
  if (!zone || zone.project_id !== auth.projectId) throw dError(404, 'zone_not_found', 'Could not find Zone');
  return zone;
}

function soaRecord(zone: Obj): string {
  const email = String(zone.email ?? 'hostmaster@example.com').replace('@', '.');
  return `${POOL_NAMESERVER} ${email}. ${String(zone.serial)} 3584 600 86400 3600`;
}

/** Goes PENDING now (with `action`), ACTIVE once the pool took it (a later request runs the job). */
function pend(state: RegionState, row: Obj, action: string, done?: () => void): void {
  row.status = 'PENDING';
  row.action = action;
  const version = Number(row.version ?? 0);
  state.jobs.schedule(DNS_PENDING_MS, () => {
    if (row.version !== version) return;
    if (done) done();
    else {
      row.status = 'ACTIVE';
      row.action = 'NONE';
    }
  });
}

/** A change of a zone's content: serial up, the SOA follows, the zone PENDING/UPDATE until the pool has it. */
function touchZone(state: RegionState, zone: Obj): void {
  zone.serial = Number(zone.serial) + 1;
  zone.version = Number(zone.version) + 1;
  zone.updated_at = now();
  const soa = designateOf(state).recordsets.find((r) => r.zone_id === zone.id && r.type === 'SOA');
  if (soa) soa.records = [soaRecord(zone)];
  // A zone still being created stays CREATE; its last change decides when it goes ACTIVE.
  pend(state, zone, zone.action === 'CREATE' ? 'CREATE' : 'UPDATE');
}

function ttlOf(body: Obj, key = 'ttl'): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2147483647)
    throw schemaError(`${String(value)} is not valid under any of the given schemas ('${key}')`);
  return value;
}

const ZONE_FIELDS = ['name', 'email', 'ttl', 'description', 'type', 'masters', 'attributes'];

export function createZone(state: RegionState, auth: AuthContext, body: Obj): Obj {
  for (const k of Object.keys(body))
    if (!ZONE_FIELDS.includes(k)) throw schemaError(`Additional properties are not allowed ('${k}' was unexpected)`);
  const name = str(body, 'name');
  if (name === undefined) throw schemaError("'name' is a required property");
  if (!isFqdn(name)) throw schemaError(`'${name}' is not a 'domainname'`);
  const type = (str(body, 'type') ?? 'PRIMARY').toUpperCase();
  if (type !== 'PRIMARY' && type !== 'SECONDARY') throw schemaError(`'${type}' is not one of ['PRIMARY', 'SECONDARY']`);
  const email = str(body, 'email');
  if (type === 'PRIMARY' && email === undefined) throw schemaError("'email' is a required property");
  if (email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(email)) throw schemaError(`'${email}' is not a 'email'`);
  const ttl = ttlOf(body);
  const description = body.description;
  if (
    description !== undefined &&
    description !== null &&
    (typeof description !== 'string' || description.length > 160)
  )
    throw schemaError("'description' is too long or not a string");
  const dns = designateOf(state);
  const lower = name.toLowerCase();
  const live = dns.zones.all().filter((z) => z.status !== 'DELETED');
  if (live.some((z) => String(z.name).toLowerCase() === lower)) throw dError(409, 'duplicate_zone', 'Duplicate Zone');
  const parent = live.find((z) => lower.endsWith(`.${String(z.name).toLowerCase()}`));
  if (parent && parent.project_id !== auth.projectId)
    throw dError(403, 'forbidden', 'Unable to create subzone in another tenants zone');
  const child = live.find((z) => String(z.name).toLowerCase().endsWith(`.${lower}`));
  if (child && child.project_id !== auth.projectId)
    throw dError(403, 'forbidden', 'Unable to create zone because another tenant owns a subzone of the zone');
  const id = state.uuid();
  const zone: Obj = {
    id,
    pool_id: POOL_ID,
    project_id: auth.projectId,
    name,
    email: email ?? null,
    ttl: ttl ?? DEFAULT_TTL,
    serial: Math.floor(Date.now() / 1000),
    status: 'PENDING',
    action: 'CREATE',
    description: typeof description === 'string' ? description : null,
    masters: type === 'SECONDARY' ? strings(body, 'masters') : [],
    type,
    transferred_at: null,
    version: 1,
    created_at: now(),
    updated_at: null,
    attributes: isObj(body.attributes) ? clone(body.attributes) : {},
    shared: false,
  };
  dns.zones.put(id, zone);
  if (type === 'PRIMARY') {
    addRecordset(state, zone, { name, type: 'SOA', records: [soaRecord(zone)], ttl: null }, true);
    addRecordset(state, zone, { name, type: 'NS', records: [POOL_NAMESERVER], ttl: null }, true);
  }
  pend(state, zone, 'CREATE');
  return zone;
}

export function updateZone(state: RegionState, auth: AuthContext, id: string, body: Obj): Obj {
  const zone = getZone(state, auth, id);
  for (const k of Object.keys(body)) {
    if (k === 'name' || k === 'type')
      throw dError(400, 'invalid_object', `Provided object does not match schema: '${k}' is read-only`);
    if (!['email', 'ttl', 'description'].includes(k))
      throw schemaError(`Additional properties are not allowed ('${k}' was unexpected)`);
  }
  if (zone.action === 'DELETE') throw dError(400, 'bad_request', 'Zone is being deleted');
  if (body.email !== undefined) zone.email = str(body, 'email') ?? zone.email;
  if (body.ttl !== undefined) zone.ttl = ttlOf(body) ?? DEFAULT_TTL;
  if (body.description !== undefined) zone.description = str(body, 'description') ?? null;
  zone.serial = Number(zone.serial) + 1;
  zone.version = Number(zone.version) + 1;
  zone.updated_at = now();
  const soa = designateOf(state).recordsets.find((r) => r.zone_id === zone.id && r.type === 'SOA');
  if (soa) soa.records = [soaRecord(zone)];
  pend(state, zone, 'UPDATE');
  return zone;
}

export function deleteZone(state: RegionState, auth: AuthContext, id: string): Obj {
  const zone = getZone(state, auth, id);
  const dns = designateOf(state);
  zone.version = Number(zone.version) + 1;
  pend(state, zone, 'DELETE', () => {
    for (const rs of dns.recordsets.filter((r) => r.zone_id === id)) dns.recordsets.delete(String(rs.id));
    dns.zones.delete(id);
  });
  return zone;
}

// Recordsets

const RS_FIELDS = ['name', 'type', 'records', 'ttl', 'description'];
const TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'SRV', 'TXT', 'SPF', 'NS', 'PTR', 'SSHFP', 'SOA', 'CAA', 'CERT', 'NAPTR'];
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function checkRecord(type: string, record: string): void {
  const bad = (): never => {
    throw dError(
      400,
      'invalid_object',
      `Provided object does not match schema: '${record}' is not a valid ${type} record`,
    );
  };
  switch (type) {
    case 'A':
      if (!IPV4.test(record)) bad();
      break;
    case 'AAAA':
      if (!record.includes(':') || !/^[0-9a-fA-F:.]+$/.test(record)) bad();
      break;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      if (!isFqdn(record)) bad();
      break;
    case 'MX': {
      const [pref, host, ...rest] = record.split(/\s+/);
      if (rest.length > 0 || !/^\d+$/.test(pref ?? '') || !isFqdn(host ?? '')) bad();
      break;
    }
    case 'SRV': {
      const parts = record.split(/\s+/);
      if (parts.length !== 4 || !parts.slice(0, 3).every((p) => /^\d+$/.test(p)) || !isFqdn(parts[3]!)) bad();
      break;
    }
    default:
      if (record.length === 0) bad();
  }
}

function addRecordset(state: RegionState, zone: Obj, body: Obj, managed = false): Obj {
  const id = state.uuid();
  const rs: Obj = {
    id,
    project_id: zone.project_id,
    zone_id: zone.id,
    zone_name: zone.name,
    name: body.name,
    type: body.type,
    records: [...(body.records as string[])],
    ttl: body.ttl ?? null,
    description: body.description ?? null,
    status: 'PENDING',
    action: 'CREATE',
    version: 1,
    created_at: now(),
    updated_at: null,
    managed,
  };
  designateOf(state).recordsets.put(id, rs);
  pend(state, rs, 'CREATE');
  return rs;
}

export function recordsetsOf(state: RegionState, zone: Obj): Obj[] {
  return designateOf(state).recordsets.filter((r) => r.zone_id === zone.id);
}

export function getRecordset(state: RegionState, zone: Obj, id: string): Obj {
  const rs = designateOf(state).recordsets.get(id);
  if (!rs || rs.zone_id !== zone.id) throw dError(404, 'recordset_not_found', 'Could not find RecordSet');
  return rs;
}

function checkRecords(type: string, body: Obj): string[] {
  const records = body.records;
  if (!Array.isArray(records) || records.some((r) => typeof r !== 'string'))
    throw schemaError("'records' is a required property and must be a list of strings");
  const list = records as string[];
  if (new Set(list).size !== list.length) throw schemaError("'records' has non-unique elements");
  for (const r of list) checkRecord(type, r);
  if (type === 'CNAME' && list.length > 1)
    throw dError(400, 'bad_request', 'CNAME recordsets may not have more than 1 record');
  return list;
}

export function createRecordset(state: RegionState, zone: Obj, body: Obj): Obj {
  for (const k of Object.keys(body))
    if (!RS_FIELDS.includes(k)) throw schemaError(`Additional properties are not allowed ('${k}' was unexpected)`);
  if (zone.action === 'DELETE') throw dError(400, 'bad_request', 'Zone is being deleted');
  const name = str(body, 'name');
  const type = str(body, 'type');
  if (name === undefined) throw schemaError("'name' is a required property");
  if (type === undefined) throw schemaError("'type' is a required property");
  if (!TYPES.includes(type)) throw schemaError(`'${type}' is not one of [${TYPES.map((t) => `'${t}'`).join(', ')}]`);
  if (type === 'SOA') throw dError(400, 'bad_request', 'Creating a SOA recordset is not allowed');
  if (!isFqdn(name)) throw schemaError(`'${name}' is not a 'hostname'`);
  const zoneName = String(zone.name).toLowerCase();
  const lower = name.toLowerCase();
  if (lower !== zoneName && !lower.endsWith(`.${zoneName}`))
    throw dError(400, 'invalid_recordset_location', "RecordSet is not contained within it's parent zone");
  if (type === 'NS' && lower === zoneName)
    throw dError(400, 'bad_request', 'NS recordsets at the zone apex are managed by the DNS service');
  const records = checkRecords(type, body);
  const ttl = ttlOf(body);
  const same = recordsetsOf(state, zone).filter((r) => String(r.name).toLowerCase() === lower);
  if (same.some((r) => r.type === type)) throw dError(409, 'duplicate_recordset', 'Duplicate RecordSet');
  if (type === 'CNAME' && same.length > 0)
    throw dError(400, 'invalid_recordset_location', 'CNAME recordsets may not be created where other recordsets exist');
  if (same.some((r) => r.type === 'CNAME'))
    throw dError(400, 'invalid_recordset_location', 'Recordsets may not be created where a CNAME recordset exists');
  const rs = addRecordset(state, zone, {
    name,
    type,
    records,
    ttl: ttl ?? null,
    description: str(body, 'description') ?? null,
  });
  touchZone(state, zone);
  return rs;
}

export function updateRecordset(state: RegionState, zone: Obj, id: string, body: Obj): Obj {
  const rs = getRecordset(state, zone, id);
  for (const k of Object.keys(body)) {
    if (k === 'name' || k === 'type') throw schemaError(`'${k}' is read-only`);
    if (!RS_FIELDS.includes(k)) throw schemaError(`Additional properties are not allowed ('${k}' was unexpected)`);
  }
  if (rs.managed) throw dError(403, 'forbidden', 'Managed records may not be updated');
  if (body.records !== undefined) rs.records = checkRecords(String(rs.type), body);
  if (body.ttl !== undefined) rs.ttl = body.ttl === null ? null : (ttlOf(body) ?? null);
  if (body.description !== undefined) rs.description = str(body, 'description') ?? null;
  rs.version = Number(rs.version) + 1;
  rs.updated_at = now();
  pend(state, rs, 'UPDATE');
  touchZone(state, zone);
  return rs;
}

export function deleteRecordset(state: RegionState, zone: Obj, id: string): Obj {
  const rs = getRecordset(state, zone, id);
  if (rs.managed) throw dError(403, 'forbidden', 'Managed records may not be deleted');
  rs.version = Number(rs.version) + 1;
  pend(state, rs, 'DELETE', () => designateOf(state).recordsets.delete(id));
  touchZone(state, zone);
  return rs;
}

/** Filters by the exact-match query fields Designate supports (`*` wildcards in name and description). */
export function filterRows(rows: Obj[], query: URLSearchParams, fields: readonly string[]): Obj[] {
  let out = rows;
  for (const field of fields) {
    const wanted = query.get(field);
    if (wanted === null) continue;
    const pattern = new RegExp(`^${wanted.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
    out = out.filter((row) => {
      const value = row[field];
      return value !== undefined && value !== null && pattern.test(String(value));
    });
  }
  return out;
}
