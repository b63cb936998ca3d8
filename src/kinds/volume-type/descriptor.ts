/** The volume type kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { mapExternal } from './mapping.js';
import { defineKind } from '../descriptor.js';
import { byName, externalQuery, type ExternalMatch, type ExternalResolution, type TargetCatalog } from '../external.js';
import type { PlanResource } from '../../plan/types.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

/** How an external volume type entry is found on the target. */
async function find(
  catalog: TargetCatalog,
  entry: PlanResource,
  resolution?: ExternalResolution,
): Promise<ExternalMatch> {
  const { name, via } = externalQuery(entry, resolution);
  // Cinder names a volume's type by name (and takes a name on create): the name is the reference.
  const match = byName(await catalog.volumeTypes(), name, 'volume type');
  return 'id' in match ? { id: name, how: `${match.how}${via}` } : match;
}

export const volumeTypeDescriptor = defineKind({
  kind: 'volume_type',
  service: 'block-storage',
  refs: KIND_REFS.volume_type,
  external: KIND_EXTERNAL.volume_type,
  lossy: [],
  findExternal: find,
  sensitive: [],
  matchOnly: true,
  mapExternal,
});
