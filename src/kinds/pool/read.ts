/** Pools of the project's load balancers (GET /v2/lbaas/pools?project_id=): protocol, algorithm, session persistence. */
import type { Pool } from '../../openstack/load-balancer/pools/types.js';
import type { PoolSpec } from '../../plan/types.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { markerIn, userTags } from '../markers.js';
import { compact, text } from '../shared/read.js';
import { projectPools } from '../load-balancer/octavia.js';

export const poolReader: KindReader<Pool> = {
  kind: 'pool',
  list: (ctx) => projectPools(ctx),
  identify: (p) => ({ id: p.id, name: p.name ?? '' }),
  toEntry(p): DraftEntry {
    const tags = userTags(p.tags);
    const sp = p.session_persistence;
    const spec: PoolSpec = compact({
      name: p.name ?? '',
      description: text(p.description),
      admin_state_up: p.admin_state_up === false ? false : undefined,
      protocol: p.protocol as PoolSpec['protocol'],
      lb_algorithm: p.lb_algorithm as PoolSpec['lb_algorithm'],
      session_persistence: sp?.type
        ? compact({
            type: sp.type as NonNullable<PoolSpec['session_persistence']>['type'],
            cookie_name: sp.cookie_name ?? undefined,
            persistence_timeout: sp.persistence_timeout ?? undefined,
            persistence_granularity: sp.persistence_granularity ?? undefined,
          })
        : undefined,
      tags: tags.length > 0 ? tags.sort() : undefined,
    });
    return {
      spec: { ...spec },
      refs: compact({ load_balancer: p.loadbalancers?.[0]?.id, listener: p.listeners?.[0]?.id }),
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
