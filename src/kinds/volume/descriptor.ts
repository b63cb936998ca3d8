/** The volume kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const volumeDescriptor = defineKind({
  kind: 'volume',
  service: 'block-storage',
  refs: KIND_REFS.volume,
  external: KIND_EXTERNAL.volume,
  lossy: ['multiattach'],
  sensitive: [],
  notState: ['bootable'],
});
