/**
 * Security groups the project owns, `default` included: it is exported as a regular entry named `default`, and
 * apply matches it to the target project's own `default` group instead of creating a second one.
 * One list (GET /v2.0/security-groups?project_id=) serves groups, their rules (embedded in the answer) and the
 * server reader (which names groups).
 */
import type { SecurityGroup } from '../../openstack/network/security-groups/types.js';
import { markerIn } from '../markers.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { compact, listProjectSecurityGroups, tagsOf, text } from '../shared/read.js';

export const securityGroupReader: KindReader<SecurityGroup> = {
  kind: 'security_group',
  list: (ctx) => listProjectSecurityGroups(ctx),
  identify: (group) => ({ id: group.id, name: group.name ?? '' }),
  toEntry(group): DraftEntry {
    // `stateful` is exported only when false: true is the default, and what a cloud without the
    // stateful-security-group extension (Pike) does, so both releases export the same spec.
    const stateless = group.stateful === false;
    return {
      spec: compact({
        name: group.name ?? '',
        description: text(group.description),
        stateful: stateless ? false : undefined,
        tags: tagsOf(group.tags),
      }),
      refs: {},
      source: compact({
        id: group.id,
        created_at: group.created_at,
        updated_at: group.updated_at,
        project_id: group.project_id ?? group.tenant_id,
        marker: markerIn(group.tags),
      }),
      ...(stateless ? { lossy: ['stateful'] } : {}),
    };
  },
};
