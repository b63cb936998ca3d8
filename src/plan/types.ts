/**
 * TypeScript types of a `bascule.plan/v1` plan, written by hand beside src/plan/schema/plan.schema.json (the source
 * of truth, generated from plan.base.json and each kind's src/kinds/<kind>/plan-format.json). The per-kind spec
 * types stay here rather than in the kinds' folders because src/plan imports nothing of src/kinds. SPEC_FIELDS lists
 * the spec fields of each kind; it is checked to cover every property of each type at compile time
 * (SpecFieldsComplete below) and to equal the schema's properties by test/plan/schema-sync.test.ts, so the two
 * cannot drift apart.
 */
import type { PlanKind } from './kinds.js';

export type { PlanKind } from './kinds.js';

export const PLAN_FORMAT = 'bascule.plan/v1';
export const PLAN_SCHEMA_URL = 'https://bascule.dev/schema/plan/v1.json';

export interface ApiProfile {
  /** A release profile name when known (e.g. `pike`, `zed`). */
  name?: string;
  /** Major API version per service type, e.g. `{compute: "v2.1", block_storage: "v3"}`. */
  api_versions: Record<string, string>;
  /** Microversion in use per service type, e.g. `{compute: "2.53"}`. */
  microversions: Record<string, string>;
  /** Neutron extension aliases (and other capabilities) seen on the source. */
  extensions: string[];
}

export interface Provenance {
  cloud: string;
  region: string | null;
  /** A plan of several regions (export --all-regions): its source regions, sorted; `region` is then null. */
  regions?: string[];
  project: { name: string; id: string; domain?: string };
  profile: ApiProfile;
  exported_at: string;
  bascule_version: string;
}

/** Read-only facts about the source object; never compared, never replayed. */
export interface SourceFacts {
  id: string;
  status?: string;
  created_at?: string;
  updated_at?: string;
  project_id?: string;
  [fact: string]: unknown;
}

export type Metadata = Record<string, string>;

export interface FlavorSpec {
  name: string;
  description?: string | null;
  vcpus?: number;
  ram?: number;
  disk?: number;
  ephemeral?: number;
  swap?: number;
  rxtx_factor?: number;
  is_public?: boolean;
  extra_specs?: Metadata;
}

export interface ImageSpec {
  name: string;
  /** ami, ari, aki, vhd, vhdx, vmdk, raw, qcow2, vdi, ploop, iso by default; a cloud may allow others. */
  disk_format?: string;
  /** ami, ari, aki, bare, ovf, ova, docker, compressed by default; a cloud may allow others. */
  container_format?: string;
  min_disk?: number;
  min_ram?: number;
  visibility?: 'public' | 'community' | 'shared' | 'private';
  protected?: boolean;
  tags?: string[];
  properties?: Record<string, string>;
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
  size?: number | null;
  virtual_size?: number | null;
}

export interface KeypairSpec {
  name: string;
  public_key: string;
  type?: 'ssh' | 'x509';
}

export interface VolumeTypeSpec {
  name: string;
  description?: string | null;
}

export interface SubnetPoolSpec {
  name: string;
  ip_version?: 4 | 6;
  prefixes?: string[];
}

export interface NetworkSpec {
  name: string;
  description?: string;
  admin_state_up?: boolean;
  shared?: boolean;
  mtu?: number;
  port_security_enabled?: boolean;
  router_external?: boolean;
  availability_zone_hints?: string[];
  dns_domain?: string | null;
  tags?: string[];
}

export interface AllocationPool {
  start: string;
  end: string;
}

export interface HostRoute {
  destination: string;
  nexthop: string;
}

export interface SubnetSpec {
  name: string;
  description?: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip?: string | null;
  enable_dhcp?: boolean;
  dns_nameservers?: string[];
  host_routes?: HostRoute[];
  allocation_pools?: AllocationPool[];
  ipv6_ra_mode?: 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless' | null;
  ipv6_address_mode?: 'slaac' | 'dhcpv6-stateful' | 'dhcpv6-stateless' | null;
  tags?: string[];
}

export interface SecurityGroupSpec {
  name: string;
  description?: string;
  stateful?: boolean;
  tags?: string[];
}

export interface SecurityGroupRuleSpec {
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol?: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  description?: string;
}

