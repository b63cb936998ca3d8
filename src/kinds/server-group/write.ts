/** Server groups have no marker field: the project's group with the same name is the match (its policy compared). */
import * as groups from '../../openstack/compute/server-groups/requests.js';
import type { ServerGroup } from '../../openstack/compute/server-groups/requests.js';
import type { ServerGroupSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { getOrUndefined, removeIgnoringMissing } from '../shared/write.js';

export const serverGroupWriter: KindWriter<ServerGroup> = {
  kind: 'server_group',
  async find(ctx, r) {
    const name = (r.entry.spec as ServerGroupSpec).name;
    const out: ServerGroup[] = [];
    for await (const group of groups.list(ctx.cloud.compute, ctx.signal)) if (group.name === name) out.push(group);
    return out;
  },
  async create(ctx, r) {
    const spec = r.entry.spec as ServerGroupSpec;
    const rules = spec.rules && Object.keys(spec.rules).length > 0 ? (spec.rules as Record<string, number>) : undefined;
    return groups.create(
      ctx.cloud.compute,
      { name: spec.name, policy: spec.policy, ...(rules ? { rules } : {}) },
      ctx.signal,
    );
  },
  get: (ctx, id) => getOrUndefined(() => groups.get(ctx.cloud.compute, id, ctx.signal)),
  hasMarker: () => false,
  remove: (ctx, id) => removeIgnoringMissing(() => groups.remove(ctx.cloud.compute, id, ctx.signal)),
  idOf: (wire) => wire.id,
};
