/** The L7 policy kind (Octavia; its rules inside): what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';
import { checkOctaviaTarget } from '../load-balancer/octavia.js';

export const l7PolicyDescriptor = defineKind({
  kind: 'l7_policy',
  service: 'load-balancer',
  refs: KIND_REFS.l7_policy,
  external: KIND_EXTERNAL.l7_policy,
  lossy: [],
  sensitive: [],
  updatable: [
    'name',
    'description',
    'admin_state_up',
    'action',
    'position',
    'redirect_url',
    'redirect_prefix',
    'redirect_http_code',
    'rules',
    'refs.redirect_pool',
    'tags',
  ],
  exportedWith: 'listener',
  companionOf: (refs, kept) => {
    const listener = typeof refs.listener === 'string' ? refs.listener : undefined;
    return listener !== undefined && kept.has(listener) ? listener : undefined;
  },
  // Unnamed: <listener>/policy-<position>.
  keys: {
    after: ['listener'],
    name: (record, ctx) =>
      record.name ||
      `${ctx.nameOf('listener', firstId(record.refs.listener)) ?? 'listener'}/policy-${String(record.spec.position ?? 1)}`,
  },
  checkTarget: (creates, ctx) => checkOctaviaTarget('l7_policy', creates, ctx),
});
