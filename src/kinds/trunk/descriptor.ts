/** The trunk kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const trunkDescriptor = defineKind({
  kind: 'trunk',
  service: 'network',
  refs: KIND_REFS.trunk,
  external: KIND_EXTERNAL.trunk,
  lossy: [],
  sensitive: [],
  // Unnamed: <parent port>/trunk.
  keys: {
    after: ['port'],
    name: (record, ctx) =>
      record.name !== '' ? record.name : `${ctx.nameOf('port', firstId(record.refs.port)) ?? 'port'}/trunk`,
  },
  // Kept with its parent port (its sub-ports come with it as references).
  companionOf: (refs, kept) => (typeof refs.port === 'string' && kept.has(refs.port) ? refs.port : undefined),
  exportedWith: 'port',
  updatable: ['name', 'description', 'admin_state_up', 'tags', 'sub_ports', 'refs.sub_ports'],
});
