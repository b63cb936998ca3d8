/** The object container kind (Swift): what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const objectContainerDescriptor = defineKind({
  kind: 'object_container',
  service: 'object-store',
  refs: KIND_REFS.object_container,
  external: KIND_EXTERNAL.object_container,
  lossy: [],
  sensitive: [],
  // Metadata, ACLs, versioning and quotas change in place (POST); `objects` too: an update copies what the target
  // lacks (a resumed or repeated apply), never deletes what it holds.
  updatable: [
    'metadata',
    'read_acl',
    'write_acl',
    'versioning',
    'refs.versions',
    'quota_bytes',
    'quota_count',
    'objects',
  ],
});
