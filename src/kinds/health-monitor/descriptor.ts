/** The health monitor kind (Octavia): what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';
import { checkOctaviaTarget } from '../load-balancer/octavia.js';

export const healthMonitorDescriptor = defineKind({
  kind: 'health_monitor',
  service: 'load-balancer',
  refs: KIND_REFS.health_monitor,
  external: KIND_EXTERNAL.health_monitor,
  lossy: [],
  sensitive: [],
  updatable: [
    'name',
    'admin_state_up',
    'delay',
    'timeout',
    'max_retries',
    'max_retries_down',
    'http_method',
    'url_path',
    'expected_codes',
    'http_version',
    'domain_name',
    'tags',
  ],
  exportedWith: 'pool',
  companionOf: (refs, kept) => {
    const pool = typeof refs.pool === 'string' ? refs.pool : undefined;
    return pool !== undefined && kept.has(pool) ? pool : undefined;
  },
  // Unnamed: <pool>/monitor (a pool has at most one).
  keys: {
    after: ['pool'],
    name: (record, ctx) => record.name || `${ctx.nameOf('pool', firstId(record.refs.pool)) ?? 'pool'}/monitor`,
  },
  checkTarget: (creates, ctx) => checkOctaviaTarget('health_monitor', creates, ctx),
});
