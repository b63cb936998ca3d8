/** The subnet pool kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { byName, externalQuery, type ExternalMatch, type ExternalResolution, type TargetCatalog } from '../external.js';
import type { PlanResource } from '../../plan/types.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

/** How an external subnet pool entry is found on the target. */
async function find(
  catalog: TargetCatalog,
  entry: PlanResource,
  resolution?: ExternalResolution,
): Promise<ExternalMatch> {
  const { name } = externalQuery(entry, resolution);
  return byName(await catalog.subnetPools(), name, 'subnet pool');
}

export const subnetPoolDescriptor = defineKind({
  kind: 'subnet_pool',
  service: 'network',
  refs: KIND_REFS.subnet_pool,
  external: KIND_EXTERNAL.subnet_pool,
  lossy: [],
  findExternal: find,
  sensitive: [],
  matchOnly: true,
});
