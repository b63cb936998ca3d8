import { crud, unwrap, type CallOptions } from '../../resource.js';
import type { ServiceClient } from '../../service-client.js';
import type { AddressGroup, AddressGroupCreateOpts, AddressGroupUpdateOpts } from './types.js';

/** Neutron `/v2.0/address-groups`. */
export const addressGroupsApi = crud<AddressGroup, AddressGroupCreateOpts, AddressGroupUpdateOpts>({
  path: '/address-groups',
  one: 'address_group',
  many: 'address_groups',
  pagination: 'links',
});
export const { list, get, create, update, remove } = addressGroupsApi;

/** PUT /v2.0/address-groups/{id}/add_addresses or remove_addresses: the group as it is after. */
export async function changeAddresses(
  sc: ServiceClient,
  id: string,
  action: 'add_addresses' | 'remove_addresses',
  addresses: readonly string[],
  options?: CallOptions,
): Promise<AddressGroup> {
  const response = await sc.request<Record<string, AddressGroup>>(
    'PUT',
    `/address-groups/${encodeURIComponent(id)}/${action}`,
    { ...options, json: { addresses }, okStatus: [200] },
  );
  return unwrap<AddressGroup>(response.data, 'address_group');
}
