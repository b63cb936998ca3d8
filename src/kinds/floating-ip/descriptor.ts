/** The floating ip kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const floatingIpDescriptor = defineKind({
  kind: 'floating_ip',
  service: 'network',
  refs: KIND_REFS.floating_ip,
  external: KIND_EXTERNAL.floating_ip,
  lossy: ['floating_ip_address'],
  sensitive: [],
  nameless: true,
  // A floating IP can be associated with a port only once a router joins the port's subnet to the floating
  // network, so it waits for the plan's routers on that network (an order, not a reference).
  extraDeps: (entry, plan) =>
    plan
      .filter((other) => other.kind === 'router' && other.refs?.external_network === entry.refs?.floating_network)
      .map((router) => router.key),
});
