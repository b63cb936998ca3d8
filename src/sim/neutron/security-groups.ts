import { bool, clone, str, type Obj } from '../core/json.js';
import { parseCidr, formatCidr } from '../core/net.js';
import type { AuthContext } from '../http/context.js';
import type { RegionState } from '../state/region.js';
import { canSee, dropUnsupported, nError, standardAttrs } from './common.js';
import { checkQuota } from './quota.js';

/** The project's `default` group, created on first use with its four rules, as Neutron does. */
export function ensureDefaultGroup(state: RegionState, projectId: string): Obj {
  const found = state.securityGroups.ofProject(projectId).find((g) => g.name === 'default');
  if (found) return found;
  const group = createGroupRecord(state, projectId, 'default', 'Default security group', true);
  const gid = String(group.id);
  for (const ethertype of ['IPv4', 'IPv6']) {
    addRuleRecord(state, { security_group_id: gid, direction: 'ingress', ethertype, remote_group_id: gid }, projectId);
  }
  return group;
}

export function createGroupRecord(
  state: RegionState,
  projectId: string,
  name: string,
  description: string,
  isDefault = false,
  stateful = true,
): Obj {
  const id = state.uuid();
  const group = state.securityGroups.put(id, {
    id,
    name,
    stateful,
    shared: false,
    ...standardAttrs(projectId, description),
  });
  state.sgRules.set(id, new Set());
  for (const ethertype of ['IPv4', 'IPv6']) {
    addRuleRecord(state, { security_group_id: id, direction: 'egress', ethertype }, projectId);
  }
  void isDefault;
  return group;
}

/** Validates a rule body and stores it; Neutron's errors for bad input and duplicates. */
export function addRuleRecord(state: RegionState, body: Obj, projectId: string): Obj {
  const gid = String(body.security_group_id);
  const direction = str(body, 'direction');
  if (direction !== 'ingress' && direction !== 'egress') {
    throw nError(
      400,
      'HTTPBadRequest',
      `Invalid input for direction. Reason: ${String(body.direction)} is not in valid_values.`,
    );
  }
  const ethertype = str(body, 'ethertype') ?? 'IPv4';
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6') {
    throw nError(400, 'HTTPBadRequest', `Invalid input for ethertype. Reason: ${ethertype} is not in valid_values.`);
  }
  const protocol = body.protocol === undefined || body.protocol === null ? null : String(body.protocol).toLowerCase();
  const min = body.port_range_min === undefined ? null : (body.port_range_min as number | null);
  const max = body.port_range_max === undefined ? null : (body.port_range_max as number | null);
  if ((protocol === 'tcp' || protocol === 'udp') && min !== null && max !== null && min > max) {
    throw nError(
      400,
      'SecurityGroupInvalidPortRange',
      'For TCP/UDP protocols, port_range_min must be <= port_range_max',
    );
  }
  if (min !== null && protocol === null) {
    throw nError(400, 'SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
  }
  let prefix = body.remote_ip_prefix === undefined ? null : (body.remote_ip_prefix as string | null);
  const remoteGroup = body.remote_group_id === undefined ? null : (body.remote_group_id as string | null);
  const remoteAddresses =
    body.remote_address_group_id === undefined ? null : (body.remote_address_group_id as string | null);
  if (remoteAddresses !== null && !state.profile.neutron.extensions.includes('security-groups-remote-address-group'))
    throw nError(400, 'HTTPBadRequest', "Unrecognized attribute(s) 'remote_address_group_id'");
  if (remoteAddresses !== null && (prefix !== null || remoteGroup !== null))
    throw nError(
      400,
      'SecurityGroupMultipleRemoteEntites',
      'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.',
    );
  if (remoteAddresses !== null && !state.addressGroups.has(remoteAddresses))
    throw nError(404, 'AddressGroupNotFound', `Address group ${remoteAddresses} could not be found.`);
  if (prefix !== null && remoteGroup !== null) {
    if (state.profile.neutron.extensions.includes('security-groups-remote-address-group')) {
      throw nError(
        400,
        'SecurityGroupMultipleRemoteEntites',
        'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.',
      );
    }
    throw nError(
      400,
      'SecurityGroupRemoteGroupAndRemoteIpPrefix',
      'Only remote_ip_prefix or remote_group_id may be provided.',
    );
  }
  if (prefix !== null) {
    const c = parseCidr(prefix.includes('/') ? prefix : `${prefix}/${prefix.includes(':') ? 128 : 32}`);
    if (!c)
      throw nError(
        400,
        'HTTPBadRequest',
        `Invalid input for remote_ip_prefix. Reason: '${prefix}' is not a valid IP subnet.`,
      );
    if ((c.version === 4 ? 'IPv4' : 'IPv6') !== ethertype) {
      throw nError(
        400,
        'SecurityGroupRuleParameterConflict',
        `Conflicting value ethertype ${ethertype} for CIDR ${prefix}`,
      );
    }
    if (state.profile.name !== 'pike') prefix = formatCidr(c);
  }
  if (remoteGroup !== null && !state.securityGroups.has(remoteGroup)) {
    throw nError(404, 'SecurityGroupNotFound', `Security group ${remoteGroup} does not exist`);
  }
  const rule: Obj = {
    security_group_id: gid,
    direction,
    ethertype,
    protocol,
    port_range_min: min,
    port_range_max: max,
    remote_ip_prefix: prefix,
    remote_group_id: remoteGroup,
  };
  if (state.profile.name !== 'pike') rule.remote_address_group_id = remoteAddresses;
  for (const rid of state.sgRules.get(gid) ?? []) {
    const other = state.securityGroupRules.get(rid)!;
    if (Object.keys(rule).every((k) => other[k] === rule[k])) {
      throw nError(
        409,
        'SecurityGroupRuleExists',
        `Security group rule already exists. Rule id is ${String(other.id)}.`,
      );
    }
  }
  const id = state.uuid();
  const attrs = standardAttrs(projectId, str(body, 'description') ?? '');
  delete attrs.tags;
  const record = state.securityGroupRules.put(id, { id, ...rule, ...attrs });
  record.normalized_cidr = prefix;
  record.belongs_to_default_sg = state.securityGroups.get(gid)?.name === 'default';
  let set = state.sgRules.get(gid);
  if (!set) {
    set = new Set();
    state.sgRules.set(gid, set);
  }
  set.add(id);
  return record;
}

