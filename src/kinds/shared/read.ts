/**
 * Helpers shared by the readers: a per-run cache for the lists several kinds need (ports, subnets, security groups,
 * volumes, server groups, flavors), Neutron's project filter, and small normalisers that keep specs free of empty
 * values so that two clouds that say the same thing in different ways export the same spec.
 */
import * as flavors from '../../openstack/compute/flavors/requests.js';
import type { Flavor } from '../../openstack/compute/flavors/types.js';
import * as serverGroups from '../../openstack/compute/server-groups/requests.js';
import type { ServerGroup } from '../../openstack/compute/server-groups/requests.js';
import * as volumeTypes from '../../openstack/block-storage/types/requests.js';
import type { VolumeType } from '../../openstack/block-storage/types/requests.js';
import * as volumes from '../../openstack/block-storage/volumes/requests.js';
import type { Volume } from '../../openstack/block-storage/volumes/types.js';
import * as floatingIps from '../../openstack/network/floating-ips/requests.js';
import type { FloatingIp } from '../../openstack/network/floating-ips/types.js';
import * as ports from '../../openstack/network/ports/requests.js';
import type { Port } from '../../openstack/network/ports/types.js';
import * as securityGroups from '../../openstack/network/security-groups/requests.js';
import type { SecurityGroup } from '../../openstack/network/security-groups/types.js';
import * as subnets from '../../openstack/network/subnets/requests.js';
import type { Subnet } from '../../openstack/network/subnets/types.js';
import { collect } from '../../openstack/pagination.js';
import type { Query } from '../../openstack/service-client.js';
import { parseIp } from '../../plan/ip.js';
import { TEMPORARY_PROPERTY } from '../../transfer/workload.js';
import type { PlanKind } from '../../plan/types.js';
import type { ReadContext } from '../kind.js';
import { userTags, withoutMarker } from '../markers.js';

/** Page size for list requests: large pages, few requests (Neutron, Nova and Cinder accept `limit`). */
export const PAGE_SIZE = 1000;

const CACHE = Symbol.for('bascule.read.cache');
const fallbackCaches = new WeakMap<object, Map<string, Promise<unknown>>>();

type WithCache = { [CACHE]?: Map<string, Promise<unknown>> };

/**
 * Gives a context a cache shared by every copy made of it with object spread (`{...ctx, cloud}`), so that a list
 * several readers need (ports, volumes...) is read once per run. The exporter calls this on its base context.
 */
