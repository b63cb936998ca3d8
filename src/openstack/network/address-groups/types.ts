/** A Neutron address group (`address-group`, Wallaby and later): a named set of CIDRs a rule can use as its remote. */
export interface AddressGroup {
  id: string;
  name?: string;
  description?: string;
  project_id?: string;
  tenant_id?: string;
  /** CIDRs (Neutron stores a bare address as /32 or /128). */
  addresses?: string[];
}

export interface AddressGroupCreateOpts {
  name: string;
  description?: string;
  addresses: string[];
}

export interface AddressGroupUpdateOpts {
  name?: string;
  description?: string;
}