export function renderGroup(state: RegionState, group: Obj): Obj {
  const out = clone(group);
  if (state.profile.name === 'pike') {
    delete out.stateful;
    delete out.shared;
  }
  out.security_group_rules = [...(state.sgRules.get(String(group.id)) ?? [])].map((rid) =>
    renderRule(state, state.securityGroupRules.get(rid)!),
  );
  return out;
}

export function renderRule(state: RegionState, rule: Obj): Obj {
  return dropUnsupported(state, clone(rule));
}

export function createGroup(state: RegionState, auth: AuthContext, owner: string, body: Obj): Obj {
  ensureDefaultGroup(state, owner);
  const name = str(body, 'name') ?? '';
  if (name === 'default') {
    throw nError(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
  }
  checkQuota(state, owner, 'security_group', state.securityGroups);
  void auth;
  return createGroupRecord(state, owner, name, str(body, 'description') ?? '', false, bool(body, 'stateful') ?? true);
}

export function deleteGroup(state: RegionState, auth: AuthContext, id: string): void {
  const group = state.securityGroups.get(id);
  if (!group || !canSee(auth, group.project_id))
    throw nError(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`);
  if (group.name === 'default' && !auth.isAdmin) {
    throw nError(409, 'SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
  }
  if (state.ports.find((p) => (p.security_groups as string[]).includes(id))) {
    throw nError(409, 'SecurityGroupInUse', `Security Group ${id} in use.`);
  }
  for (const rid of state.sgRules.get(id) ?? []) state.securityGroupRules.delete(rid);
  state.sgRules.delete(id);
  // Rules of other groups that name this one as their remote group go with it (a cascading foreign key).
  for (const rule of state.securityGroupRules.filter((r) => r.remote_group_id === id)) {
    state.securityGroupRules.delete(String(rule.id));
    state.sgRules.get(String(rule.security_group_id))?.delete(String(rule.id));
  }
  state.securityGroups.delete(id);
}

/** Resolves names or ids to group ids in the caller's project (Nova's `security_groups: [{name}]`). */
export function resolveGroup(state: RegionState, projectId: string, nameOrId: string): Obj | undefined {
  if (nameOrId === 'default') return ensureDefaultGroup(state, projectId);
  const byId = state.securityGroups.get(nameOrId);
  if (byId && byId.project_id === projectId) return byId;
  return state.securityGroups.ofProject(projectId).find((g) => g.name === nameOrId);
}
