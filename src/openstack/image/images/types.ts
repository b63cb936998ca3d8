/** A Glance v2 image. Custom properties are top-level keys, hence the index signature. */
export interface Image {
  id: string;
  name: string | null;
  status:
    | 'queued'
    | 'saving'
    | 'uploading'
    | 'importing'
    | 'active'
    | 'killed'
    | 'deleted'
    | 'pending_delete'
    | 'deactivated';
  visibility: 'public' | 'private' | 'shared' | 'community';
  owner?: string;
  disk_format?: string | null;
  container_format?: string | null;
  min_disk?: number;
  min_ram?: number;
  size?: number | null;
  virtual_size?: number | null;
  checksum?: string | null;
  /** @since glance Rocky (multihash) */
  os_hash_algo?: string | null;
  /** @since glance Rocky (multihash) */
  os_hash_value?: string | null;
  protected?: boolean;
  tags?: string[];
  created_at?: string;
  updated_at?: string;
  file?: string;
  schema?: string;
  self?: string;
  /** Read-only since Ussuri; must be stripped before replay. */
  stores?: string;
  [property: string]: unknown;
}

/** Properties that Glance computes or owns and that cannot be set on create. */
export const READ_ONLY_IMAGE_FIELDS = [
  'id',
  'status',
  'owner',
  'size',
  'virtual_size',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'created_at',
  'updated_at',
  'file',
  'schema',
  'self',
  'stores',
  'direct_url',
  'locations',
  'os_glance_import_task',
  'os_glance_failed_import',
  'os_glance_importing_to_stores',
  'os_glance_stage_host',
] as const;

export type ImageCreateOpts = Record<string, unknown> & {
  name?: string;
  disk_format?: string;
  container_format?: string;
  visibility?: Image['visibility'];
  min_disk?: number;
  min_ram?: number;
  tags?: string[];
  protected?: boolean;
};

/** One JSON-patch operation (Glance's PATCH media type application/openstack-images-v2.1-json-patch). */
export interface ImagePatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}