export interface RouterSpec {
  name: string;
  description?: string;
  admin_state_up?: boolean;
  enable_snat?: boolean;
  external_fixed_ips?: { ip_address: string }[];
  routes?: HostRoute[];
  distributed?: boolean;
  ha?: boolean;
  availability_zone_hints?: string[];
  tags?: string[];
}

export interface PortFixedIp {
  ip_address?: string;
}

export interface AddressPair {
  ip_address: string;
  mac_address?: string;
}

export interface PortSpec {
  name: string;
  description?: string;
  admin_state_up?: boolean;
  mac_address?: string;
  fixed_ips?: PortFixedIp[];
  allowed_address_pairs?: AddressPair[];
  port_security_enabled?: boolean;
  binding_vnic_type?:
    | 'normal'
    | 'direct'
    | 'macvtap'
    | 'baremetal'
    | 'direct-physical'
    | 'virtio-forwarder'
    | 'smart-nic'
    | 'remote-managed'
    | 'vdpa'
    | 'accelerator-direct'
    | 'accelerator-direct-physical';
  dns_name?: string;
  tags?: string[];
}

export interface VolumeSpec {
  name: string;
  description?: string | null;
  size: number;
  availability_zone?: string;
  bootable?: boolean;
  multiattach?: boolean;
  metadata?: Metadata;
}

export interface VolumeSnapshotSpec {
  name: string;
  description?: string | null;
  metadata?: Metadata;
}

export interface ServerGroupSpec {
  name: string;
  policy: 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';
  rules?: { max_server_per_host?: number };
}

export type PowerState = 'running' | 'stopped' | 'paused' | 'suspended' | 'shelved';

export interface ServerVolumeAttachment {
  device?: string | null;
  delete_on_termination?: boolean;
}

export interface ServerSpec {
  name: string;
  description?: string | null;
  availability_zone?: string;
  metadata?: Metadata;
  tags?: string[];
  config_drive?: boolean;
  power_state?: PowerState;
  user_data?: string;
  volumes?: ServerVolumeAttachment[];
  boot_volume_delete_on_termination?: boolean;
  disk_strategy?: 'snapshot' | 'base-image';
}

export interface QuotaSpec {
  compute?: {
    instances?: number;
    cores?: number;
    ram?: number;
    key_pairs?: number;
    server_groups?: number;
    server_group_members?: number;
    metadata_items?: number;
  };
  network?: {
    network?: number;
    subnet?: number;
    port?: number;
    router?: number;
    floatingip?: number;
    security_group?: number;
    security_group_rule?: number;
    rbac_policy?: number;
    subnetpool?: number;
  };
  block_storage?: {
    volumes?: number;
    gigabytes?: number;
    snapshots?: number;
    backups?: number;
    backup_gigabytes?: number;
    per_volume_gigabytes?: number;
    groups?: number;
  };
}

export interface FloatingIpSpec {
  description?: string;
  floating_ip_address?: string | null;
  fixed_ip_address?: string | null;
  tags?: string[];
}

/** A primary DNS zone (Designate). */
export interface DnsZoneSpec {
  name: string;
  email?: string;
  ttl?: number;
  description?: string | null;
}

/** A recordset of a DNS zone; `name` and the names in `records` are relative to the zone where they lie in it. */
export interface DnsRecordsetSpec {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME' | 'MX' | 'SRV' | 'TXT' | 'SPF' | 'NS' | 'PTR' | 'SSHFP' | 'CAA' | 'CERT' | 'NAPTR';
  records: string[];
  ttl?: number | null;
  description?: string | null;
}

export interface QosRuleSpec {
  type: 'bandwidth_limit' | 'dscp_marking' | 'minimum_bandwidth' | 'minimum_packet_rate' | 'packet_rate_limit';
  direction?: 'ingress' | 'egress' | 'any';
  max_kbps?: number;
  max_burst_kbps?: number;
  min_kbps?: number;
  dscp_mark?: number;
  max_kpps?: number;
  max_burst_kpps?: number;
  min_kpps?: number;
}

export interface QosPolicySpec {
  name: string;
  description?: string;
  shared?: boolean;
  rules?: QosRuleSpec[];
}

export interface TrunkSpec {
  name: string;
  description?: string;
  admin_state_up?: boolean;
  sub_ports?: { segmentation_type: 'vlan' | 'inherit'; segmentation_id: number }[];
  tags?: string[];
}

