export interface SecurityGroupRule {
  id: string;
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol?: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  remote_group_id?: string | null;
  /** @since neutron extension address-group */
  remote_address_group_id?: string | null;
  description?: string;
  project_id?: string;
  tenant_id?: string;
  created_at?: string;
  updated_at?: string;
  revision_number?: number;
}

export interface SecurityGroupRuleCreateOpts {
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype?: 'IPv4' | 'IPv6';
  protocol?: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  remote_group_id?: string | null;
  /** @since neutron extension security-groups-remote-address-group */
  remote_address_group_id?: string | null;
  description?: string;
}
export type SecurityGroupRuleUpdateOpts = never;
