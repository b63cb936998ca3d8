/**
 * QoS policies (`qos`): the project's own (GET /v2.0/qos/policies?project_id=) and, as external references, the
 * shared ones its ports and networks are bound to. Rules are embedded in the policy. Bascule matches them on the
 * target by name and rules; it never creates one.
 */
import * as qosPolicies from '../../openstack/network/qos-policies/requests.js';
import type { QosPolicy, QosRule } from '../../openstack/network/qos-policies/types.js';
import { collect } from '../../openstack/pagination.js';
import type { QosRuleSpec } from '../../plan/types.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { PAGE_SIZE, compact, errorText, ownedByProject, ownerQuery, text } from '../shared/read.js';

/** The Neutron extension of QoS policies. */
export const QOS_EXTENSION = 'qos';

const RULE_FIELDS = [
  'direction',
  'max_kbps',
  'max_burst_kbps',
  'min_kbps',
  'dscp_mark',
  'max_kpps',
  'max_burst_kpps',
  'min_kpps',
] as const;

/** A rule as the plan holds it: its type and the fields that type has (no ID). */
export function qosRuleOf(rule: QosRule): QosRuleSpec {
  const out: Record<string, unknown> = { type: rule.type };
  for (const field of RULE_FIELDS) if (rule[field] !== undefined && rule[field] !== null) out[field] = rule[field];
  return out as unknown as QosRuleSpec;
}

function specOf(policy: QosPolicy): Record<string, unknown> {
  const rules = (policy.rules ?? [])
    .map(qosRuleOf)
    .sort((a, b) => `${a.type}/${a.direction ?? ''}`.localeCompare(`${b.type}/${b.direction ?? ''}`));
  return compact({
    name: policy.name ?? '',
    description: text(policy.description),
    shared: policy.shared === true ? true : undefined,
    rules: rules.length > 0 ? rules : undefined,
  });
}

export const qosPolicyReader: KindReader<QosPolicy> = {
  kind: 'qos_policy',
  async list(ctx) {
    if (!ctx.extensions.has(QOS_EXTENSION)) return [];
    return (
      await collect(qosPolicies.list(ctx.cloud.network, ownerQuery(ctx), { pageSize: PAGE_SIZE, signal: ctx.signal }))
    ).filter((p) => ownedByProject(ctx, p));
  },
  identify: (policy) => ({ id: policy.id, name: policy.name ?? '' }),
  toEntry(policy): DraftEntry {
    return {
      spec: specOf(policy),
      refs: {},
      source: compact({ id: policy.id, project_id: policy.project_id ?? policy.tenant_id }),
    };
  },
  async describeExternal(id, ctx) {
    try {
      const policy = await qosPolicies.get(ctx.cloud.network, id, { signal: ctx.signal });
      return {
        spec: specOf(policy),
        source: compact({ id: policy.id, project_id: policy.project_id ?? policy.tenant_id }),
      };
    } catch (error) {
      ctx.warn({
        kind: 'qos_policy',
        resource: id,
        code: 'QOS_POLICY_UNREADABLE',
        message: `QoS policy ${id} could not be read (${errorText(error)}): the binding to it is left out`,
      });
      return undefined;
    }
  },
};