export interface AddressGroupSpec {
  name: string;
  description?: string;
  addresses?: string[];
}

/** A Swift container; its objects move as its workload data (`objects` sums them up). */
export interface ObjectContainerSpec {
  name: string;
  metadata?: Record<string, string>;
  read_acl?: string;
  write_acl?: string;
  versioning?: 'versions' | 'history';
  quota_bytes?: number;
  quota_count?: number;
  objects?: { count: number; bytes: number; digest: string; large?: number };
}

export interface PortForwardingSpec {
  protocol: 'tcp' | 'udp' | 'sctp' | 'dccp' | 'icmp' | 'ipv6-icmp';
  external_port: number;
  internal_ip_address: string;
  internal_port: number;
  description?: string;
}

/** A load balancer (Octavia): its VIP on refs.vip_subnet. */
export interface LoadBalancerSpec {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  vip_address?: string | null;
  provider?: string;
  flavor?: string | null;
  availability_zone?: string | null;
  tags?: string[];
}

export interface ListenerSpec {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  protocol: 'HTTP' | 'HTTPS' | 'TCP' | 'TERMINATED_HTTPS' | 'UDP' | 'SCTP' | 'PROMETHEUS';
  protocol_port: number;
  connection_limit?: number;
  insert_headers?: Record<string, string>;
  timeout_client_data?: number;
  timeout_member_connect?: number;
  timeout_member_data?: number;
  timeout_tcp_inspect?: number;
  allowed_cidrs?: string[];
  default_tls_container_ref?: string | null;
  sni_container_refs?: string[];
  tags?: string[];
}

export interface PoolSpec {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  protocol: 'HTTP' | 'HTTPS' | 'PROXY' | 'PROXYV2' | 'TCP' | 'UDP' | 'SCTP';
  lb_algorithm: 'ROUND_ROBIN' | 'LEAST_CONNECTIONS' | 'SOURCE_IP' | 'SOURCE_IP_PORT';
  session_persistence?: {
    type: 'APP_COOKIE' | 'HTTP_COOKIE' | 'SOURCE_IP';
    cookie_name?: string | null;
    persistence_timeout?: number | null;
    persistence_granularity?: string | null;
  } | null;
  tags?: string[];
}

export interface MemberSpec {
  name?: string;
  admin_state_up?: boolean;
  address: string;
  protocol_port: number;
  weight?: number;
  backup?: boolean;
  monitor_address?: string | null;
  monitor_port?: number | null;
  tags?: string[];
}

export interface HealthMonitorSpec {
  name?: string;
  admin_state_up?: boolean;
  type: 'HTTP' | 'HTTPS' | 'PING' | 'TCP' | 'TLS-HELLO' | 'UDP-CONNECT' | 'SCTP';
  delay: number;
  timeout: number;
  max_retries: number;
  max_retries_down?: number;
  http_method?: string | null;
  url_path?: string | null;
  expected_codes?: string | null;
  http_version?: number | null;
  domain_name?: string | null;
  tags?: string[];
}

export interface L7RuleSpec {
  type: string;
  compare_type: 'CONTAINS' | 'ENDS_WITH' | 'EQUAL_TO' | 'REGEX' | 'STARTS_WITH';
  key?: string | null;
  value: string;
  invert?: boolean;
  admin_state_up?: boolean;
}

export interface L7PolicySpec {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  action: 'REDIRECT_TO_POOL' | 'REDIRECT_TO_URL' | 'REDIRECT_PREFIX' | 'REJECT';
  position?: number;
  redirect_url?: string | null;
  redirect_prefix?: string | null;
  redirect_http_code?: 301 | 302 | 303 | 307 | 308 | null;
  rules?: L7RuleSpec[];
  tags?: string[];
}

