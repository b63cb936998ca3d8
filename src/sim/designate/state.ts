/**
 * Designate's state for one region, kept beside the region (a WeakMap, so the service stays in its own folder):
 * zones and their recordsets, stored in their API shape.
 */
import { Table } from '../core/table.js';
import type { RegionState } from '../state/region.js';

export interface DesignateState {
  readonly zones: Table;
  readonly recordsets: Table;
}

const STATES = new WeakMap<RegionState, DesignateState>();

export function designateOf(region: RegionState): DesignateState {
  let state = STATES.get(region);
  if (!state) {
    state = { zones: new Table(), recordsets: new Table() };
    STATES.set(region, state);
  }
  return state;
}
