/**
 * Swift's state for one region, kept beside the region (a WeakMap, so the service stays in its own folder): accounts
 * (one per project, `AUTH_<project id>`, made on first use as `account_autocreate` does), their containers and
 * objects. Object bytes live in the region's blob store (`objects/<blob id>`); a manifest holds none.
 */
import type { RegionState } from '../state/region.js';

export interface SwiftObject {
  name: string;
  /** The blob with its bytes (none for a static large object's manifest). */
  blob?: string;
  size: number;
  /** MD5 of the bytes, or for an SLO the MD5 of its segments' ETags. */
  etag: string;
  contentType: string;
  /** `X-Object-Meta-*` as sent (lower-case keys). */
  metadata: Record<string, string>;
  /** Other headers kept as sent: content-disposition, content-encoding, x-delete-at. */
  headers: Record<string, string>;
  /** `X-Object-Manifest` of a dynamic large object. */
  dlo?: string;
  /** A static large object's segments, in order. */
  slo?: { name: string; hash: string; bytes: number; content_type: string; last_modified: string }[];
  lastModified: Date;
  timestamp: number;
}

export interface SwiftContainer {
  name: string;
  /** `X-Container-Meta-*` (lower-case keys; quotas are `quota-bytes` and `quota-count`). */
  metadata: Record<string, string>;
  read?: string;
  write?: string;
  versionsLocation?: string;
  historyLocation?: string;
  objects: Map<string, SwiftObject>;
  timestamp: number;
  /**
   * A listing that lags (tests set it, behind the API), for the next `listings` GETs of the container: `hidden`
   * names are left out while its HEAD counts them, as a real Swift does while a container replica has not yet taken
   * an object's update (async_pending) and the HEAD and the listing come from different replicas; `gone` objects,
   * deleted, are still listed (their reads answer 404), as when the update of their delete is still pending.
   */
  lag?: { hidden?: Set<string>; gone?: Map<string, SwiftObject>; listings: number };
}

export interface SwiftAccount {
  name: string;
  metadata: Record<string, string>;
  containers: Map<string, SwiftContainer>;
  timestamp: number;
}

export interface SwiftState {
  readonly accounts: Map<string, SwiftAccount>;
  nextBlob: number;
}

const STATES = new WeakMap<RegionState, SwiftState>();

export function swiftOf(region: RegionState): SwiftState {
  let state = STATES.get(region);
  if (!state) {
    state = { accounts: new Map(), nextBlob: 1 };
    STATES.set(region, state);
  }
  return state;
}

/** Seconds since the epoch with Swift's five decimals (`X-Timestamp`). */
export function swiftTimestamp(): number {
  return Math.round(Date.now() * 100) / 100_000;
}
