/** The load balancer kind (Octavia): what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';
import { checkOffers, mapSpec } from './mapping.js';
import { checkOctaviaTarget } from './octavia.js';

export const loadBalancerDescriptor = defineKind({
  kind: 'load_balancer',
  service: 'load-balancer',
  refs: KIND_REFS.load_balancer,
  external: KIND_EXTERNAL.load_balancer,
  // The VIP address is kept when the target subnet can give it; another cloud may pick another.
  lossy: ['vip_address'],
  sensitive: [],
  updatable: ['name', 'description', 'admin_state_up', 'tags'],
  // Exported with its VIP's subnet.
  exportedWith: 'vip_subnet',
  // The service, tags and role; then the provider and flavor (after the mapping) that the target offers.
  checkTarget: async (creates, ctx) => {
    const issues = await checkOctaviaTarget('load_balancer', creates, ctx);
    return issues.some((i) => i.code === 'TARGET_NO_OCTAVIA')
      ? issues
      : [...issues, ...(await checkOffers(creates, ctx))];
  },
  // The mapping's load_balancer_providers and load_balancer_flavors rules.
  mapSpec,
  // The VIP address: DNS records that point at it follow it to the target's (src/engine/addresses.ts).
  address: (spec) => (typeof spec.vip_address === 'string' ? spec.vip_address : undefined),
});