export function withReadCache<C extends ReadContext>(ctx: C): C {
  Object.defineProperty(ctx, CACHE, {
    value: new Map<string, Promise<unknown>>(),
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return ctx;
}

function cacheOf(ctx: ReadContext): Map<string, Promise<unknown>> {
  const own = (ctx as WithCache)[CACHE];
  if (own) return own;
  let cache = fallbackCaches.get(ctx);
  if (!cache) {
    cache = new Map();
    fallbackCaches.set(ctx, cache);
  }
  return cache;
}

/** Runs `load` once per run and key; later callers share the promise (a failure is shared too). */
export function memo<T>(ctx: ReadContext, key: string, load: () => Promise<T>): Promise<T> {
  const cache = cacheOf(ctx);
  let value = cache.get(key) as Promise<T> | undefined;
  if (!value) {
    value = load();
    cache.set(key, value);
  }
  return value;
}

/** A value remembered for the run (not a promise): e.g. the embedded flavors the server reader saw. */
export function runMap<V>(ctx: ReadContext, key: string): Map<string, V> {
  const cache = cacheOf(ctx);
  let holder = cache.get(`map:${key}`) as (Promise<unknown> & { map?: Map<string, V> }) | undefined;
  if (!holder) {
    holder = Object.assign(Promise.resolve(undefined), { map: new Map<string, V>() });
    cache.set(`map:${key}`, holder);
  }
  return holder.map!;
}

const sig = (ctx: ReadContext) => ({ signal: ctx.signal });

/** Neutron's filter for "owned by this project": `project_id` (project-id extension, Newton+), else `tenant_id`. */
export function ownerQuery(ctx: ReadContext): Query {
  return ctx.extensions.has('project-id') ? { project_id: ctx.projectId } : { tenant_id: ctx.projectId };
}

/** Neutron: does this object belong to the project (some servers ignore the filter for shared objects)? */
export function ownedByProject(ctx: ReadContext, wire: { project_id?: string; tenant_id?: string }): boolean {
  const owner = wire.project_id ?? wire.tenant_id;
  return owner === undefined || owner === ctx.projectId;
}

export function listProjectPorts(ctx: ReadContext): Promise<Port[]> {
  return memo(ctx, 'ports', async () =>
    (await collect(ports.list(ctx.cloud.network, ownerQuery(ctx), { pageSize: PAGE_SIZE, ...sig(ctx) }))).filter((p) =>
      ownedByProject(ctx, p),
    ),
  );
}

/** The project's floating IPs (their reader and the port forwardings' read the same list). */
export function listProjectFloatingIps(ctx: ReadContext): Promise<FloatingIp[]> {
  return memo(ctx, 'floating-ips', async () =>
    (await collect(floatingIps.list(ctx.cloud.network, ownerQuery(ctx), { pageSize: PAGE_SIZE, ...sig(ctx) }))).filter(
      (f) => ownedByProject(ctx, f),
    ),
  );
}

export function listProjectSubnets(ctx: ReadContext): Promise<Subnet[]> {
  return memo(ctx, 'subnets', async () =>
    (await collect(subnets.list(ctx.cloud.network, ownerQuery(ctx), { pageSize: PAGE_SIZE, ...sig(ctx) }))).filter(
      (s) => ownedByProject(ctx, s),
    ),
  );
}

export function listProjectSecurityGroups(ctx: ReadContext): Promise<SecurityGroup[]> {
  return memo(ctx, 'security-groups', async () =>
    (
      await collect(securityGroups.list(ctx.cloud.network, ownerQuery(ctx), { pageSize: PAGE_SIZE, ...sig(ctx) }))
    ).filter((g) => ownedByProject(ctx, g)),
  );
}

/** Cinder lists the project's volumes to a member (no all_tenants). */
export function listProjectVolumes(ctx: ReadContext): Promise<Volume[]> {
  return memo(ctx, 'volumes', () =>
    collect(volumes.list(ctx.cloud.blockStorage, undefined, { pageSize: PAGE_SIZE, ...sig(ctx) })),
  );
}

export function listServerGroups(ctx: ReadContext): Promise<ServerGroup[]> {
  return memo(ctx, 'server-groups', () => collect(serverGroups.list(ctx.cloud.compute, ctx.signal)));
}

/** Every flavor the project can see (public and shared private ones), with extra specs from compute 2.61. */
export function listFlavors(ctx: ReadContext): Promise<Flavor[]> {
  return memo(ctx, 'flavors', () =>
    collect(flavors.list(ctx.cloud.compute, undefined, { pageSize: PAGE_SIZE, ...sig(ctx) })),
  );
}

export function listVolumeTypes(ctx: ReadContext): Promise<VolumeType[]> {
  return memo(ctx, 'volume-types', () => collect(volumeTypes.list(ctx.cloud.blockStorage, undefined, sig(ctx))));
}

// ---------------------------------------------------------------------------------------------------------------
// Normalisers: a spec carries a value only when it says something.

/** Non-empty string, else undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** User tags (Bascule's markers removed), sorted; undefined when none. */
export function tagsOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const tags = [...new Set(userTags(value.filter((t): t is string => typeof t === 'string' && t !== '')))].sort();
  return tags.length > 0 ? tags : undefined;
}

/** String key/value metadata without Bascule's marker; values that are not strings are stringified; undefined when empty. */
export function metadataOf(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const clean = withoutMarker(value as Record<string, unknown>);
  const out: Record<string, string> = {};
  for (const key of Object.keys(clean).sort()) {
    const item = clean[key];
    if (item === null || item === undefined || key === '') continue;
    out[key] = typeof item === 'string' ? item : JSON.stringify(item);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A list, or undefined when empty. */
export function listOf<T>(value: readonly T[] | undefined | null): T[] | undefined {
  return value && value.length > 0 ? [...value] : undefined;
}

/** Cinder's `bootable` is the string "true"/"false"; Nova's config_drive is "", "True" or a boolean. */
export function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return ['true', 'yes', '1', 'on'].includes(value.trim().toLowerCase());
  return false;
}

/** Removes undefined properties (so `{a: undefined}` and `{}` are the same spec). */
export function compact<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = item;
  return out as T;
}

/** Orders IP addresses and CIDRs numerically (IPv4 before IPv6), falling back to text. */
export function compareAddresses(a: string, b: string): number {
  const pa = parseIp(a.split('/')[0] ?? a);
  const pb = parseIp(b.split('/')[0] ?? b);
  if (pa && pb) {
    if (pa.version !== pb.version) return pa.version - pb.version;
    if (pa.value !== pb.value) return pa.value < pb.value ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders device names as the kernel does: /dev/vdb < /dev/vdc < ... < /dev/vdz < /dev/vdaa. */
export function compareDevices(a: string | null | undefined, b: string | null | undefined): number {
  const x = a ?? '\uffff';
  const y = b ?? '\uffff';
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
}

/** Creation order, then id: a stable order for objects the API gives in no defined order. */
export function byCreation(
  a: { created_at?: string | undefined; id: string },
  b: { created_at?: string | undefined; id: string },
): number {
  const ca = a.created_at ?? '';
  const cb = b.created_at ?? '';
  return ca < cb ? -1 : ca > cb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The message of an error, short. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Leaves out what Bascule made for itself while moving data (temporary images, volumes and snapshots carrying
 * `bascule_temporary`, e.g. left by a failed apply): they are not the project's own, so export and audit do not
 * take them for it. Each one is named in a warning, never dropped silently.
 */
export function withoutTemporaries<T extends { id: string; name?: string | null }>(
  ctx: ReadContext,
  kind: PlanKind,
  items: readonly T[],
  values: (item: T) => Readonly<Record<string, unknown>> | null | undefined,
): T[] {
  return items.filter((item) => {
    const marker = values(item)?.[TEMPORARY_PROPERTY];
    if (typeof marker !== 'string' || marker === '') return true;
    const name = item.name || item.id;
    ctx.warn({
      kind,
      resource: name,
      code: 'TEMPORARY_LEFT_OUT',
      message: `${kind} ${name} (${item.id}) is a temporary copy Bascule made while moving data (${TEMPORARY_PROPERTY}); it is not the project's own and is left out (\`bascule rollback\` with the run's journal removes it)`,
    });
    return false;
  });
}
