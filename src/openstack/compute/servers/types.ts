/** Nova's server, as shown at microversions 2.1 to 2.79. Fields a microversion added are optional. */
export interface Server {
  id: string;
  name: string;
  status: string;
  tenant_id?: string;
  user_id?: string;
  /** Before 2.47: `{id, links}`. From 2.47: the flavor embedded (`original_name`, vcpus, ram, disk, extra_specs), no id. */
  flavor: {
    id?: string;
    original_name?: string;
    vcpus?: number;
    ram?: number;
    disk?: number;
    ephemeral?: number;
    swap?: number;
    extra_specs?: Record<string, string>;
    links?: unknown[];
  };
  /** `""` for a server booted from a volume. */
  image: { id: string; links?: unknown[] } | '';
  addresses?: Record<
    string,
    { addr: string; version: number; 'OS-EXT-IPS:type'?: string; 'OS-EXT-IPS-MAC:mac_addr'?: string }[]
  >;
  metadata?: Record<string, string>;
  key_name?: string | null;
  security_groups?: { name: string }[];
  'OS-EXT-AZ:availability_zone'?: string;
  'OS-EXT-STS:power_state'?: number;
  'OS-EXT-STS:vm_state'?: string;
  'OS-EXT-STS:task_state'?: string | null;
  'os-extended-volumes:volumes_attached'?: { id: string; delete_on_termination?: boolean }[];
  'OS-SRV-USG:launched_at'?: string | null;
  /** Admin only (2.3). */
  'OS-EXT-SRV-ATTR:user_data'?: string | null;
  config_drive?: string | boolean;
  created?: string;
  updated?: string;
  fault?: { code: number; message: string; details?: string };
  /** @since compute 2.19 */
  description?: string | null;
  /** @since compute 2.26 */
  tags?: string[];
  /** @since compute 2.71 */
  server_groups?: string[];
  locked?: boolean;
  [extra: string]: unknown;
}

export interface BlockDeviceMapping {
  boot_index?: number | null;
  uuid?: string;
  source_type: 'image' | 'volume' | 'snapshot' | 'blank';
  destination_type?: 'volume' | 'local';
  volume_size?: number;
  delete_on_termination?: boolean;
  device_name?: string;
  disk_bus?: string;
  /** @since compute 2.67 */
  volume_type?: string;
  tag?: string;
}

export interface ServerCreateOpts {
  name: string;
  flavorRef: string;
  imageRef?: string;
  networks?: { uuid?: string; port?: string; fixed_ip?: string; tag?: string }[] | 'auto' | 'none';
  block_device_mapping_v2?: BlockDeviceMapping[];
  key_name?: string;
  security_groups?: { name: string }[];
  metadata?: Record<string, string>;
  availability_zone?: string;
  user_data?: string;
  config_drive?: boolean;
  /** @since compute 2.19 */
  description?: string;
  /** @since compute 2.52 */
  tags?: string[];
}

export interface ServerUpdateOpts {
  name?: string;
  description?: string;
}

export interface VolumeAttachment {
  id: string;
  volumeId: string;
  serverId: string;
  device?: string | null;
  tag?: string;
  delete_on_termination?: boolean;
}

export interface InterfaceAttachment {
  port_id: string;
  net_id: string;
  mac_addr: string;
  port_state: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
}

/** Nova's power_state codes (OS-EXT-STS:power_state). */
export const POWER_STATE: Record<number, string> = {
  0: 'nostate',
  1: 'running',
  3: 'paused',
  4: 'shutdown',
  6: 'crashed',
  7: 'suspended',
};
