/**
 * Designate recordsets, under their zone: `/v2/zones/{zone_id}/recordsets`. Bare objects (no envelope), PUT for
 * updates, 202 and PENDING on every write (`waitActive`). The SOA and apex NS recordsets are the service's own: it
 * makes them with the zone and refuses changes to them.
 */
import type { Query, ServiceClient } from '../../service-client.js';
import { paginate } from '../../pagination.js';
import { waitOrThrow } from '../../waiter.js';
import type { CallOptions } from '../../resource.js';
import type { Recordset, RecordsetCreateOpts, RecordsetUpdateOpts } from './types.js';

const under = (zoneId: string): string => `/zones/${encodeURIComponent(zoneId)}/recordsets`;
const one = (zoneId: string, id: string): string => `${under(zoneId)}/${encodeURIComponent(id)}`;

/** The recordsets of one zone, the managed SOA and NS included. */
export function list(
  sc: ServiceClient,
  zoneId: string,
  query?: Query,
  options: CallOptions & { pageSize?: number } = {},
): AsyncGenerator<Recordset, void, undefined> {
  const { pageSize, ...rest } = options;
  return paginate<Recordset>(sc, under(zoneId), {
    ...rest,
    key: 'recordsets',
    strategy: 'links',
    ...(query ? { query } : {}),
    ...(pageSize !== undefined ? { pageSize } : {}),
  });
}

export function get(sc: ServiceClient, zoneId: string, id: string, options: CallOptions = {}): Promise<Recordset> {
  return sc.get<Recordset>(one(zoneId, id), options);
}

export async function create(
  sc: ServiceClient,
  zoneId: string,
  body: RecordsetCreateOpts,
  options: CallOptions = {},
): Promise<Recordset> {
  const response = await sc.request<Recordset>('POST', under(zoneId), { ...options, json: body, okStatus: [201, 202] });
  return response.data;
}

export async function update(
  sc: ServiceClient,
  zoneId: string,
  id: string,
  body: RecordsetUpdateOpts,
  options: CallOptions = {},
): Promise<Recordset> {
  const response = await sc.request<Recordset>('PUT', one(zoneId, id), {
    ...options,
    json: body,
    okStatus: [200, 202],
  });
  return response.data;
}

export async function remove(sc: ServiceClient, zoneId: string, id: string, options: CallOptions = {}): Promise<void> {
  await sc.request('DELETE', one(zoneId, id), { ...options, okStatus: [200, 202, 204] });
}

/** Polls the recordset until ACTIVE (ERROR fails). */
export function waitActive(
  sc: ServiceClient,
  rs: Pick<Recordset, 'id' | 'zone_id' | 'name' | 'type'>,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Recordset> {
  return waitOrThrow(`DNS recordset ${rs.name} ${rs.type}`, {
    poll: () => get(sc, rs.zone_id, rs.id, options.signal ? { signal: options.signal } : {}),
    status: (r) => String(r.status),
    ready: ['ACTIVE'],
    failed: ['ERROR'],
    timeoutMs: options.timeoutMs ?? 300_000,
    intervalMs: 500,
    maxIntervalMs: 3_000,
    ...(options.signal ? { signal: options.signal } : {}),
    faultMessage: (r) => `its zone's pool did not take the ${r.action && r.action !== 'NONE' ? r.action : 'change'}`,
  });
}
