/**
 * The seed format (JSON or YAML). Resources are written in their API shapes; references between
 * them use names (or ids) in fields named after the thing they point at (`network`, `subnet`, ...).
 * Every resource may carry an `id` to pin it (a dump does, so dump -> seed round-trips).
 */
export type SeedObject = Record<string, unknown>;

export interface SeedFile {
  domains?: { name: string; id?: string; description?: string }[];
  projects?: { name: string; id?: string; domain?: string; description?: string }[];
  users?: { name: string; id?: string; password?: string; domain?: string; default_project?: string; email?: string }[];
  /** `role` is admin, member or reader (or any name, created on the fly). */
  role_assignments?: { user: string; project: string; role: string }[];
  /** Nova flavors (global to the region), API shape plus `extra_specs` and, for private ones, `access` (project names). */
  flavors?: SeedObject[];
  /** Cinder volume types, API shape plus `extra_specs`. */
  volume_types?: SeedObject[];
  /** Provider networks marked router:external, each with its subnets; owned by the admin project. */
  external_networks?: SeedObject[];
  /** Quota overrides per project. */
  quotas?: {
    project: string;
    compute?: Record<string, number>;
    network?: Record<string, number>;
    volume?: Record<string, number>;
  }[];
  /** Resources per project name. */
  resources?: Record<string, ProjectResources>;
}

export interface SeedImage extends SeedObject {
  name: string;
  /** Bytes generated deterministically: `size` bytes (or "3MiB"), from `seed` (default: the image name). */
  data?: { size: number | string; seed?: string };
  /** Or the bytes of a local file (relative to the seed file). */
  file?: string;
  /** Custom properties (also accepted at the top level). */
  properties?: Record<string, string>;
}

export interface ProjectResources {
  /** The region (default: the cloud's first). */
  region?: string;
  /** The user owning keypairs and servers (default: the first user with a role on the project). */
  user?: string;
  keypairs?: { name: string; public_key: string; type?: string }[];
  /**
   * `name`, `description`, `shared`, `rules: [{type, max_kbps, ...}]`; needs `qos` (Zed, 2025.1). Networks and ports
   * name one by `qos_policy` (a policy of the project, or a shared one seeded before).
   */
  qos_policies?: SeedObject[];
  /** `name`, `description`, `addresses` (CIDRs); needs the `address-group` extension (Zed, 2025.1). */
  address_groups?: SeedObject[];
  /**
   * Rules may name a `remote_group` (name) instead of `remote_group_id`, and a `remote_address_group` (an address
   * group's name).
   */
  security_groups?: (SeedObject & { name: string; rules?: SeedObject[] })[];
  /** Networks with their `subnets`. */
  networks?: (SeedObject & { name: string; subnets?: SeedObject[] })[];
  /** `external_gateway`: a network name; `interfaces`: subnet names; `routes`: [{destination, nexthop}]. */
  routers?: SeedObject[];
  /** `network` name, `fixed_ips: [{subnet, ip_address}]`, `security_groups`: names. */
  ports?: SeedObject[];
  /**
   * `network`: the external network's name; `port`: a port name (or `server` + `fixed_ip_address`);
   * `port_forwardings: [{port, internal_ip_address?, internal_port, external_port, protocol, description?}]` (`port`:
   * a port name; the address defaults to its first IPv4 one; needs the `floating-ip-port-forwarding` extension).
   */
  floating_ips?: SeedObject[];
  /** `name`, `port` (the parent port's name), `sub_ports: [{port, segmentation_type, segmentation_id}]`; needs `trunk`. */
  trunks?: SeedObject[];
  images?: SeedImage[];
  /** `image`: an image name for a volume made from it; `volume_type`: a type name. */
  volumes?: SeedObject[];
  /** `volume`: the name of the volume. */
  snapshots?: SeedObject[];
  /** `policy`, and `rules` for anti-affinity. */
  server_groups?: SeedObject[];
  /**
   * `flavor`, `image` (name), or `boot_volume: {size, image, delete_on_termination}` / `boot_volume: {volume}`;
   * `networks: [{network, fixed_ip} | {port}]`; `key_name`; `security_groups` (names); `metadata`; `tags`;
   * `availability_zone`; `user_data` (plain text, base64-encoded for you); `config_drive`; `group` (a server
   * group name); `volumes` (names of volumes to attach); `status`: ACTIVE (default) or SHUTOFF.
   */
  servers?: SeedObject[];
}
