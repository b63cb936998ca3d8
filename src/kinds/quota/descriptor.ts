/** The quota kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const quotaDescriptor = defineKind({
  kind: 'quota',
  service: 'compute',
  refs: KIND_REFS.quota,
  external: KIND_EXTERNAL.quota,
  lossy: [],
  sensitive: [],
  nameless: true,
  unmanaged: 'quotas are set by the target administrator; the preflight checks what the plan needs',
  // Every project has quotas: the audit counts them as extra only when the reference plan describes quotas.
  targetOwned: () => 'quota',
  // One quota entry per project.
  keys: { name: () => 'project' },
});
