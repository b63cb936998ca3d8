/**
 * Octavia (load-balancer): the behaviours Bascule's load balancer kind relies on. The load balancer engineer's
 * checks go here; this first one proves the member user may use the API (Octavia's policy wants the
 * `load-balancer_member` role, which the e2e cloud gives its project users).
 */
import { expect } from 'vitest';
import type { ServiceSection } from './section.js';

export const loadBalancerSection: ServiceSection = {
  service: 'load-balancer',
  title: 'load balancers',
  checks(check) {
    check('lets a project member list its load balancers (v2)', async ({ target }) => {
      const octavia = target.cloud.client('load-balancer');
      const response = await octavia.request<{ loadbalancers: unknown[] }>('GET', '/v2/lbaas/loadbalancers');
      expect(Array.isArray(response.data.loadbalancers)).toBe(true);
    });
  },
};
