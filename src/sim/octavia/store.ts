/**
 * Octavia's state in one region, kept beside the region's other services (a WeakMap on RegionState, so that a new
 * service needs no field in the shared state class). Records are stored in their API shape.
 */
import { Table } from '../core/table.js';
import type { RegionState } from '../state/region.js';

export class OctaviaState {
  readonly loadbalancers = new Table();
  readonly listeners = new Table();
  readonly pools = new Table();
  /** Members of every pool (each record keeps its `pool_id`). */
  readonly members = new Table();
  readonly healthmonitors = new Table();
  readonly l7policies = new Table();
  /** Rules of every L7 policy (each record keeps its `l7policy_id`). */
  readonly l7rules = new Table();
  /** The operator's flavors (`id`, `name`, `description`, `enabled`), API 2.6+; tests put them here. */
  readonly flavors = new Table();
}

const STATES = new WeakMap<RegionState, OctaviaState>();

export function octaviaOf(state: RegionState): OctaviaState {
  let octavia = STATES.get(state);
  if (!octavia) {
    octavia = new OctaviaState();
    STATES.set(state, octavia);
  }
  return octavia;
}

/** How long the simulated (no-op) drivers take: PENDING_* for this long, then ACTIVE. */
export const OCTAVIA_DELAYS = { loadBalancerMs: 80, childMs: 20, deleteMs: 20 };
