/** The DNS zone kind (Designate): what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const dnsZoneDescriptor = defineKind({
  kind: 'dns_zone',
  service: 'dns',
  refs: KIND_REFS.dns_zone,
  external: KIND_EXTERNAL.dns_zone,
  lossy: [],
  sensitive: [],
  // Designate has no tags and no free field but the description (the user's): a zone is found by its name, which
  // is global on the target, and owned for rollback only when it is still exactly what the journal says was made.
  markerless: true,
  updatable: ['email', 'ttl', 'description'],
});
