/**
 * Designate (dns): the behaviours Bascule's DNS kinds rely on. The DNS engineer's checks go here; this first one
 * proves a project member may use the v2 API.
 */
import { expect } from 'vitest';
import type { ServiceSection } from './section.js';

export const dnsSection: ServiceSection = {
  service: 'dns',
  title: 'DNS',
  checks(check) {
    check('lets a project member list its zones (v2)', async ({ target }) => {
      const designate = target.cloud.client('dns');
      const response = await designate.request<{ zones: unknown[] }>('GET', '/zones');
      expect(Array.isArray(response.data.zones)).toBe(true);
    });
  },
};
