/** The subnet kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const subnetDescriptor = defineKind({
  kind: 'subnet',
  service: 'network',
  refs: KIND_REFS.subnet,
  external: KIND_EXTERNAL.subnet,
  lossy: [],
  sensitive: [],
});
