/**
 * Address groups (`address-group`, Wallaby and later): `/v2.0/address-groups[/{id}]` with the `add_addresses` and
 * `remove_addresses` actions, and security group rules whose remote is one
 * (`security-groups-remote-address-group`). Addresses are CIDRs: a bare address is refused (400, /32 or /128
 * recommended, as the real Zed answers), host bits are cleared (192.0.2.1/28 is stored as 192.0.2.0/28). An
 * address group a rule uses cannot be deleted (409). Shapes from the Networking API reference ("Address groups").
 */
import { clone, isObj, str, type Obj } from '../core/json.js';
import { formatCidr, parseCidr } from '../core/net.js';
import { authOf, type AuthContext, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import {
  applyUpdate,
  canSee,
  ensureWriter,
  envelope,
  nError,
  neutronList,
  neutronShow,
  ownerFor,
  visibleRows,
} from './common.js';

export const ADDRESS_GROUP_EXTENSION = 'address-group';

export function hasAddressGroups(state: RegionState): boolean {
  return state.profile.neutron.extensions.includes(ADDRESS_GROUP_EXTENSION);
}

function normalise(value: unknown): string {
  const text = String(value);
  if (!text.includes('/') && parseCidr(`${text}/${text.includes(':') ? 128 : 32}`))
    throw nError(
      400,
      'HTTPBadRequest',
      `Invalid input for addresses. Reason: '${text}' isn't a recognized IP subnet cidr, '${text}/${text.includes(':') ? 128 : 32}' is recommended.`,
    );
  const c = parseCidr(text);
  if (!c)
    throw nError(400, 'HTTPBadRequest', `Invalid input for addresses. Reason: '${text}' is not a valid IP subnet.`);
  return formatCidr(c);
}

function addressList(body: Obj): string[] {
  const value = body.addresses;
  if (!Array.isArray(value))
    throw nError(400, 'HTTPBadRequest', "Invalid input for addresses. Reason: 'addresses' must be a list.");
  return value.map(normalise);
}

export function getAddressGroup(state: RegionState, auth: AuthContext, id: string): Obj {
  const group = state.addressGroups.get(id);
  if (!group || !canSee(auth, group.project_id))
    throw nError(404, 'AddressGroupNotFound', `Address group ${id} could not be found.`);
  return group;
}

/** Stores an address group (`auth` undefined: the seed). */
export function createAddressGroup(state: RegionState, owner: string, body: Obj, id = state.uuid()): Obj {
  for (const k of Object.keys(body))
    if (!['name', 'description', 'addresses', 'project_id', 'tenant_id'].includes(k))
      throw nError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${k}'`);
  const addresses = body.addresses === undefined ? [] : [...new Set(addressList(body))];
  // No standard attributes: no tags, no timestamps, no revision (as the real Zed answers).
  return state.addressGroups.put(id, {
    id,
    name: str(body, 'name') ?? '',
    project_id: owner,
    addresses,
    description: str(body, 'description') ?? '',
    tenant_id: owner,
  });
}

/** Addresses in Neutron's order (sorted as text). */
export function renderAddressGroup(group: Obj): Obj {
  const out = clone(group);
  out.addresses = [...(out.addresses as string[])].sort();
  return out;
}

export function addressGroupInUse(state: RegionState, id: string): boolean {
  return state.securityGroupRules.find((r) => r.remote_address_group_id === id) !== undefined;
}

export function addressGroupRoutes(r: Router, state: RegionState): void {
  const ensure = (req: SimRequest) => {
    if (!hasAddressGroups(state)) throw nError(404, 'HTTPNotFound', 'The resource could not be found.');
    const a = authOf(req);
    if (req.method !== 'GET') ensureWriter(a, state);
    return a;
  };
  r.get('/v2.0/address-groups', (req) => {
    const a = ensure(req);
    return neutronList(req, 'address_groups', visibleRows(state.addressGroups, a), renderAddressGroup);
  });
  r.get('/v2.0/address-groups/{id}', (req) =>
    neutronShow(req, 'address_group', renderAddressGroup(getAddressGroup(state, ensure(req), req.params.id!))),
  );
  r.post('/v2.0/address-groups', (req) => {
    const a = ensure(req);
    const body = envelope(req, 'address_group');
    const group = createAddressGroup(state, ownerFor(a, body), body);
    return { status: 201, body: { address_group: renderAddressGroup(group) } };
  });
  r.put('/v2.0/address-groups/{id}', (req) => {
    const group = getAddressGroup(state, ensure(req), req.params.id!);
    applyUpdate(group, envelope(req, 'address_group'), ['name', 'description'], 'address_group');
    return { status: 200, body: { address_group: renderAddressGroup(group) } };
  });
  for (const [action, add] of [
    ['add_addresses', true],
    ['remove_addresses', false],
  ] as const) {
    r.put(`/v2.0/address-groups/{id}/${action}`, (req) => {
      const group = getAddressGroup(state, ensure(req), req.params.id!);
      const addresses = addressList(isObj(req.body) ? req.body : {});
      const current = group.addresses as string[];
      if (add) {
        const present = addresses.filter((x) => current.includes(x));
        if (present.length > 0)
          throw nError(
            400,
            'AddressesAlreadyExist',
            `Addresses [${present.map((x) => `'${x}'`).join(', ')}] already exist in the address group ${String(group.id)}.`,
          );
        group.addresses = [...current, ...new Set(addresses)];
      } else {
        const missing = addresses.filter((x) => !current.includes(x));
        if (missing.length > 0)
          throw nError(
            404,
            'AddressesNotFound',
            `Addresses [${missing.map((x) => `'${x}'`).join(', ')}] not found in the address group ${String(group.id)}.`,
          );
        group.addresses = current.filter((x) => !addresses.includes(x));
      }
      return { status: 200, body: { address_group: renderAddressGroup(group) } };
    });
  }
  r.delete('/v2.0/address-groups/{id}', (req) => {
    const group = getAddressGroup(state, ensure(req), req.params.id!);
    if (addressGroupInUse(state, String(group.id)))
      throw nError(409, 'AddressGroupInUse', `Address group ${String(group.id)} is in use by a security group rule.`);
    state.addressGroups.delete(String(group.id));
    return { status: 204 };
  });
}
