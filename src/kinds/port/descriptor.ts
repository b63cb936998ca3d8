/** The port kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const portDescriptor = defineKind({
  kind: 'port',
  service: 'network',
  refs: KIND_REFS.port,
  external: KIND_EXTERNAL.port,
  lossy: ['mac_address'],
  sensitive: [],
});
