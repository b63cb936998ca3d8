/**
 * Server groups (GET /os-server-groups): one shape whatever the release, because the client turns Pike's
 * `policies: [p]` into `policy` (2.64 added `policy` and `rules`).
 */
import type { ServerGroup } from '../../openstack/compute/server-groups/requests.js';
import type { ServerGroupSpec } from '../../plan/types.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { compact, listServerGroups } from '../shared/read.js';

const POLICIES = new Set(['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity']);

export const serverGroupReader: KindReader<ServerGroup> = {
  kind: 'server_group',
  async list(ctx) {
    const groups = await listServerGroups(ctx);
    return groups.filter((group) => {
      if (POLICIES.has(group.policy)) return true;
      ctx.warn({
        kind: 'server_group',
        resource: group.name,
        code: 'SERVER_GROUP_POLICY_UNKNOWN',
        message: `server group ${group.name} has policy ${group.policy}, which a plan cannot express; it is not exported`,
      });
      return false;
    });
  },
  identify: (group) => ({ id: group.id, name: group.name }),
  toEntry(group): DraftEntry {
    const rules =
      typeof group.rules.max_server_per_host === 'number'
        ? { max_server_per_host: group.rules.max_server_per_host }
        : undefined;
    const spec: ServerGroupSpec = compact({
      name: group.name,
      policy: group.policy as ServerGroupSpec['policy'],
      rules,
    });
    return {
      spec: { ...spec },
      refs: {},
      source: compact({ id: group.id, project_id: group.project_id, members: group.members.length }),
      ...(rules ? { lossy: ['rules'] } : {}),
    };
  },
};
