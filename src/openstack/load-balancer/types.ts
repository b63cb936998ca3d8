/**
 * Wire shapes shared by the Octavia v2 resources (Load Balancer API v2, `/v2/lbaas/...`; Neutron LBaaS v2 used the
 * same shapes under `/v2.0/lbaas/...`). Fields added by a later API version are optional and tagged.
 */

/** Provisioning status: what Octavia is doing with the object (`PENDING_*` while a driver works on it). */
export const PROVISIONING = {
  ACTIVE: 'ACTIVE',
  DELETED: 'DELETED',
  ERROR: 'ERROR',
  PENDING_CREATE: 'PENDING_CREATE',
  PENDING_UPDATE: 'PENDING_UPDATE',
  PENDING_DELETE: 'PENDING_DELETE',
} as const;
export type ProvisioningStatus = (typeof PROVISIONING)[keyof typeof PROVISIONING];

/** Operating status: what the health checks observe (ONLINE, OFFLINE, DEGRADED, ERROR, DRAINING, NO_MONITOR). */
export type OperatingStatus = 'ONLINE' | 'OFFLINE' | 'DEGRADED' | 'ERROR' | 'DRAINING' | 'NO_MONITOR';

/** A reference to another object by ID, as Octavia lists them (`listeners: [{id}]`). */
export interface IdRef {
  id: string;
}

/** What every Octavia object has. */
export interface OctaviaAttrs {
  id: string;
  name?: string;
  description?: string;
  project_id?: string;
  tenant_id?: string;
  admin_state_up?: boolean;
  provisioning_status?: string;
  operating_status?: string;
  created_at?: string;
  updated_at?: string | null;
  /** @since load-balancer 2.5 */
  tags?: string[];
}
