/**
 * The project's primary DNS zones (Designate GET /v2/zones), when the cloud has a DNS service. Secondary zones (copied
 * from masters elsewhere) are named as unsupported, not exported; zones being deleted are left out.
 */
import { dnsClient, hasDns } from '../../openstack/dns/client.js';
import * as zones from '../../openstack/dns/zones/requests.js';
import type { Zone } from '../../openstack/dns/zones/types.js';
import { collect } from '../../openstack/pagination.js';
import type { DraftEntry, KindReader, ReadContext } from '../kind.js';
import { compact, memo, PAGE_SIZE, text } from '../shared/read.js';

/** The project's zones, read once per export (the recordset reader walks them too). */
export function listProjectZones(ctx: ReadContext): Promise<Zone[]> {
  return memo(ctx, 'dns-zones', async () => {
    if (!(await hasDns(ctx.cloud, ctx.signal))) return [];
    const all = await collect(zones.list(dnsClient(ctx.cloud), undefined, { pageSize: PAGE_SIZE, signal: ctx.signal }));
    return all.filter(
      (z) =>
        (z.project_id === undefined || z.project_id === ctx.projectId) &&
        z.status !== 'DELETED' &&
        z.action !== 'DELETE',
    );
  });
}

/** Whether Bascule moves the zone: a primary one (a secondary zone's records belong to its masters). */
export function isPrimary(zone: Zone): boolean {
  return (zone.type ?? 'PRIMARY').toUpperCase() === 'PRIMARY';
}

export const dnsZoneReader: KindReader<Zone> = {
  kind: 'dns_zone',
  async list(ctx) {
    const out: Zone[] = [];
    for (const zone of await listProjectZones(ctx)) {
      if (isPrimary(zone)) out.push(zone);
      else
        ctx.warn({
          kind: 'dns_zone',
          resource: zone.name,
          code: 'UNSUPPORTED_RESOURCE',
          message: `DNS zone ${zone.name} is a ${String(zone.type).toLowerCase()} zone (its records come from ${(zone.masters ?? []).join(', ') || 'its masters'}): Bascule moves primary zones only; it is not in the plan`,
        });
    }
    return out;
  },
  identify: (zone) => ({ id: zone.id, name: zone.name }),
  toEntry(zone): DraftEntry {
    return {
      spec: compact({
        name: zone.name,
        email: text(zone.email ?? undefined),
        ttl: typeof zone.ttl === 'number' ? zone.ttl : undefined,
        description: text(zone.description ?? undefined),
      }),
      refs: {},
      source: compact({
        id: zone.id,
        status: zone.status,
        created_at: zone.created_at,
        updated_at: zone.updated_at ?? undefined,
        project_id: zone.project_id,
      }),
    };
  },
};
