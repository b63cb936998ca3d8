/**
 * Security groups. The group named `default` is the target project's own default group: found, never created
 * (Neutron makes one per project), and never deleted by rollback (it carries no marker).
 */
import * as groups from '../../openstack/network/security-groups/requests.js';
import type { SecurityGroup } from '../../openstack/network/security-groups/types.js';
import { collect } from '../../openstack/pagination.js';
import type { SecurityGroupSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { updateNeutron } from '../network/write.js';
import {
  getOrUndefined,
  neutronFind,
  removeIgnoringMissing,
  sig,
  tagAfterCreate,
  tagsAtCreate,
  tagsWithMarker,
} from '../shared/write.js';

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
    const atCreate = tagsAtCreate(ctx);
    if (atCreate) body.tags = tagsWithMarker(spec.tags, r.marker);
    const created = await groups.create(ctx.cloud.network, body as { name: string }, sig(ctx));
    if (!atCreate) {
      await tagAfterCreate(ctx, 'security-groups', created.id, r.marker, `security group ${spec.name}`);
      for (const tag of spec.tags ?? [])
        await tagAfterCreate(ctx, 'security-groups', created.id, tag, `security group ${spec.name}`);
      created.tags = tagsWithMarker(spec.tags, r.marker);
    }
    return created;
  },
  update: (ctx, current, r, fields) =>
    updateNeutron(ctx, current, r, fields, 'security-groups', ['name', 'description', 'stateful'], (body) =>
      groups.update(ctx.cloud.network, current.id, body, sig(ctx)),
    ),
  async mark(ctx, wire, marker) {
    await tagAfterCreate(ctx, 'security-groups', wire.id, marker, 'security group');
    return { ...wire, tags: [...(wire.tags ?? []), marker] };
  },
  get: (ctx, id) => getOrUndefined(() => groups.get(ctx.cloud.network, id, sig(ctx))),
  hasMarker: (wire, marker) => (wire.tags ?? []).includes(marker),
  remove: (ctx, id) => removeIgnoringMissing(() => groups.remove(ctx.cloud.network, id, sig(ctx))),
  idOf: (wire) => wire.id,
};
