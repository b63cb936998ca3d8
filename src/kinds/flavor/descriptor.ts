/** The flavor kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { mapExternal } from './mapping.js';
import { defineKind } from '../descriptor.js';
import { byName, externalQuery, type ExternalMatch, type ExternalResolution, type TargetCatalog } from '../external.js';
import type { PlanResource } from '../../plan/types.js';
import type { FlavorSpec } from '../../plan/types.js';
import { smallestFit } from '../../mapping/external.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

/** How an external flavor entry is found on the target. */
async function find(
  catalog: TargetCatalog,
  entry: PlanResource,
  resolution?: ExternalResolution,
): Promise<ExternalMatch> {
  const { strategy, name, via } = externalQuery(entry, resolution);
  const spec = entry.spec as FlavorSpec;
  const all = (await catalog.flavors()).filter((f) => !f['OS-FLV-DISABLED:disabled']);
  if (strategy === 'shape') {
    const shape = resolution?.shape ?? {
      vcpus: spec.vcpus ?? 0,
      ram: spec.ram ?? 0,
      disk: spec.disk ?? 0,
    };
    const candidates = all.map((f) => ({
      id: f.id,
      name: f.name,
      vcpus: f.vcpus,
      ram: f.ram,
      disk: f.disk,
      ephemeral: f['OS-FLV-EXT-DATA:ephemeral'] ?? 0,
      swap: typeof f.swap === 'number' ? f.swap : 0,
    }));
    const fit = smallestFit(shape, candidates, resolution?.within);
    return fit
      ? { id: fit.id, how: `flavor ${fit.name} by shape${via}` }
      : {
          blocked: `no target flavor has at least ${shape.vcpus} vCPUs, ${shape.ram} MiB RAM and ${shape.disk} GiB disk${resolution?.within ? ` among ${resolution.within}` : ''}${via}`,
        };
  }
  const match = byName(all, name, 'flavor');
  if ('blocked' in match && match.candidates === undefined)
    return { blocked: `${match.blocked}${via} (map it by name or by shape in a mapping file)` };
  return 'id' in match ? { id: match.id, how: `${match.how}${via}` } : match;
}

export const flavorDescriptor = defineKind({
  kind: 'flavor',
  service: 'compute',
  refs: KIND_REFS.flavor,
  external: KIND_EXTERNAL.flavor,
  lossy: [],
  findExternal: find,
  sensitive: [],
  matchOnly: true,
  mapExternal,
});
