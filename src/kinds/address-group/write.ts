/**
 * Address groups: made with their name, description and addresses. Neutron gives them no tags, so one is found by
 * its exact name in the target project (the audit and rollback then compare its addresses). A target without the
 * extension blocks them in the dry run.
 */
import * as addressGroups from '../../openstack/network/address-groups/requests.js';
import type { AddressGroup } from '../../openstack/network/address-groups/types.js';
import { collect } from '../../openstack/pagination.js';
import type { AddressGroupSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { ADDRESS_GROUP_EXTENSION } from './read.js';
import { getOrUndefined, removeIgnoringMissing, sig } from '../shared/write.js';

export const addressGroupWriter: KindWriter<AddressGroup> = {
  kind: 'address_group',
  check: (ctx) =>
    ctx.extensions.has(ADDRESS_GROUP_EXTENSION)
      ? undefined
      : `the target's Neutron has no ${ADDRESS_GROUP_EXTENSION} extension (Wallaby and later): it cannot hold address groups`,
  async find(ctx, r) {
    if (!ctx.extensions.has(ADDRESS_GROUP_EXTENSION)) return [];
    const name = (r.entry.spec as AddressGroupSpec).name;
    return (await collect(addressGroups.list(ctx.cloud.network, { name, project_id: ctx.projectId }, sig(ctx)))).filter(
      (g) => g.name === name && (g.project_id ?? g.tenant_id ?? ctx.projectId) === ctx.projectId,
    );
  },
  async create(ctx, r) {
    const spec = r.entry.spec as AddressGroupSpec;
    return addressGroups.create(
      ctx.cloud.network,
      {
        name: spec.name,
        addresses: [...(spec.addresses ?? [])],
        ...(spec.description ? { description: spec.description } : {}),
      },
      sig(ctx),
    );
  },
  get: (ctx, id) => getOrUndefined(() => addressGroups.get(ctx.cloud.network, id, sig(ctx))),
  hasMarker: () => false,
  remove: (ctx, id) => removeIgnoringMissing(() => addressGroups.remove(ctx.cloud.network, id, sig(ctx))),
  idOf: (wire) => wire.id,
};
