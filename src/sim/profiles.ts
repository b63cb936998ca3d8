/**
 * Release profiles: what each simulated release serves. Sources are in docs/release-profiles.md.
 */
export type ServiceName =
  'identity' | 'compute' | 'network' | 'image' | 'volume' | 'load-balancer' | 'dns' | 'object-store';

export const PROFILE_NAMES = ['pike', 'zed', '2025.1'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface Profile {
  name: ProfileName;
  release: string;
  keystone: { version: string; hasAppCredentials: boolean; hasScopedRbac: boolean };
  nova: { min: string; max: string; catalogWithProjectId: boolean };
  cinder: { v3Min: string; v3Max: string; hasV2: boolean };
  glance: { versions: string[]; hasMultihash: boolean; hasImport: boolean; hasOsHidden: boolean };
  neutron: { extensions: string[]; tagResources: string[] };
  /**
   * Octavia (load-balancer), when the cloud has it: its highest API version (2.0 on Pike, tags from 2.5, allowed
   * CIDRs from 2.12), and whether writes need the `load-balancer_member` role (Octavia's policy since Queens).
   */
  octavia?: { max: string; roles: boolean };
  /** Designate (DNS, v2 API): its release, for docs; the API is the same v2 from Pike on (src/sim/designate/). */
  designate: { version: string };
  /**
   * Swift (object-store), when the cloud has it: its release and what `/info` lists beyond the core (symlinks from
   * 2.17, the new-style object versioning from 2.24; static and dynamic large objects, legacy versioned writes and
   * container quotas are there on every profile). src/sim/swift/.
   */
  swift?: { version: string; symlink: boolean; objectVersioning: boolean };
}

/** Aliases of neutron 11.0.0 (Pike)'s neutron/extensions with the ML2/OVS and L3 plugins, plus HOS 8's LBaaS v2. */
const NEUTRON_PIKE = [
  'address-scope',
  'agent',
  'allowed-address-pairs',
  'auto-allocated-topology',
  'availability_zone',
  'binding',
  'default-subnetpools',
  'dhcp_agent_scheduler',
  'dvr',
  'external-net',
  'ext-gw-mode',
  'extra_dhcp_opt',
  'extraroute',
  'flavors',
  'ip_allocation',
  'l2_adjacency',
  'l3-flavors',
  'l3-ha',
  'l3_agent_scheduler',
  'multi-provider',
  'net-mtu',
  'net-mtu-writable',
  'network-ip-availability',
  'network_availability_zone',
  'pagination',
  'port-security',
  'project-id',
  'provider',
  'quota_details',
  'quotas',
  'rbac-policies',
  'revision-if-match',
  'router',
  'router_availability_zone',
  'security-group',
  'service-type',
  'sorting',
  'standard-attr-description',
  'standard-attr-revisions',
  'standard-attr-tag',
  'standard-attr-timestamp',
  'subnet-service-types',
  'subnet_allocation',
  'tag',
  'tag-ext',
  'trunk',
  'trunk-details',
  'lbaasv2',
];

/**
 * The aliases GET /v2.0/extensions lists on the real Zed of test/e2e/openstack (ML2/OVS and L3 with the trunk, qos and
 * port_forwarding service plugins and the qos ML2 extension driver; no segments). The simulator serves no port ranges
 * in forwardings and no resource requests in ports, although the aliases are listed.
 */
const NEUTRON_ZED = [
  'address-group',
  'address-scope',
  'agent',
  'agent-resources-synced',
  'allowed-address-pairs',
  'auto-allocated-topology',
  'availability_zone',
  'availability_zone_filter',
  'binding',
  'binding-extended',
  'default-subnetpools',
  'dhcp_agent_scheduler',
  'dvr',
  'empty-string-filtering',
  'expose-port-forwarding-in-fip',
  'ext-gw-mode',
  'external-net',
  'extra_dhcp_opt',
  'extraroute',
  'extraroute-atomic',
  'filter-validation',
  'fip-port-details',
  'flavors',
  'floating-ip-port-forwarding',
  'floating-ip-port-forwarding-description',
  'floating-ip-port-forwarding-detail',
  'floating-ip-port-forwarding-port-ranges',
  'floatingip-pools',
  'ip-substring-filtering',
  'l3-flavors',
  'l3-ha',
  'l3-port-ip-change-not-allowed',
  'l3_agent_scheduler',
  'multi-provider',
  'net-mtu',
  'net-mtu-writable',
  'network-ip-availability',
  'network_availability_zone',
  'pagination',
  'port-device-profile',
  'port-mac-address-regenerate',
  'port-mac-override',
  'port-numa-affinity-policy',
  'port-resource-request',
  'port-resource-request-groups',
  'port-security',
  'port-security-groups-filtering',
  'project-id',
  'provider',
  'qos',
  'qos-bw-limit-direction',
  'qos-bw-minimum-ingress',
  'qos-default',
  'qos-fip',
  'qos-gateway-ip',
  'qos-port-network-policy',
  'qos-pps',
  'qos-pps-minimum',
  'qos-pps-minimum-rule-alias',
  'qos-rule-type-details',
  'qos-rule-type-filter',
  'qos-rules-alias',
  'quota-check-limit',
  'quota_details',
  'quotas',
  'rbac-address-group',
  'rbac-address-scope',
  'rbac-policies',
  'rbac-security-groups',
  'rbac-subnetpool',
  'revision-if-match',
  'router',
  'router-admin-state-down-before-update',
  'router_availability_zone',
  'security-group',
  'security-groups-normalized-cidr',
  'security-groups-remote-address-group',
  'security-groups-shared-filtering',
  'service-type',
  'sorting',
  'standard-attr-description',
  'standard-attr-revisions',
  'standard-attr-tag',
  'standard-attr-timestamp',
  'stateful-security-group',
  'subnet-service-types',
  'subnet_allocation',
  'subnet_onboard',
  'subnetpool-prefix-ops',
  'trunk',
  'trunk-details',
];

const NEUTRON_2025_1 = [
  ...NEUTRON_ZED,
  'port-hints',
  'port-hardware-offload-type',
  'security-groups-default-rules',
  'quota-check-limit-default',
  'enable-default-route-ecmp',
  'network-ha',
  'port-trusted-vif',
].sort();

/** The Neutron collections that take tags (standard-attr-tag), the same from Pike to 2025.1. */
const NEUTRON_TAG_RESOURCES = [
  'networks',
  'subnets',
  'ports',
  'routers',
  'subnetpools',
  'security-groups',
  'floatingips',
  'trunks',
];

const GLANCE_ZED = [
  '2.15',
  '2.13',
  '2.12',
  '2.11',
  '2.10',
  '2.9',
  '2.8',
  '2.7',
  '2.6',
  '2.5',
  '2.4',
  '2.3',
  '2.2',
  '2.1',
  '2.0',
];

export const PROFILES: Record<ProfileName, Profile> = {
  pike: {
    name: 'pike',
    release: 'Pike (HPE Helion OpenStack 8)',
    keystone: { version: '3.8', hasAppCredentials: false, hasScopedRbac: false },
    nova: { min: '2.1', max: '2.53', catalogWithProjectId: true },
    cinder: { v3Min: '3.0', v3Max: '3.43', hasV2: true },
    glance: {
      versions: ['2.5', '2.4', '2.3', '2.2', '2.1', '2.0'],
      hasMultihash: false,
      hasImport: false,
      hasOsHidden: false,
    },
    neutron: {
      extensions: NEUTRON_PIKE,
      tagResources: NEUTRON_TAG_RESOURCES,
    },
    // Octavia 1.0 (Pike) served the v2.0 API; its policy was admin_or_owner.
    octavia: { max: '2.0', roles: false },
    designate: { version: '5.0.0' },
    swift: { version: '2.15.1', symlink: false, objectVersioning: false },
  },
  zed: {
    name: 'zed',
    release: 'Zed (2022.2)',
    keystone: { version: '3.14', hasAppCredentials: true, hasScopedRbac: true },
    nova: { min: '2.1', max: '2.93', catalogWithProjectId: false },
    cinder: { v3Min: '3.0', v3Max: '3.70', hasV2: false },
    glance: { versions: GLANCE_ZED, hasMultihash: true, hasImport: true, hasOsHidden: true },
    neutron: {
      extensions: NEUTRON_ZED,
      tagResources: NEUTRON_TAG_RESOURCES,
    },
    // Octavia 11.0.0 (Zed): API 2.26, as ../shared/real-openstack-extra measured.
    octavia: { max: '2.26', roles: true },
    designate: { version: '15.0.2' },
    // Swift 2.30.1 (Zed), as test/e2e/openstack runs it.
    swift: { version: '2.30.1', symlink: true, objectVersioning: true },
  },
  '2025.1': {
    name: '2025.1',
    release: '2025.1 Epoxy',
    keystone: { version: '3.14', hasAppCredentials: true, hasScopedRbac: true },
    nova: { min: '2.1', max: '2.100', catalogWithProjectId: false },
    cinder: { v3Min: '3.0', v3Max: '3.71', hasV2: false },
    glance: { versions: ['2.17', '2.16', ...GLANCE_ZED], hasMultihash: true, hasImport: true, hasOsHidden: true },
    neutron: {
      extensions: NEUTRON_2025_1,
      tagResources: NEUTRON_TAG_RESOURCES,
    },
    octavia: { max: '2.30', roles: true },
    designate: { version: '20.0.0' },
    swift: { version: '2.35.0', symlink: true, objectVersioning: true },
  },
};

export function isProfileName(value: string): value is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(value);
}
