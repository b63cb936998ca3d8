/** The listener kind (Octavia): what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';
import type { TargetIssue } from '../descriptor.js';
import { checkOctaviaTarget } from '../load-balancer/octavia.js';

const TLS_FIELDS = ['default_tls_container_ref', 'sni_container_refs'] as const;

export const listenerDescriptor = defineKind({
  kind: 'listener',
  service: 'load-balancer',
  refs: KIND_REFS.listener,
  external: KIND_EXTERNAL.listener,
  // Certificate containers are Barbican secrets of the source: referenced, never copied.
  lossy: [...TLS_FIELDS],
  sensitive: [],
  updatable: [
    'name',
    'description',
    'admin_state_up',
    'connection_limit',
    'insert_headers',
    'timeout_client_data',
    'timeout_member_connect',
    'timeout_member_data',
    'timeout_tcp_inspect',
    'allowed_cidrs',
    'tags',
  ],
  exportedWith: 'load_balancer',
  companionOf: (refs, kept) => {
    const lb = typeof refs.load_balancer === 'string' ? refs.load_balancer : undefined;
    return lb !== undefined && kept.has(lb) ? lb : undefined;
  },
  // Unnamed: <load balancer>/<protocol>-<port>.
  keys: {
    after: ['load_balancer'],
    name: (record, ctx) =>
      record.name ||
      `${ctx.nameOf('load_balancer', firstId(record.refs.load_balancer)) ?? 'lb'}/${String(record.spec.protocol)}-${String(record.spec.protocol_port)}`,
  },
  async checkTarget(creates, ctx) {
    const issues: TargetIssue[] = await checkOctaviaTarget('listener', creates, ctx);
    for (const entry of creates) {
      const spec = entry.spec as { default_tls_container_ref?: string | null; sni_container_refs?: string[] };
      const named = [spec.default_tls_container_ref, ...(spec.sni_container_refs ?? [])].filter(
        (ref): ref is string => typeof ref === 'string' && ref !== '',
      );
      // The source's containers (the export records them): a reference the user replaced by the target's is fine.
      // A plan without that record (an older export) cannot tell them apart: every reference blocks.
      const fromSource = entry.source?.tls_container_refs;
      const refs = Array.isArray(fromSource) ? named.filter((ref) => fromSource.includes(ref)) : named;
      if (refs.length === 0) continue;
      issues.push({
        severity: 'error',
        code: 'TLS_CONTAINER_NOT_COPIED',
        key: entry.key,
        message: `${entry.key} terminates TLS with certificate container${refs.length > 1 ? 's' : ''} ${refs.join(', ')} of the source: Bascule never copies secrets. Store the certificate in the target's key manager, put its container reference in the plan's spec.default_tls_container_ref (and sni_container_refs), and apply again`,
      });
    }
    return issues;
  },
});
