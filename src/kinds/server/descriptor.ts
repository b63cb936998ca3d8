/** The server kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const serverDescriptor = defineKind({
  kind: 'server',
  service: 'compute',
  refs: KIND_REFS.server,
  external: KIND_EXTERNAL.server,
  lossy: [],
  sensitive: ['user_data'],
  notState: ['disk_strategy'],
});
