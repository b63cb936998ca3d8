/**
 * Security group rules have no name and no tags: a rule is found by its exact attributes in its group (the target's
 * default rules included, so they are never duplicated). A create answered 409 SecurityGroupRuleExists is a find.
 */
import { isConflict } from '../../openstack/errors.js';
import { collect } from '../../openstack/pagination.js';
import * as rules from '../../openstack/network/security-group-rules/requests.js';
import type {
  SecurityGroupRule,
  SecurityGroupRuleCreateOpts,
} from '../../openstack/network/security-group-rules/types.js';
import type { SecurityGroupRuleSpec } from '../../plan/types.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import { getOrUndefined, refId, removeIgnoringMissing, sig } from '../shared/write.js';

const ANY_PREFIX = new Set(['0.0.0.0/0', '::/0']);

function norm(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' ? value.toLowerCase() : value;
}

function prefix(value: string | null | undefined): string | null {
  if (value === undefined || value === null || value === '' || ANY_PREFIX.has(value)) return null;
  return value;
}

/** Whether a target rule is this entry's rule (same group, direction, ethertype, protocol, ports, remote). */
export function sameRule(rule: SecurityGroupRule, r: ResolvedEntry): boolean {
  const spec = r.entry.spec as SecurityGroupRuleSpec;
  return (
    rule.security_group_id === refId(r, 'security_group') &&
    rule.direction === spec.direction &&
    rule.ethertype === spec.ethertype &&
    norm(rule.protocol) === norm(spec.protocol) &&
    norm(rule.port_range_min) === norm(spec.port_range_min) &&
    norm(rule.port_range_max) === norm(spec.port_range_max) &&
    prefix(rule.remote_ip_prefix) === prefix(spec.remote_ip_prefix) &&
    norm(rule.remote_group_id) === norm(refId(r, 'remote_group')) &&
    norm(rule.remote_address_group_id) === norm(refId(r, 'remote_address_group'))
  );
}

async function findRules(ctx: WriteContext, r: ResolvedEntry): Promise<SecurityGroupRule[]> {
  const group = refId(r, 'security_group');
  if (!group) return [];
  const all = await collect(rules.list(ctx.cloud.network, { security_group_id: group }, sig(ctx)));
  return all.filter((rule) => sameRule(rule, r));
}

/** The extension a rule needs for a remote address group. */
const REMOTE_ADDRESS_GROUP = 'security-groups-remote-address-group';

export const securityGroupRuleWriter: KindWriter<SecurityGroupRule> = {
  kind: 'security_group_rule',
  check: (ctx, r) =>
    r.entry.refs?.remote_address_group !== undefined && !ctx.extensions.has(REMOTE_ADDRESS_GROUP)
      ? `its remote is an address group, and the target's Neutron has no ${REMOTE_ADDRESS_GROUP} extension (Wallaby and later)`
      : undefined,
  find: findRules,
  async create(ctx, r) {
    const spec = r.entry.spec as SecurityGroupRuleSpec;
    const body: SecurityGroupRuleCreateOpts = {
      security_group_id: refId(r, 'security_group')!,
      direction: spec.direction,
      ethertype: spec.ethertype,
    };
    if (spec.protocol !== undefined && spec.protocol !== null) body.protocol = spec.protocol;
    if (spec.port_range_min !== undefined && spec.port_range_min !== null) body.port_range_min = spec.port_range_min;
    if (spec.port_range_max !== undefined && spec.port_range_max !== null) body.port_range_max = spec.port_range_max;
    const remoteGroup = refId(r, 'remote_group');
    const remoteAddresses = refId(r, 'remote_address_group');
    if (remoteGroup) body.remote_group_id = remoteGroup;
    else if (remoteAddresses) body.remote_address_group_id = remoteAddresses;
    else if (spec.remote_ip_prefix) body.remote_ip_prefix = spec.remote_ip_prefix;
    if (spec.description) body.description = spec.description;
    try {
      return await rules.create(ctx.cloud.network, body, sig(ctx));
    } catch (error) {
      // SecurityGroupRuleExists: it is there already (made by Neutron, or by a call whose answer was lost).
      if (isConflict(error)) {
        const found = await findRules(ctx, r);
        if (found.length === 1) return found[0]!;
      }
      throw error;
    }
  },
  get: (ctx, id) => getOrUndefined(() => rules.get(ctx.cloud.network, id, sig(ctx))),
  hasMarker: () => false,
  remove: (ctx, id) => removeIgnoringMissing(() => rules.remove(ctx.cloud.network, id, sig(ctx))),
  idOf: (wire) => wire.id,
};
