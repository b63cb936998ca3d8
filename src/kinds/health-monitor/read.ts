/** Health monitors of the project's pools (GET /v2/lbaas/healthmonitors?project_id=): type, timings, HTTP check. */
import type { HealthMonitor } from '../../openstack/load-balancer/health-monitors/types.js';
import type { HealthMonitorSpec } from '../../plan/types.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { markerIn, userTags } from '../markers.js';
import { compact, text } from '../shared/read.js';
import { projectHealthMonitors } from '../load-balancer/octavia.js';

export const healthMonitorReader: KindReader<HealthMonitor> = {
  kind: 'health_monitor',
  list: (ctx) => projectHealthMonitors(ctx),
  identify: (hm) => ({ id: hm.id, name: hm.name ?? '' }),
  toEntry(hm): DraftEntry {
    const tags = userTags(hm.tags);
    const spec: HealthMonitorSpec = compact({
      name: hm.name ?? '',
      admin_state_up: hm.admin_state_up === false ? false : undefined,
      type: hm.type as HealthMonitorSpec['type'],
      delay: hm.delay,
      timeout: hm.timeout,
      max_retries: hm.max_retries,
      max_retries_down: hm.max_retries_down,
      http_method: text(hm.http_method ?? undefined),
      url_path: text(hm.url_path ?? undefined),
      expected_codes: text(hm.expected_codes ?? undefined),
      // 1.0 is the default (and all a Pike monitor, API 2.0, speaks).
      http_version: hm.http_version === 1 || hm.http_version === null ? undefined : hm.http_version,
      domain_name: text(hm.domain_name ?? undefined),
      tags: tags.length > 0 ? tags.sort() : undefined,
    });
    return {
      spec: { ...spec },
      refs: compact({ pool: hm.pools?.[0]?.id }),
      source: compact({
        id: hm.id,
        project_id: hm.project_id ?? hm.tenant_id,
        provisioning_status: hm.provisioning_status,
        operating_status: hm.operating_status,
        marker: markerIn(hm.tags),
      }),
    };
  },
};
