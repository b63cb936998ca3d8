import type { StandardAttrs } from '../common.js';

export interface SubPort {
  port_id: string;
  segmentation_type?: string;
  segmentation_id?: number;
}

/** A Neutron trunk (`trunk`): a parent port carrying sub-ports, each on a segmentation (VLAN) ID. */
export interface Trunk extends StandardAttrs {
  port_id: string;
  admin_state_up?: boolean;
  status?: string;
  sub_ports?: SubPort[];
}

export interface TrunkCreateOpts {
  port_id: string;
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  sub_ports?: SubPort[];
  tags?: string[];
}

export interface TrunkUpdateOpts {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
}
