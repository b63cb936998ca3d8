/**
 * L7 policies of the project's listeners (GET /v2/lbaas/l7policies?project_id=) with their rules
 * (GET /v2/lbaas/l7policies/{id}/rules), which the plan keeps inside the policy, in a stable order.
 */
import type { L7PolicySpec, L7RuleSpec } from '../../plan/types.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { markerIn, userTags } from '../markers.js';
import { compact, text } from '../shared/read.js';
import { projectL7Policies, type L7PolicyWire } from '../load-balancer/octavia.js';

export const l7PolicyReader: KindReader<L7PolicyWire> = {
  kind: 'l7_policy',
  list: (ctx) => projectL7Policies(ctx),
  identify: (p) => ({ id: p.id, name: p.name ?? '' }),
  toEntry(p): DraftEntry {
    const tags = userTags(p.tags);
    const rules: L7RuleSpec[] = p.rule_list
      .map((rule) =>
        compact({
          type: rule.type,
          compare_type: rule.compare_type as L7RuleSpec['compare_type'],
          key: rule.key ?? undefined,
          value: rule.value,
          invert: rule.invert === true ? true : undefined,
          admin_state_up: rule.admin_state_up === false ? false : undefined,
        }),
      )
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const spec: L7PolicySpec = compact({
      name: p.name ?? '',
      description: text(p.description),
      admin_state_up: p.admin_state_up === false ? false : undefined,
      action: p.action as L7PolicySpec['action'],
      position: p.position,
      redirect_url: text(p.redirect_url ?? undefined),
      redirect_prefix: text(p.redirect_prefix ?? undefined),
      redirect_http_code: (p.redirect_http_code ?? undefined) as L7PolicySpec['redirect_http_code'],
      rules: rules.length > 0 ? rules : undefined,
      tags: tags.length > 0 ? tags.sort() : undefined,
    });
    return {
      spec: { ...spec },
      refs: compact({ listener: p.listener_id, redirect_pool: p.redirect_pool_id ?? undefined }),
      source: compact({
        id: p.id,
        project_id: p.project_id ?? p.tenant_id,
        provisioning_status: p.provisioning_status,
        operating_status: p.operating_status,
        marker: markerIn(p.tags),
      }),
    };
  },
};
