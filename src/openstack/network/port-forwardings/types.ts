/** A floating IP port forwarding (`floating-ip-port-forwarding`): one protocol port of the address to a fixed IP's port. */
export interface PortForwarding {
  id: string;
  protocol: string;
  internal_ip_address: string;
  /** Null for a forwarding of a port range (`floating-ip-port-forwarding-port-ranges`). */
  internal_port: number | null;
  external_port: number | null;
  internal_port_id: string;
  /** `first:last` (`floating-ip-port-forwarding-port-ranges`, Zed and later). */
  internal_port_range?: string | null;
  external_port_range?: string | null;
  /** With `floating-ip-port-forwarding-description`. */
  description?: string;
  /** Not in Neutron's answer: the floating IP the forwarding hangs under, filled in by `list` and `get` here. */
  floatingip_id?: string;
}

export interface PortForwardingCreateOpts {
  protocol: string;
  internal_ip_address: string;
  internal_port: number;
  external_port: number;
  internal_port_id: string;
  description?: string;
}

export type PortForwardingUpdateOpts = Partial<PortForwardingCreateOpts>;
