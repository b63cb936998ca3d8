/**
 * Designate `/v2/zones`. Unlike Neutron or Nova, Designate sends and answers bare objects (no `{"zone": ...}`
 * envelope), lists as `{"zones": [...], "links": {"next": ...}}`, updates with PATCH and answers every write with 202
 * and the zone in PENDING: `waitActive` polls until the pool has taken the change (ACTIVE) or failed it (ERROR).
 */
import type { Query, ServiceClient } from '../../service-client.js';
import { paginate } from '../../pagination.js';
import { waitOrThrow } from '../../waiter.js';
import type { CallOptions } from '../../resource.js';
import type { Zone, ZoneCreateOpts, ZoneUpdateOpts } from './types.js';

const PATH = '/zones';

/** Zones the token's project owns (`all_projects` and shared zones are not asked for). */
export function list(
  sc: ServiceClient,
  query?: Query,
  options: CallOptions & { pageSize?: number } = {},
): AsyncGenerator<Zone, void, undefined> {
  const { pageSize, ...rest } = options;
  return paginate<Zone>(sc, PATH, {
    ...rest,
    key: 'zones',
    strategy: 'links',
    ...(query ? { query } : {}),
    ...(pageSize !== undefined ? { pageSize } : {}),
  });
}

export function get(sc: ServiceClient, id: string, options: CallOptions = {}): Promise<Zone> {
  return sc.get<Zone>(`${PATH}/${encodeURIComponent(id)}`, options);
}

export async function create(sc: ServiceClient, body: ZoneCreateOpts, options: CallOptions = {}): Promise<Zone> {
  const response = await sc.request<Zone>('POST', PATH, { ...options, json: body, okStatus: [201, 202] });
  return response.data;
}

export async function update(
  sc: ServiceClient,
  id: string,
  body: ZoneUpdateOpts,
  options: CallOptions = {},
): Promise<Zone> {
  const response = await sc.request<Zone>('PATCH', `${PATH}/${encodeURIComponent(id)}`, {
    ...options,
    json: body,
    okStatus: [200, 202],
  });
  return response.data;
}

/** Asks for the zone's deletion (202: it goes PENDING/DELETE, then disappears). */
export async function remove(sc: ServiceClient, id: string, options: CallOptions = {}): Promise<void> {
  await sc.request('DELETE', `${PATH}/${encodeURIComponent(id)}`, { ...options, okStatus: [200, 202, 204] });
}

/** Polls the zone until ACTIVE (ERROR fails, naming the zone and its pending action). */
export function waitActive(
  sc: ServiceClient,
  zone: Pick<Zone, 'id' | 'name'>,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Zone> {
  return waitOrThrow(`DNS zone ${zone.name}`, {
    poll: () => get(sc, zone.id, options.signal ? { signal: options.signal } : {}),
    status: (z) => String(z.status),
    ready: ['ACTIVE'],
    failed: ['ERROR'],
    timeoutMs: options.timeoutMs ?? 300_000,
    intervalMs: 500,
    maxIntervalMs: 3_000,
    ...(options.signal ? { signal: options.signal } : {}),
    faultMessage: (z) =>
      `its pool's backends did not take the ${z.action && z.action !== 'NONE' ? z.action : 'change'}`,
  });
}
