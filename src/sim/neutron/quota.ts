import type { Table } from '../core/table.js';
import type { RegionState } from '../state/region.js';
import { nError } from './common.js';

/** Neutron's OverQuota (409) when the project already has as many `resource` as its quota allows. */
export function checkQuota(state: RegionState, projectId: string, resource: string, table: Table): void {
  const limit = state.quotas.limit(projectId, 'network', resource);
  if (limit < 0) return;
  const used = table.countOfProject(projectId);
  if (used + 1 > limit) {
    throw nError(409, 'OverQuota', `Quota exceeded for resources: ['${resource}'].`);
  }
}
