/** The security group kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, oneOf } from '../descriptor.js';
import type { PlanResource } from '../../plan/types.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

/** The family of target-owned entries the project's `default` security group and its rules belong to. */
export const DEFAULT_GROUP = 'default security group';

/** Whether an entry is a project's `default` security group. */
export function isDefaultGroup(entry: PlanResource | undefined): boolean {
  return entry?.kind === 'security_group' && (entry.spec as { name?: unknown }).name === 'default';
}

export const securityGroupDescriptor = defineKind({
  kind: 'security_group',
  service: 'network',
  refs: KIND_REFS.security_group,
  external: KIND_EXTERNAL.security_group,
  lossy: ['stateful'],
  sensitive: [],
  // Every project has a group named `default` (and its rules) from the platform.
  targetOwned: (entry) => (isDefaultGroup(entry) ? DEFAULT_GROUP : undefined),
  quota: oneOf('network', 'security_group'),
  updatable: ['name', 'description', 'stateful', 'tags'],
});
