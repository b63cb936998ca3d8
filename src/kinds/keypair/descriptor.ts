/** The keypair kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const keypairDescriptor = defineKind({
  kind: 'keypair',
  service: 'compute',
  refs: KIND_REFS.keypair,
  external: KIND_EXTERNAL.keypair,
  lossy: [],
  sensitive: [],
  markerless: true,
  perUser: true,
});
