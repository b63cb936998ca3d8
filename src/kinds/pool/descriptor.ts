/** The pool kind (Octavia): what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';
import { checkOctaviaTarget } from '../load-balancer/octavia.js';

export const poolDescriptor = defineKind({
  kind: 'pool',
  service: 'load-balancer',
  refs: KIND_REFS.pool,
  external: KIND_EXTERNAL.pool,
  lossy: [],
  sensitive: [],
  updatable: ['name', 'description', 'admin_state_up', 'lb_algorithm', 'session_persistence', 'tags'],
  exportedWith: 'load_balancer',
  companionOf: (refs, kept) => {
    const lb = typeof refs.load_balancer === 'string' ? refs.load_balancer : undefined;
    return lb !== undefined && kept.has(lb) ? lb : undefined;
  },
  // Unnamed: <listener>/pool, else <load balancer>/pool-<protocol>.
  keys: {
    after: ['load_balancer', 'listener'],
    name: (record, ctx) => {
      if (record.name) return record.name;
      const listener = ctx.nameOf('listener', firstId(record.refs.listener));
      if (listener !== undefined) return `${listener}/pool`;
      return `${ctx.nameOf('load_balancer', firstId(record.refs.load_balancer)) ?? 'lb'}/pool-${String(record.spec.protocol)}`;
    },
  },
  checkTarget: (creates, ctx) => checkOctaviaTarget('pool', creates, ctx),
});
