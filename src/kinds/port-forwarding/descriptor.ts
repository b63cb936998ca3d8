/** The port forwarding kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const portForwardingDescriptor = defineKind({
  kind: 'port_forwarding',
  service: 'network',
  refs: KIND_REFS.port_forwarding,
  external: KIND_EXTERNAL.port_forwarding,
  lossy: [],
  sensitive: [],
  // No name and no tags: found (and owned, for rollback) by its floating IP, protocol and external port.
  markerless: true,
  nameless: true,
  // <floating IP>/<protocol>-<external port>.
  keys: {
    after: ['floating_ip'],
    name: (record, ctx) =>
      `${ctx.nameOf('floating_ip', firstId(record.refs.floating_ip)) ?? 'floating-ip'}/${String(record.spec.protocol)}-${String(record.spec.external_port)}`,
  },
  exportedWith: 'floating_ip',
  // Kept with its floating IP, when the port it forwards to is kept too.
  companionOf: (refs, kept) => {
    const fip = typeof refs.floating_ip === 'string' ? refs.floating_ip : undefined;
    const port = typeof refs.port === 'string' ? refs.port : undefined;
    return fip !== undefined && kept.has(fip) && port !== undefined && kept.has(port) ? fip : undefined;
  },
  updatable: ['internal_ip_address', 'internal_port', 'description', 'refs.port'],
});
