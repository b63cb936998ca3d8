/** The QoS policy kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { byName, externalQuery, type ExternalMatch, type ExternalResolution, type TargetCatalog } from '../external.js';
import { isNotFound } from '../../openstack/errors.js';
import type { QosPolicySpec, QosRuleSpec } from '../../plan/types.js';
import type { PlanResource } from '../../plan/types.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';
import { qosRuleOf } from './read.js';

/** `bandwidth_limit direction=egress max_kbps=100`: the type, then its fields in name order. */
const describeRule = (rule: QosRuleSpec): string =>
  [
    rule.type,
    ...Object.entries(rule)
      .filter(([k]) => k !== 'type')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${String(v)}`),
  ].join(' ');

/**
 * How a QoS policy entry is found on the target: by (mapped) name among the policies the target project can see (its
 * own and those shared with it), then with the same rules, else blocked with the rules that differ. Bascule never
 * creates a policy (Neutron's default policy lets only an administrator: `rule:create_policy`).
 */
async function find(
  catalog: TargetCatalog,
  entry: PlanResource,
  resolution?: ExternalResolution,
): Promise<ExternalMatch> {
  const { name, via } = externalQuery(entry, resolution);
  let all;
  try {
    all = await catalog.qosPolicies();
  } catch (error) {
    if (isNotFound(error))
      return { blocked: `the target's Neutron has no qos extension: QoS policy ${name} cannot be bound there` };
    throw error;
  }
  const match = byName(all, name, 'QoS policy');
  if (!('id' in match))
    return match.candidates === undefined
      ? {
          blocked: `${match.blocked}${via}: an administrator must create it (Bascule does not: by default only an administrator may), or map it to another policy`,
        }
      : match;
  const found = all.find((p) => p.id === match.id)!;
  const want = ((entry.spec as QosPolicySpec).rules ?? []).map(describeRule).sort();
  const have = (found.rules ?? []).map((r) => describeRule(qosRuleOf(r))).sort();
  const missing = want.filter((r) => !have.includes(r));
  const extra = have.filter((r) => !want.includes(r));
  if (missing.length > 0 || extra.length > 0)
    return {
      blocked: `QoS policy ${name} on the target has other rules${via}: ${missing.length > 0 ? `lacks ${missing.join(', ')}` : ''}${missing.length > 0 && extra.length > 0 ? '; ' : ''}${extra.length > 0 ? `has ${extra.join(', ')}` : ''}`,
    };
  return { id: match.id, how: `${match.how}${via}, same rules` };
}

export const qosPolicyDescriptor = defineKind({
  kind: 'qos_policy',
  service: 'network',
  refs: KIND_REFS.qos_policy,
  external: KIND_EXTERNAL.qos_policy,
  lossy: [],
  sensitive: [],
  findExternal: find,
  matchOnly: true,
});
