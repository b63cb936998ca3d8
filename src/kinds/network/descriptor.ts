/** The network kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { mapExternal } from './mapping.js';
import { defineKind, oneOf } from '../descriptor.js';
import { byName, externalQuery, type ExternalMatch, type ExternalResolution, type TargetCatalog } from '../external.js';
import type { PlanResource } from '../../plan/types.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

/** How an external network entry is found on the target. */
async function find(
  catalog: TargetCatalog,
  entry: PlanResource,
  resolution?: ExternalResolution,
): Promise<ExternalMatch> {
  const { name, via } = externalQuery(entry, resolution);
  const all = await catalog.networks();
  const external = all.filter((n) => n['router:external'] === true);
  const match = byName(external, name, 'external network');
  if ('id' in match) return { id: match.id, how: `${match.how}${via}` };
  return byName(all, name, 'network');
}

/** The fields its writer's update sends as they are. */
export const UPDATE_FIELDS = ['name', 'description', 'admin_state_up', 'mtu', 'port_security_enabled', 'dns_domain'];

export const networkDescriptor = defineKind({
  kind: 'network',
  service: 'network',
  refs: KIND_REFS.network,
  external: KIND_EXTERNAL.network,
  lossy: ['shared'],
  findExternal: find,
  sensitive: [],
  quota: oneOf('network', 'network'),
  mapExternal,
  zones: { field: 'availability_zone_hints', list: true },
  updatable: [...UPDATE_FIELDS, 'tags', 'refs.qos_policy'],
});
