/**
 * Address groups of the project (GET /v2.0/address-groups?project_id=), where the cloud has `address-group`
 * (Wallaby and later): name, description, addresses (sorted CIDRs).
 */
import * as addressGroups from '../../openstack/network/address-groups/requests.js';
import type { AddressGroup } from '../../openstack/network/address-groups/types.js';
import { collect } from '../../openstack/pagination.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { PAGE_SIZE, compact, compareAddresses, ownedByProject, ownerQuery, text } from '../shared/read.js';

/** The Neutron extension of address groups. */
export const ADDRESS_GROUP_EXTENSION = 'address-group';

export const addressGroupReader: KindReader<AddressGroup> = {
  kind: 'address_group',
  async list(ctx) {
    if (!ctx.extensions.has(ADDRESS_GROUP_EXTENSION)) return [];
    return (
      await collect(addressGroups.list(ctx.cloud.network, ownerQuery(ctx), { pageSize: PAGE_SIZE, signal: ctx.signal }))
    ).filter((g) => ownedByProject(ctx, g));
  },
  identify: (group) => ({ id: group.id, name: group.name ?? '' }),
  toEntry(group): DraftEntry {
    return {
      spec: compact({
        name: group.name ?? '',
        description: text(group.description),
        addresses: [...(group.addresses ?? [])].sort(compareAddresses),
      }),
      refs: {},
      source: compact({ id: group.id, project_id: group.project_id ?? group.tenant_id }),
    };
  },
};