/** The spec type of each kind. */
export interface SpecByKind {
  flavor: FlavorSpec;
  image: ImageSpec;
  keypair: KeypairSpec;
  volume_type: VolumeTypeSpec;
  subnet_pool: SubnetPoolSpec;
  qos_policy: QosPolicySpec;
  network: NetworkSpec;
  subnet: SubnetSpec;
  address_group: AddressGroupSpec;
  security_group: SecurityGroupSpec;
  security_group_rule: SecurityGroupRuleSpec;
  router: RouterSpec;
  port: PortSpec;
  trunk: TrunkSpec;
  volume: VolumeSpec;
  volume_snapshot: VolumeSnapshotSpec;
  server_group: ServerGroupSpec;
  server: ServerSpec;
  floating_ip: FloatingIpSpec;
  port_forwarding: PortForwardingSpec;
  quota: QuotaSpec;
  dns_zone: DnsZoneSpec;
  dns_recordset: DnsRecordsetSpec;
  load_balancer: LoadBalancerSpec;
  listener: ListenerSpec;
  pool: PoolSpec;
  member: MemberSpec;
  health_monitor: HealthMonitorSpec;
  l7_policy: L7PolicySpec;
  object_container: ObjectContainerSpec;
}

export type SpecOf<K extends PlanKind> = SpecByKind[K];

/** A reference value: one plan key, or an array of plan keys. */
export type RefValue = string | string[];

export interface PlanResourceOf<K extends PlanKind> {
  kind: K;
  key: string;
  spec: SpecByKind[K];
  refs?: Record<string, RefValue>;
  /** An external reference: the target must already have it; `spec` describes it for matching. */
  external?: true;
  /** Spec fields the exporter declares the target cannot reproduce as they were, for this entry. */
  lossy?: string[];
  /** Spec fields that hold secrets or likely secrets (e.g. `user_data`); never printed. */
  sensitive?: string[];
  source?: SourceFacts;
}

/** One entry of `resources`: a union discriminated by `kind`. */
export type PlanResource = { [K in PlanKind]: PlanResourceOf<K> }[PlanKind];

export interface Plan {
  $schema?: string;
  format: typeof PLAN_FORMAT;
  provenance: Provenance;
  resources: PlanResource[];
  /** What the export could not move or left out, kept so that a dry run repeats it (informational). */
  warnings?: PlanWarning[];
}

/** One export warning kept in the plan. */
export interface PlanWarning {
  code: string;
  /** A plan kind, or the service's own resource type for what Bascule does not move (`load_balancer`, `trunk`). */
  kind?: string;
  resource?: string;
  message: string;
}

