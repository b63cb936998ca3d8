/** The server group kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const serverGroupDescriptor = defineKind({
  kind: 'server_group',
  service: 'compute',
  refs: KIND_REFS.server_group,
  external: KIND_EXTERNAL.server_group,
  lossy: ['rules'],
  sensitive: [],
  markerless: true,
});
