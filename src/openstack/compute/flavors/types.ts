export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  'OS-FLV-EXT-DATA:ephemeral'?: number;
  swap?: number | '';
  rxtx_factor?: number;
  'os-flavor-access:is_public'?: boolean;
  'OS-FLV-DISABLED:disabled'?: boolean;
  /** @since compute 2.55 */
  description?: string | null;
  /** @since compute 2.61 */
  extra_specs?: Record<string, string>;
}

export interface FlavorCreateOpts {
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  id?: string;
  'OS-FLV-EXT-DATA:ephemeral'?: number;
  swap?: number;
  'os-flavor-access:is_public'?: boolean;
  description?: string;
}
