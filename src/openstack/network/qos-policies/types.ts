/** A QoS rule as a policy embeds it (`type` says which; the other fields are the type's). */
export interface QosRule {
  id?: string;
  type: string;
  max_kbps?: number;
  max_burst_kbps?: number;
  min_kbps?: number;
  dscp_mark?: number;
  max_kpps?: number;
  max_burst_kpps?: number;
  min_kpps?: number;
  direction?: string;
}

/** A Neutron QoS policy (`qos`): its rules are embedded. Creating one is an administrator's by default. */
export interface QosPolicy {
  id: string;
  name?: string;
  description?: string;
  shared?: boolean;
  is_default?: boolean;
  project_id?: string;
  tenant_id?: string;
  tags?: string[];
  rules?: QosRule[];
}
