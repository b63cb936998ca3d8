/**
 * The closed set of actions a dry run gives each plan entry (Terraform's plans.Action, adapted):
 *   create    the target has nothing that matches: it will be created
 *   update    one object matches and differs only in fields `update` can change in place
 *   no-op     one object matches and is equal (or an external reference resolved)
 *   conflict  one object matches and differs in a field that cannot be changed, or more than one matches
 *   blocked   a reference cannot be resolved (an external with no match on the target, a missing mapping,
 *             workload data without a source cloud, a dependency that is itself blocked or conflicting)
 *   lossy     will be created, but some fields cannot be kept as they were (a MAC, a floating IP address)
 */
import type { PlanKind } from '../plan/kinds.js';

export const ACTION = {
  CREATE: 'create',
  UPDATE: 'update',
  NOOP: 'no-op',
  CONFLICT: 'conflict',
  BLOCKED: 'blocked',
  LOSSY: 'lossy',
} as const;
export type Action = (typeof ACTION)[keyof typeof ACTION];

/** One field that differs between the plan and the target object. `field` is a spec field or `refs.<name>`. */
export interface FieldChange {
  field: string;
  /** The target's value (undefined when absent). */
  from: unknown;
  /** The plan's value. */
  to: unknown;
  /** Whether `update` can change it in place. */
  updatable: boolean;
}

export interface PlannedAction {
  key: string;
  kind: PlanKind;
  action: Action;
  /** An external reference (resolved on the target, never created). */
  external?: boolean;
  /** The target object (update, no-op, conflict with one candidate, resolved externals). */
  targetId?: string;
  /** Field-by-field differences (update, conflict). */
  changes?: FieldChange[];
  /** Spec fields that will not be kept (lossy). */
  lossy?: string[];
  /** Of those, the fields the target lacks (an older release), each with what it lacks (src/engine/capabilities.ts). */
  unsupported?: Record<string, string>;
  /** Why (blocked, conflict) or how an external was resolved. */
  reason?: string;
  /** Target IDs of every candidate when more than one matched. */
  candidates?: string[];
  /** The target object carries Bascule's marker for this entry (it was created by Bascule). */
  marked?: boolean;
  /**
   * Addresses of the source the entry points at, written as the target's (a DNS record at a migrated floating IP):
   * the field, the source value, the target value (or when it is known after apply) and the entry it belongs to.
   */
  rewrites?: AddressRewrite[];
}

/** One address an entry points at, rewritten to the target's (src/engine/addresses.ts). */
export interface AddressRewrite {
  field: string;
  from: string;
  to: string;
  /** The plan key of the entry whose address it is. */
  via: string;
}

/** Actions that stop an apply: the dry run exits 1 when any is present. */
export function isBlocking(action: Action): boolean {
  return action === ACTION.CONFLICT || action === ACTION.BLOCKED;
}

/** Actions that change the target. */
export function isMutating(action: Action): boolean {
  return action === ACTION.CREATE || action === ACTION.UPDATE || action === ACTION.LOSSY;
}

export type ActionCounts = Record<Action, number>;

export function countActions(actions: readonly PlannedAction[]): ActionCounts {
  const counts: ActionCounts = { create: 0, update: 0, 'no-op': 0, conflict: 0, blocked: 0, lossy: 0 };
  for (const a of actions) counts[a.action] += 1;
  return counts;
}
