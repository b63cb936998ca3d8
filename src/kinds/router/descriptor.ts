/** The router kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, oneOf } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const routerDescriptor = defineKind({
  kind: 'router',
  service: 'network',
  refs: KIND_REFS.router,
  external: KIND_EXTERNAL.router,
  lossy: ['external_fixed_ips', 'distributed', 'ha'],
  sensitive: [],
  // Its interface ports are named <router>/interface.
  keys: {
    places: (record) => {
      const ports = record.refs.interface_ports;
      return Array.isArray(ports) ? ports.map((id) => ({ id, slot: 'interface' })) : [];
    },
  },
  quota: oneOf('network', 'router'),
  // Kept when everything it connects is kept.
  companionOf: (refs, kept) => {
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const inside = [...list(refs.interfaces), ...list(refs.interface_ports)];
    return inside.length > 0 && inside.every((key) => kept.has(key)) ? inside[0] : undefined;
  },
  zones: { field: 'availability_zone_hints', list: true },
  updatable: [
    'name',
    'description',
    'admin_state_up',
    'routes',
    'tags',
    'enable_snat',
    'refs.external_network',
    'refs.interfaces',
    'refs.interface_ports',
  ],
});
