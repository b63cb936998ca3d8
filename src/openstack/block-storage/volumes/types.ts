export interface Volume {
  id: string;
  name: string | null;
  status: string;
  size: number;
  volume_type?: string | null;
  availability_zone?: string;
  bootable?: string | boolean;
  encrypted?: boolean;
  multiattach?: boolean;
  description?: string | null;
  metadata?: Record<string, string>;
  volume_image_metadata?: Record<string, string>;
  snapshot_id?: string | null;
  source_volid?: string | null;
  attachments?: { server_id: string; attachment_id?: string; device?: string; volume_id?: string }[];
  'os-vol-tenant-attr:tenant_id'?: string;
  created_at?: string;
  updated_at?: string | null;
  [extra: string]: unknown;
}

export interface VolumeCreateOpts {
  size: number;
  name?: string;
  description?: string;
  volume_type?: string;
  availability_zone?: string;
  metadata?: Record<string, string>;
  imageRef?: string;
  snapshot_id?: string;
  source_volid?: string;
  multiattach?: boolean;
}
export type VolumeUpdateOpts = { name?: string; description?: string; metadata?: Record<string, string> };
