/** The security group rule kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId, oneOf } from '../descriptor.js';
import { ruleKeyName } from '../../plan/keys.js';
import type { SecurityGroupRuleSpec } from '../../plan/types.js';
import { DEFAULT_GROUP, isDefaultGroup } from '../security-group/descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

/** Egress to anywhere, any protocol: the rule Neutron adds to every new security group (IPv4 and IPv6). */
function isNeutronDefaultRule(spec: SecurityGroupRuleSpec): boolean {
  const r = spec as {
    direction?: string;
    protocol?: string | null;
    port_range_min?: number | null;
    port_range_max?: number | null;
    remote_ip_prefix?: string | null;
  };
  const empty = (v: unknown) => v === undefined || v === null;
  return (
    r.direction === 'egress' &&
    empty(r.protocol) &&
    empty(r.port_range_min) &&
    empty(r.port_range_max) &&
    (empty(r.remote_ip_prefix) || r.remote_ip_prefix === '0.0.0.0/0' || r.remote_ip_prefix === '::/0')
  );
}

export const securityGroupRuleDescriptor = defineKind({
  kind: 'security_group_rule',
  service: 'network',
  refs: KIND_REFS.security_group_rule,
  external: KIND_EXTERNAL.security_group_rule,
  lossy: [],
  sensitive: [],
  notState: ['description'],
  markerless: true,
  nameless: true,
  // The egress-to-anywhere rules Neutron puts in every new security group: they will be found, not created.
  madeWithParent: (entry, refs, pending) =>
    isNeutronDefaultRule(entry.spec as SecurityGroupRuleSpec) &&
    refs.remote_group === undefined &&
    refs.remote_address_group === undefined &&
    Array.isArray(refs.security_group) === false &&
    pending(String(refs.security_group))
      ? 'Neutron makes this rule with its new group'
      : undefined,
  targetOwned: (entry, byKey) =>
    isDefaultGroup(byKey(String(entry.refs?.security_group ?? ''))) ? DEFAULT_GROUP : undefined,
  // <group>/<direction>-<ethertype>-<protocol>-<ports>-<remote> (ruleKeyName).
  keys: {
    after: ['security_group', 'address_group'],
    name: (record, ctx) =>
      ruleKeyName(
        ctx.nameOf('security_group', firstId(record.refs.security_group)) ?? 'group',
        record.spec as Parameters<typeof ruleKeyName>[1],
        ctx.nameOf('security_group', firstId(record.refs.remote_group)),
        ctx.nameOf('address_group', firstId(record.refs.remote_address_group)),
      ),
  },
  quota: oneOf('network', 'security_group_rule'),
  exportedWith: 'security_group',
  // Kept with its group (and the remote group or address group it names, when it names one).
  companionOf: (refs, kept) => {
    const group = typeof refs.security_group === 'string' ? refs.security_group : undefined;
    const remote = typeof refs.remote_group === 'string' ? refs.remote_group : undefined;
    const addresses = typeof refs.remote_address_group === 'string' ? refs.remote_address_group : undefined;
    return group !== undefined &&
      kept.has(group) &&
      (remote === undefined || kept.has(remote)) &&
      (addresses === undefined || kept.has(addresses))
      ? group
      : undefined;
  },
  // Without its remote address group the rule would admit any address: it is left out rather than widened.
  unexportable: (refs, draft) =>
    draft.remote_address_group !== undefined && refs.remote_address_group === undefined
      ? `its remote address group ${String(draft.remote_address_group)} is not exported, and without it the rule would admit any address`
      : undefined,
});
