/** Designate v2 recordsets (`/v2/zones/{zone_id}/recordsets`, `/v2/recordsets`). */

export interface Recordset {
  id: string;
  project_id?: string;
  zone_id: string;
  zone_name?: string;
  /** The fully qualified name, with its trailing dot (`www.example.com.`). */
  name: string;
  /** A, AAAA, CNAME, MX, TXT, SRV, PTR, NS, SOA, SSHFP, SPF, CAA, NAPTR... */
  type: string;
  /** The record data, one string per record, in the zone file's presentation format. */
  records: string[];
  /** null: the zone's TTL. */
  ttl?: number | null;
  description?: string | null;
  status: string;
  action?: string;
  version?: number;
  created_at?: string;
  updated_at?: string | null;
}

export interface RecordsetCreateOpts {
  name: string;
  type: string;
  records: string[];
  ttl?: number;
  description?: string;
}

export interface RecordsetUpdateOpts {
  records?: string[];
  ttl?: number | null;
  description?: string | null;
}
