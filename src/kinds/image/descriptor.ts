/** The image kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { mapExternal } from './mapping.js';
import { defineKind } from '../descriptor.js';
import { byName, externalQuery, type ExternalMatch, type ExternalResolution, type TargetCatalog } from '../external.js';
import type { PlanResource } from '../../plan/types.js';
import type { ImageSpec } from '../../plan/types.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

/** How an external image entry is found on the target. */
async function find(
  catalog: TargetCatalog,
  entry: PlanResource,
  resolution?: ExternalResolution,
): Promise<ExternalMatch> {
  const { strategy, name, via } = externalQuery(entry, resolution);
  const all = (await catalog.images()).filter((i) => i.status === 'active');
  const md5 = resolution?.checksum?.md5 ?? (entry.spec as ImageSpec).checksum ?? undefined;
  const hash = resolution?.checksum?.os_hash_value;
  const byChecksum = () =>
    all.filter(
      (i) =>
        (hash !== undefined && i.os_hash_value === hash) || (md5 !== undefined && md5 !== null && i.checksum === md5),
    );
  if (strategy === 'checksum') {
    const found = byChecksum();
    if (found.length >= 1)
      return {
        id: found[0]!.id,
        how: `image ${found[0]!.name ?? found[0]!.id} by checksum${found.length > 1 ? ` (first of ${found.length} with the same bytes)` : ''}${via}`,
      };
    return { blocked: `no active image with checksum ${hash ?? md5 ?? '(none)'} on the target${via}` };
  }
  const match = byName(all, name, 'image');
  if ('blocked' in match && match.candidates === undefined) {
    const found = byChecksum();
    if (found.length >= 1) return { id: found[0]!.id, how: 'image by checksum (no image of that name)' };
  }
  return 'id' in match ? { id: match.id, how: `${match.how}${via}` } : match;
}

export const imageDescriptor = defineKind({
  kind: 'image',
  service: 'image',
  refs: KIND_REFS.image,
  external: KIND_EXTERNAL.image,
  lossy: [],
  findExternal: find,
  sensitive: [],
  notState: ['virtual_size'],
  mapExternal,
  updatable: ['name', 'min_disk', 'min_ram', 'tags', 'properties', 'protected', 'visibility'],
});
