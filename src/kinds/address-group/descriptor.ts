/** The address group kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const addressGroupDescriptor = defineKind({
  kind: 'address_group',
  service: 'network',
  refs: KIND_REFS.address_group,
  external: KIND_EXTERNAL.address_group,
  lossy: [],
  sensitive: [],
  // Neutron gives address groups no tags (no standard attributes): found, and owned for rollback, by exact name and
  // addresses. A same-named group with other addresses is a conflict, never changed.
  markerless: true,
});
