/** Every optional service's contract section, in the order they run (test/contract/services/section.ts). */
import { dnsSection } from './dns.js';
import { loadBalancerSection } from './load-balancer.js';
import { neutronExtrasSection } from './neutron-extras.js';
import { objectStoreSection } from './object-store.js';
import type { ServiceSection } from './section.js';

export const SERVICE_SECTIONS: readonly ServiceSection[] = [
  objectStoreSection,
  loadBalancerSection,
  dnsSection,
  neutronExtrasSection,
];
