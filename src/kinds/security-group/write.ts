/**
 * Security groups. The group named `default` is the target project's own default group: found, never created
 * (Neutron makes one per project), and never deleted by rollback (it carries no marker).
 */
import * as groups from '../../openstack/network/security-groups/requests.js';
import type { SecurityGroup } from '../../openstack/network/security-groups/types.js';
import { collect } from '../../openstack/pagination.js';
import type { SecurityGroupSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { createTagged, neutronFind, neutronTagged, sig, updateNeutron } from '../shared/write.js';

export const DEFAULT_GROUP = 'default';

export const securityGroupWriter: KindWriter<SecurityGroup> = {
  kind: 'security_group',
  async find(ctx, r) {
    const spec = r.entry.spec as SecurityGroupSpec;
    if (spec.name === DEFAULT_GROUP) {
      const all = await collect(
        groups.list(ctx.cloud.network, { name: DEFAULT_GROUP, project_id: ctx.projectId }, sig(ctx)),
      );
      return all.filter(
        (g) => g.name === DEFAULT_GROUP && (g.project_id ?? g.tenant_id ?? ctx.projectId) === ctx.projectId,
      );
    }
    return neutronFind(ctx, r, (q) => groups.list(ctx.cloud.network, q, sig(ctx)));
  },
  check(_ctx, r) {
    return (r.entry.spec as SecurityGroupSpec).name === DEFAULT_GROUP
      ? 'the target project has no default security group (Neutron creates it on first use; list the groups once and retry)'
      : undefined;
  },
  async create(ctx, r) {
    const spec = r.entry.spec as SecurityGroupSpec;
    const body: Record<string, unknown> = { name: spec.name };
    if (spec.description !== undefined) body.description = spec.description;
    if (spec.stateful === false) body.stateful = false;
    return createTagged(ctx, r, 'security-groups', `security group ${spec.name}`, body, (b) =>
      groups.create(ctx.cloud.network, b as { name: string }, sig(ctx)),
    );
  },
  update: (ctx, current, r, fields) =>
    updateNeutron(ctx, current, r, fields, 'security-groups', ['name', 'description', 'stateful'], (body) =>
      groups.update(ctx.cloud.network, current.id, body, sig(ctx)),
    ),
  ...neutronTagged('security-groups', 'security group', {
    get: (ctx, id) => groups.get(ctx.cloud.network, id, sig(ctx)),
    remove: (ctx, id) => groups.remove(ctx.cloud.network, id, sig(ctx)),
  }),
};