/** The spec fields of each kind, in documentation order. */
export const SPEC_FIELDS = {
  flavor: [
    'name',
    'description',
    'vcpus',
    'ram',
    'disk',
    'ephemeral',
    'swap',
    'rxtx_factor',
    'is_public',
    'extra_specs',
  ],
  image: [
    'name',
    'disk_format',
    'container_format',
    'min_disk',
    'min_ram',
    'visibility',
    'protected',
    'tags',
    'properties',
    'checksum',
    'os_hash_algo',
    'os_hash_value',
    'size',
    'virtual_size',
  ],
  keypair: ['name', 'public_key', 'type'],
  volume_type: ['name', 'description'],
  subnet_pool: ['name', 'ip_version', 'prefixes'],
  qos_policy: ['name', 'description', 'shared', 'rules'],
  network: [
    'name',
    'description',
    'admin_state_up',
    'shared',
    'mtu',
    'port_security_enabled',
    'router_external',
    'availability_zone_hints',
    'dns_domain',
    'tags',
  ],
  subnet: [
    'name',
    'description',
    'cidr',
    'ip_version',
    'gateway_ip',
    'enable_dhcp',
    'dns_nameservers',
    'host_routes',
    'allocation_pools',
    'ipv6_ra_mode',
    'ipv6_address_mode',
    'tags',
  ],
  address_group: ['name', 'description', 'addresses'],
  security_group: ['name', 'description', 'stateful', 'tags'],
  security_group_rule: [
    'direction',
    'ethertype',
    'protocol',
    'port_range_min',
    'port_range_max',
    'remote_ip_prefix',
    'description',
  ],
  router: [
    'name',
    'description',
    'admin_state_up',
    'enable_snat',
    'external_fixed_ips',
    'routes',
    'distributed',
    'ha',
    'availability_zone_hints',
    'tags',
  ],
  port: [
    'name',
    'description',
    'admin_state_up',
    'mac_address',
    'fixed_ips',
    'allowed_address_pairs',
    'port_security_enabled',
    'binding_vnic_type',
    'dns_name',
    'tags',
  ],
  trunk: ['name', 'description', 'admin_state_up', 'sub_ports', 'tags'],
  volume: ['name', 'description', 'size', 'availability_zone', 'bootable', 'multiattach', 'metadata'],
  volume_snapshot: ['name', 'description', 'metadata'],
  server_group: ['name', 'policy', 'rules'],
  server: [
    'name',
    'description',
    'availability_zone',
    'metadata',
    'tags',
    'config_drive',
    'power_state',
    'user_data',
    'volumes',
    'boot_volume_delete_on_termination',
    'disk_strategy',
  ],
  floating_ip: ['description', 'floating_ip_address', 'fixed_ip_address', 'tags'],
  port_forwarding: ['protocol', 'external_port', 'internal_ip_address', 'internal_port', 'description'],
  quota: ['compute', 'network', 'block_storage'],
  dns_zone: ['name', 'email', 'ttl', 'description'],
  dns_recordset: ['name', 'type', 'records', 'ttl', 'description'],
  load_balancer: [
    'name',
    'description',
    'admin_state_up',
    'vip_address',
    'provider',
    'flavor',
    'availability_zone',
    'tags',
  ],
  listener: [
    'name',
    'description',
    'admin_state_up',
    'protocol',
    'protocol_port',
    'connection_limit',
    'insert_headers',
    'timeout_client_data',
    'timeout_member_connect',
    'timeout_member_data',
    'timeout_tcp_inspect',
    'allowed_cidrs',
    'default_tls_container_ref',
    'sni_container_refs',
    'tags',
  ],
  pool: ['name', 'description', 'admin_state_up', 'protocol', 'lb_algorithm', 'session_persistence', 'tags'],
  member: [
    'name',
    'admin_state_up',
    'address',
    'protocol_port',
    'weight',
    'backup',
    'monitor_address',
    'monitor_port',
    'tags',
  ],
  health_monitor: [
    'name',
    'admin_state_up',
    'type',
    'delay',
    'timeout',
    'max_retries',
    'max_retries_down',
    'http_method',
    'url_path',
    'expected_codes',
    'http_version',
    'domain_name',
    'tags',
  ],
  l7_policy: [
    'name',
    'description',
    'admin_state_up',
    'action',
    'position',
    'redirect_url',
    'redirect_prefix',
    'redirect_http_code',
    'rules',
    'tags',
  ],
  object_container: [
    'name',
    'metadata',
    'read_acl',
    'write_acl',
    'versioning',
    'quota_bytes',
    'quota_count',
    'objects',
  ],
} as const satisfies { [K in PlanKind]: readonly (keyof SpecByKind[K])[] };

/** The limits of each quota section, checked against the schema like SPEC_FIELDS. */
export const QUOTA_FIELDS = {
  compute: ['instances', 'cores', 'ram', 'key_pairs', 'server_groups', 'server_group_members', 'metadata_items'],
  network: [
    'network',
    'subnet',
    'port',
    'router',
    'floatingip',
    'security_group',
    'security_group_rule',
    'rbac_policy',
    'subnetpool',
  ],
  block_storage: ['volumes', 'gigabytes', 'snapshots', 'backups', 'backup_gigabytes', 'per_volume_gigabytes', 'groups'],
} as const satisfies { [S in keyof QuotaSpec]-?: readonly (keyof NonNullable<QuotaSpec[S]>)[] };

type MissingQuotaFields = {
  [S in keyof QuotaSpec]-?: Exclude<keyof NonNullable<QuotaSpec[S]>, (typeof QUOTA_FIELDS)[S][number]>;
}[keyof QuotaSpec];
export const QUOTA_FIELDS_COMPLETE: [MissingQuotaFields] extends [never] ? true : MissingQuotaFields = true;

/** Compile-time proof that SPEC_FIELDS names every property of every spec type (a missing one fails tsc here). */
type MissingFields = {
  [K in PlanKind]: Exclude<keyof SpecByKind[K], (typeof SPEC_FIELDS)[K][number]>;
}[PlanKind];
export const SPEC_FIELDS_COMPLETE: [MissingFields] extends [never] ? true : MissingFields = true;

/** One problem found in a plan. */
export interface Issue {
  severity: 'error' | 'warning';
  /** JSON pointer (RFC 6901) into the plan document; '' is the whole document. */
  path: string;
  /** A stable code, e.g. SCHEMA_REQUIRED, REF_UNRESOLVED, JSON_SYNTAX. */
  code: string;
  message: string;
  hint?: string;
  /** 1-based position in the file, for syntax problems. */
  line?: number;
  column?: number;
}
