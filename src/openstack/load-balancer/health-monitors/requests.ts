import { crud } from '../../resource.js';
import type { HealthMonitor, HealthMonitorCreateOpts, HealthMonitorUpdateOpts } from './types.js';

/** Octavia `/v2/lbaas/healthmonitors`. */
export const healthMonitorsApi = crud<HealthMonitor, HealthMonitorCreateOpts, HealthMonitorUpdateOpts>({
  path: '/v2/lbaas/healthmonitors',
  one: 'healthmonitor',
  many: 'healthmonitors',
  pagination: 'links',
});
export const { list, get, create, update, remove } = healthMonitorsApi;
