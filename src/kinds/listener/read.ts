/**
 * Listeners of the project's load balancers (GET /v2/lbaas/listeners?project_id=): protocol and port, connection
 * limit, inserted headers, timeouts (2.1+), allowed CIDRs (2.12+). A TLS listener's certificate containers are
 * named (a warning) and kept as references; their secrets are never read.
 */
import type { Listener } from '../../openstack/load-balancer/listeners/types.js';
import type { ListenerSpec } from '../../plan/types.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { markerIn, userTags } from '../markers.js';
import { compact, text } from '../shared/read.js';
import { projectListeners } from '../load-balancer/octavia.js';

/**
 * A timeout, unless it is Octavia's default: a Pike listener (API 2.0, no timeouts) and a later one made without
 * them then describe the same listener.
 */
function unlessDefault(value: number | undefined, byDefault: number): number | undefined {
  return value === byDefault ? undefined : value;
}

export const listenerReader: KindReader<Listener> = {
  kind: 'listener',
  async list(ctx) {
    const all = await projectListeners(ctx);
    for (const l of all) {
      const refs = [l.default_tls_container_ref, ...(l.sni_container_refs ?? [])].filter(Boolean);
      if (refs.length > 0)
        ctx.warn({
          kind: 'listener',
          resource: l.name || l.id,
          code: 'TLS_CONTAINER_REFERENCED',
          message: `listener ${l.name || l.id} (${l.protocol}:${l.protocol_port}) uses certificate container${refs.length > 1 ? 's' : ''} ${refs.join(', ')}: the plan keeps the reference, never the secret; the target needs its own container (the dry run blocks until the plan names it)`,
        });
    }
    return all;
  },
  identify: (l) => ({ id: l.id, name: l.name ?? '' }),
  toEntry(l): DraftEntry {
    const tlsRefs = [l.default_tls_container_ref, ...(l.sni_container_refs ?? [])].filter(
      (ref): ref is string => typeof ref === 'string' && ref !== '',
    );
    const tags = userTags(l.tags);
    const headers = l.insert_headers && Object.keys(l.insert_headers).length > 0 ? l.insert_headers : undefined;
    const spec: ListenerSpec = compact({
      name: l.name ?? '',
      description: text(l.description),
      admin_state_up: l.admin_state_up === false ? false : undefined,
      protocol: l.protocol as ListenerSpec['protocol'],
      protocol_port: l.protocol_port,
      connection_limit:
        typeof l.connection_limit === 'number' && l.connection_limit !== -1 ? l.connection_limit : undefined,
      insert_headers: headers,
      timeout_client_data: unlessDefault(l.timeout_client_data, 50000),
      timeout_member_connect: unlessDefault(l.timeout_member_connect, 5000),
      timeout_member_data: unlessDefault(l.timeout_member_data, 50000),
      timeout_tcp_inspect: unlessDefault(l.timeout_tcp_inspect, 0),
      allowed_cidrs: l.allowed_cidrs && l.allowed_cidrs.length > 0 ? [...l.allowed_cidrs].sort() : undefined,
      default_tls_container_ref: text(l.default_tls_container_ref ?? undefined),
      sni_container_refs: l.sni_container_refs && l.sni_container_refs.length > 0 ? l.sni_container_refs : undefined,
      tags: tags.length > 0 ? tags.sort() : undefined,
    });
    return {
      spec: { ...spec },
      refs: compact({ load_balancer: l.loadbalancers?.[0]?.id }),
      source: compact({
        id: l.id,
        project_id: l.project_id ?? l.tenant_id,
        provisioning_status: l.provisioning_status,
        operating_status: l.operating_status,
        default_pool_id: l.default_pool_id ?? undefined,
        // The source's certificate containers: the dry run blocks the listener while its spec still names one.
        tls_container_refs: tlsRefs.length > 0 ? tlsRefs : undefined,
        marker: markerIn(l.tags),
      }),
    };
  },
};
