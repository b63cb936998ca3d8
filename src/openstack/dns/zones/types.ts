/** Designate v2 zones (`/v2/zones`), as the DNS API reference describes them. */

/** PENDING while the pool's backends take the change; ERROR when they did not; DELETED once gone. */
export type ZoneStatus = 'ACTIVE' | 'PENDING' | 'ERROR' | 'DELETED' | 'SUCCESS' | 'COMPLETE';

export interface Zone {
  id: string;
  pool_id?: string;
  project_id?: string;
  /** The fully qualified name, with its trailing dot (`example.com.`). */
  name: string;
  /** The hostmaster address of the SOA record. */
  email?: string | null;
  description?: string | null;
  ttl?: number | null;
  serial?: number;
  status: ZoneStatus | string;
  /** What the pending status is about: CREATE, UPDATE, DELETE or NONE. */
  action?: string;
  version?: number;
  /** PRIMARY (Designate holds the records) or SECONDARY (copied from `masters`). */
  type?: 'PRIMARY' | 'SECONDARY' | string;
  masters?: string[];
  attributes?: Record<string, string>;
  /** Shared with other projects (2023.2 and later). */
  shared?: boolean;
  created_at?: string;
  updated_at?: string | null;
  transferred_at?: string | null;
}

export interface ZoneCreateOpts {
  name: string;
  email?: string;
  ttl?: number;
  description?: string;
  type?: 'PRIMARY' | 'SECONDARY';
  masters?: string[];
  attributes?: Record<string, string>;
}

/** A zone's name and type are fixed; these can change in place. */
export interface ZoneUpdateOpts {
  email?: string;
  ttl?: number;
  description?: string | null;
}
