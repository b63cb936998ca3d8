/** The member kind (Octavia pool members): what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';
import { checkOctaviaTarget } from '../load-balancer/octavia.js';

export const memberDescriptor = defineKind({
  kind: 'member',
  service: 'load-balancer',
  refs: KIND_REFS.member,
  external: KIND_EXTERNAL.member,
  // With refs.port, the address is the target port's (the same when the port kept its fixed IP).
  lossy: [],
  sensitive: [],
  updatable: ['name', 'admin_state_up', 'weight', 'backup', 'monitor_address', 'monitor_port', 'tags'],
  exportedWith: 'pool',
  companionOf: (refs, kept) => {
    const pool = typeof refs.pool === 'string' ? refs.pool : undefined;
    return pool !== undefined && kept.has(pool) ? pool : undefined;
  },
  // Usually unnamed: <pool>/<address>:<port>.
  keys: {
    after: ['pool'],
    name: (record, ctx) =>
      record.name ||
      `${ctx.nameOf('pool', firstId(record.refs.pool)) ?? 'pool'}/${String(record.spec.address)}:${String(record.spec.protocol_port)}`,
  },
  checkTarget: (creates, ctx) => checkOctaviaTarget('member', creates, ctx),
});
