/**
 * Security group rules: every rule of every group the project owns, the default egress rules included (apply
 * matches existing ones). Read from the groups' embedded `security_group_rules` (no request of its own).
 * A rule whose remote is an address group references it (`remote_address_group`).
 */
import type { SecurityGroupRule } from '../../openstack/network/security-group-rules/types.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { compact, listProjectSecurityGroups, text } from '../shared/read.js';

export const securityGroupRuleReader: KindReader<SecurityGroupRule> = {
  kind: 'security_group_rule',
  async list(ctx) {
    const groups = await listProjectSecurityGroups(ctx);
    const rules: SecurityGroupRule[] = [];
    for (const group of groups) {
      for (const rule of group.security_group_rules ?? [])
        rules.push({ ...rule, security_group_id: rule.security_group_id ?? group.id });
    }
    return rules;
  },
  identify: (rule) => ({ id: rule.id, name: '' }),
  toEntry(rule): DraftEntry {
    const protocol =
      rule.protocol === undefined || rule.protocol === null || rule.protocol === ''
        ? undefined
        : String(rule.protocol).toLowerCase();
    return {
      spec: compact({
        direction: rule.direction,
        ethertype: rule.ethertype,
        protocol,
        port_range_min: rule.port_range_min ?? undefined,
        port_range_max: rule.port_range_max ?? undefined,
        remote_ip_prefix:
          rule.remote_group_id || rule.remote_address_group_id ? undefined : (rule.remote_ip_prefix ?? undefined),
        description: text(rule.description),
      }),
      refs: compact({
        security_group: rule.security_group_id,
        remote_group: rule.remote_group_id ?? undefined,
        remote_address_group: rule.remote_address_group_id ?? undefined,
      }),
      source: compact({
        id: rule.id,
        created_at: rule.created_at,
        updated_at: rule.updated_at,
        project_id: rule.project_id ?? rule.tenant_id,
      }),
    };
  },
};
