/**
 * DNS recordsets: created in their (target) zone with absolute names (the plan's are relative to the zone), records
 * as the plan has them once the engine rewrote the addresses of migrated floating IPs, then waited on until ACTIVE.
 * Found by zone, name and type. Their target ID is `<zone id>/<recordset id>`.
 */
import { dnsClient } from '../../openstack/dns/client.js';
import * as recordsets from '../../openstack/dns/recordsets/requests.js';
import type { Recordset, RecordsetUpdateOpts } from '../../openstack/dns/recordsets/types.js';
import * as zones from '../../openstack/dns/zones/requests.js';
import { collect } from '../../openstack/pagination.js';
import type { DnsRecordsetSpec } from '../../plan/types.js';
import { BasculeError } from '../../shared/errors.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import { getOrUndefined, refId, removeIgnoringMissing, sig } from '../shared/write.js';
import { floatingIpsByAddress, loadBalancersByAddress, recordsetId, type RecordsetWire } from './read.js';
import { absoluteName, absoluteRecord, ADDRESS_TYPES } from './names.js';

function parseId(id: string): { zone: string; id: string } {
  const [zone, rs] = id.split('/');
  if (!zone || !rs)
    throw new BasculeError('DNS_RECORDSET_ID', `"${id}" is not a recordset ID of Bascule's (<zone id>/<recordset id>)`);
  return { zone, id: rs };
}

/**
 * The wire with the target project's floating IPs and load balancer VIPs by address, as the reader sees it
 * (refs.floating_ips, refs.load_balancers).
 */
async function withAddresses(ctx: WriteContext, rs: Recordset, zoneName?: string): Promise<RecordsetWire> {
  const address = ADDRESS_TYPES.has(rs.type);
  const [byAddress, byVip] = await Promise.all([
    address ? floatingIpsByAddress(ctx.cloud, ctx.projectId, ctx.extensions, ctx.signal) : {},
    address ? loadBalancersByAddress(ctx.cloud, ctx.projectId, ctx.signal) : {},
  ]);
  return {
    ...(zoneName !== undefined ? { zone_name: zoneName } : {}),
    ...rs,
    floatingIpsByAddress: byAddress,
    loadBalancersByAddress: byVip,
  };
}

async function zoneName(ctx: WriteContext, r: ResolvedEntry): Promise<{ id: string; name: string }> {
  const id = refId(r, 'zone')!;
  const zone = await zones.get(dnsClient(ctx.cloud), id, sig(ctx));
  return { id, name: zone.name };
}

function fqdn(r: ResolvedEntry, zone: string): string {
  return absoluteName((r.entry.spec as DnsRecordsetSpec).name, zone);
}

function records(spec: DnsRecordsetSpec, zone: string): string[] {
  return spec.records.map((record) => absoluteRecord(spec.type, record, zone));
}

export const dnsRecordsetWriter: KindWriter<RecordsetWire> = {
  kind: 'dns_recordset',
  async find(ctx, r) {
    const zone = await zoneName(ctx, r);
    const spec = r.entry.spec as DnsRecordsetSpec;
    const name = fqdn(r, zone.name);
    const found = (
      await collect(recordsets.list(dnsClient(ctx.cloud), zone.id, { name, type: spec.type }, sig(ctx)))
    ).filter((rs) => rs.name.toLowerCase() === name.toLowerCase() && rs.type === spec.type && rs.action !== 'DELETE');
    return Promise.all(found.map((rs) => withAddresses(ctx, rs, zone.name)));
  },
  async create(ctx, r) {
    const zone = await zoneName(ctx, r);
    const spec = r.entry.spec as DnsRecordsetSpec;
    const created = await recordsets.create(
      dnsClient(ctx.cloud),
      zone.id,
      {
        name: fqdn(r, zone.name),
        type: spec.type,
        records: records(spec, zone.name),
        ...(typeof spec.ttl === 'number' ? { ttl: spec.ttl } : {}),
        ...(typeof spec.description === 'string' && spec.description !== '' ? { description: spec.description } : {}),
      },
      sig(ctx),
    );
    return withAddresses(ctx, created, zone.name);
  },
  async waitUntilReady(ctx, rs) {
    const ready = await recordsets.waitActive(dnsClient(ctx.cloud), rs, sig(ctx));
    return withAddresses(ctx, ready, rs.zone_name);
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as DnsRecordsetSpec;
    const zone = current.zone_name ?? (await zoneName(ctx, r)).name;
    const body: RecordsetUpdateOpts = {};
    if (fields.includes('records') || fields.includes('refs.floating_ips')) body.records = records(spec, zone);
    if (fields.includes('ttl')) body.ttl = typeof spec.ttl === 'number' ? spec.ttl : null;
    if (fields.includes('description')) body.description = spec.description ?? null;
    const updated = await recordsets.update(dnsClient(ctx.cloud), current.zone_id, current.id, body, sig(ctx));
    const ready = await recordsets.waitActive(dnsClient(ctx.cloud), updated, sig(ctx));
    return withAddresses(ctx, ready, zone);
  },
  async get(ctx, id) {
    const { zone, id: rs } = parseId(id);
    const found = await getOrUndefined(() => recordsets.get(dnsClient(ctx.cloud), zone, rs, sig(ctx)));
    if (found === undefined || found.action === 'DELETE') return undefined;
    const zoneWire = await getOrUndefined(() => zones.get(dnsClient(ctx.cloud), zone, sig(ctx)));
    return withAddresses(ctx, found, zoneWire?.name);
  },
  hasMarker: () => false,
  async remove(ctx, id) {
    const { zone, id: rs } = parseId(id);
    await removeIgnoringMissing(() => recordsets.remove(dnsClient(ctx.cloud), zone, rs, sig(ctx)));
  },
  idOf: (rs) => recordsetId(rs),
};
