/**
 * Recordsets of the project's primary DNS zones (Designate GET /v2/zones/{id}/recordsets). The service's own SOA and
 * apex NS recordsets are left out: the target's service makes its own with the zone (they name its nameservers and
 * serial, not the source's). Each A or AAAA record at one of the project's floating IPs, or at the VIP address of one
 * of its load balancers, refers to it, so the apply can write that floating IP's (VIP's) target address instead.
 */
import { dnsClient } from '../../openstack/dns/client.js';
import * as recordsets from '../../openstack/dns/recordsets/requests.js';
import type { Recordset } from '../../openstack/dns/recordsets/types.js';
import * as floatingIps from '../../openstack/network/floating-ips/requests.js';
import * as loadBalancers from '../../openstack/load-balancer/load-balancers/requests.js';
import { isHttpError, OS_ERROR } from '../../openstack/errors.js';
import { collect } from '../../openstack/pagination.js';
import type { Cloud } from '../../openstack/cloud.js';
import type { DraftEntry, KindReader, ReadContext } from '../kind.js';
import { compact, listProjectFloatingIps, memo, ownedByProject, ownerQuery, PAGE_SIZE, text } from '../shared/read.js';
import { projectLoadBalancers } from '../load-balancer/octavia.js';
import { isPrimary, listProjectZones } from '../dns-zone/read.js';
import { ADDRESS_TYPES, relativeName, relativeRecord } from './names.js';

/**
 * A recordset with the floating IPs and the load balancers (by VIP) of its cloud's project by address: what its A/AAAA
 * records may point at. Absent load balancers: none.
 */
export type RecordsetWire = Recordset & {
  floatingIpsByAddress: Readonly<Record<string, string>>;
  loadBalancersByAddress?: Readonly<Record<string, string>>;
};

/** The ID Bascule gives a recordset: `<zone id>/<recordset id>` (Designate reaches a recordset through its zone). */
export function recordsetId(rs: Pick<Recordset, 'zone_id' | 'id'>): string {
  return `${rs.zone_id}/${rs.id}`;
}

/** The service's own recordsets: the SOA, and the NS at the zone's apex. */
export function isManaged(rs: Pick<Recordset, 'type' | 'name' | 'zone_name'>): boolean {
  if (rs.type === 'SOA') return true;
  return rs.type === 'NS' && rs.zone_name !== undefined && rs.name.toLowerCase() === rs.zone_name.toLowerCase();
}

/** The project's floating IPs by address, on `cloud` (read once per run on the export side). */
export async function floatingIpsByAddress(
  cloud: Cloud,
  projectId: string,
  extensions: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const ctx = { cloud, projectId, extensions } as ReadContext;
  const all = await collect(
    floatingIps.list(cloud.network, ownerQuery(ctx), { pageSize: PAGE_SIZE, ...(signal ? { signal } : {}) }),
  );
  const out: Record<string, string> = {};
  for (const fip of all) if (ownedByProject(ctx, fip) && fip.floating_ip_address) out[fip.floating_ip_address] = fip.id;
  return out;
}

/**
 * The project's load balancers by VIP address, on `cloud`: none without Octavia in the catalog, or when the user may
 * not read it (the load balancer kinds say so in the export's warnings).
 */
export async function loadBalancersByAddress(
  cloud: Cloud,
  projectId: string,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  try {
    await cloud.loadBalancer.resolve(signal);
  } catch (error) {
    if ((error as { code?: string }).code === 'OS_NO_ENDPOINT') return {};
    throw error;
  }
  let all;
  try {
    all = await collect(loadBalancers.list(cloud.loadBalancer, { project_id: projectId }, signal ? { signal } : {}));
  } catch (error) {
    if (isHttpError(error, OS_ERROR.FORBIDDEN)) return {};
    throw error;
  }
  const out: Record<string, string> = {};
  for (const lb of all)
    if ((lb.project_id ?? lb.tenant_id ?? projectId) === projectId && lb.vip_address) out[lb.vip_address] = lb.id;
  return out;
}

export const dnsRecordsetReader: KindReader<RecordsetWire> = {
  kind: 'dns_recordset',
  async list(ctx) {
    const zones = (await listProjectZones(ctx)).filter(isPrimary);
    if (zones.length === 0) return [];
    // From the listings the floating IP and load balancer readers share (one request each per export, not two).
    const byAddress = await memo(ctx, 'dns-floating-ips', async () => {
      const out: Record<string, string> = {};
      for (const fip of await listProjectFloatingIps(ctx))
        if (fip.floating_ip_address) out[fip.floating_ip_address] = fip.id;
      return out;
    });
    const byVip = await memo(ctx, 'dns-load-balancers', async () => {
      const out: Record<string, string> = {};
      for (const lb of await projectLoadBalancers(ctx)) if (lb.vip_address) out[lb.vip_address] = lb.id;
      return out;
    });
    const out: RecordsetWire[] = [];
    for (const zone of zones) {
      const sets = await collect(
        recordsets.list(dnsClient(ctx.cloud), zone.id, undefined, { pageSize: PAGE_SIZE, signal: ctx.signal }),
      );
      for (const rs of sets) {
        const wire = { zone_name: zone.name, ...rs };
        if (isManaged(wire) || rs.action === 'DELETE') continue;
        out.push({ ...wire, floatingIpsByAddress: byAddress, loadBalancersByAddress: byVip });
      }
    }
    return out;
  },
  identify: (rs) => ({ id: recordsetId(rs), name: `${rs.name} ${rs.type}` }),
  toEntry(rs): DraftEntry {
    const zone = rs.zone_name ?? '';
    const records = [...new Set(rs.records.map((r) => relativeRecord(rs.type, r, zone)))].sort();
    const at = (byAddress: Readonly<Record<string, string>> | undefined) =>
      ADDRESS_TYPES.has(rs.type) && byAddress
        ? [...new Set(rs.records.map((r) => byAddress[r]).filter((id): id is string => !!id))].sort()
        : [];
    const fips = at(rs.floatingIpsByAddress);
    const vips = at(rs.loadBalancersByAddress);
    return {
      spec: compact({
        name: relativeName(rs.name, zone),
        type: rs.type,
        records,
        ttl: typeof rs.ttl === 'number' ? rs.ttl : undefined,
        description: text(rs.description ?? undefined),
      }),
      refs: compact({
        zone: rs.zone_id,
        floating_ips: fips.length > 0 ? fips : undefined,
        load_balancers: vips.length > 0 ? vips : undefined,
      }),
      source: compact({
        id: recordsetId(rs),
        status: rs.status,
        created_at: rs.created_at,
        updated_at: rs.updated_at ?? undefined,
        project_id: rs.project_id,
      }),
    };
  },
};
