/** The DNS recordset kind (Designate): what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';
import type { DnsRecordsetSpec, PlanResource } from '../../plan/types.js';
import { ADDRESS_TYPES } from './names.js';

export const dnsRecordsetDescriptor = defineKind({
  kind: 'dns_recordset',
  service: 'dns',
  refs: KIND_REFS.dns_recordset,
  external: KIND_EXTERNAL.dns_recordset,
  lossy: [],
  sensitive: [],
  // No tags: found by zone, name and type (unique in a zone), owned for rollback when still exactly as made.
  markerless: true,
  // Its name is relative to its zone (`www`, `@`): name rules rename the zone, and its recordsets follow it.
  nameless: true,
  // <zone>/<name>/<type>: `dns_recordset:example.com./www/A`.
  keys: {
    after: ['dns_zone'],
    name: (record, ctx) =>
      `${ctx.nameOf('dns_zone', firstId(record.refs.zone)) ?? 'zone'}/${String(record.spec.name)}/${String(record.spec.type)}`,
  },
  exportedWith: 'zone',
  companionOf: (refs, kept) => {
    const zone = typeof refs.zone === 'string' ? refs.zone : undefined;
    return zone !== undefined && kept.has(zone) ? zone : undefined;
  },
  updatable: ['records', 'ttl', 'description', 'refs.floating_ips', 'refs.load_balancers'],
  // A and AAAA records at a migrated floating IP's (or load balancer VIP's) source address get its target address
  // (src/engine/addresses.ts).
  rewriteAddresses(entry, addresses) {
    const spec = entry.spec as unknown as DnsRecordsetSpec;
    if (!ADDRESS_TYPES.has(spec.type) || addresses.size === 0) return { entry, rewritten: [] };
    const rewritten: { field: string; from: string; to: string }[] = [];
    const records = spec.records.map((record) => {
      const to = addresses.get(record);
      if (to === undefined || to === record) return record;
      rewritten.push({ field: 'records', from: record, to });
      return to;
    });
    if (rewritten.length === 0) return { entry, rewritten };
    return {
      entry: { ...entry, spec: { ...spec, records: [...new Set(records)].sort() } } as unknown as PlanResource,
      rewritten,
    };
  },
});
