/** Listeners: created on their (target) load balancer once it is ACTIVE, marked by tag; updated in place. */
import * as listeners from '../../openstack/load-balancer/listeners/requests.js';
import type { Listener, ListenerCreateOpts } from '../../openstack/load-balancer/listeners/types.js';
import type { ListenerSpec } from '../../plan/types.js';
import type { KindWriter } from '../kind.js';
import { getOrUndefined, pick, refId, sig } from '../shared/write.js';
import { hasTag, octaviaFind, removeUnder, tagsFor, underLb, waitReady } from '../load-balancer/octavia.js';

const FIELDS = [
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
  'default_tls_container_ref',
  'sni_container_refs',
] as const;

const lbOf = (l: Listener): string | undefined => l.loadbalancers?.[0]?.id;

export const listenerWriter: KindWriter<Listener> = {
  kind: 'listener',
  find(ctx, r) {
    const spec = r.entry.spec as ListenerSpec;
    const lb = refId(r, 'load_balancer');
    return octaviaFind(
      ctx,
      r,
      (q) => listeners.list(ctx.cloud.loadBalancer, { ...q, ...(lb ? { loadbalancer_id: lb } : {}) }, sig(ctx)),
      (l) => lbOf(l) === lb && l.protocol_port === spec.protocol_port && l.protocol === spec.protocol,
    );
  },
  create(ctx, r) {
    const spec = r.entry.spec as ListenerSpec;
    const lb = refId(r, 'load_balancer')!;
    const body = {
      ...pick(spec, FIELDS),
      loadbalancer_id: lb,
      protocol: spec.protocol,
      protocol_port: spec.protocol_port,
      tags: tagsFor(r),
    } as ListenerCreateOpts;
    return underLb(ctx, lb, () => listeners.create(ctx.cloud.loadBalancer, body, sig(ctx)));
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as Record<string, unknown>;
    const body: Record<string, unknown> = {};
    for (const field of fields) if (field !== 'tags') body[field] = spec[field] ?? defaultOf(field);
    if (fields.includes('tags'))
      body.tags = hasTag(current, r.marker) ? tagsFor(r) : [...((spec.tags as string[]) ?? [])];
    const lb = lbOf(current)!;
    await underLb(ctx, lb, () => listeners.update(ctx.cloud.loadBalancer, current.id, body, sig(ctx)));
    return waitReady(ctx, `listener ${current.name || current.id}`, () =>
      listeners.get(ctx.cloud.loadBalancer, current.id, sig(ctx)),
    );
  },
  waitUntilReady: (ctx, created) =>
    waitReady(ctx, `listener ${created.name || created.id}`, () =>
      listeners.get(ctx.cloud.loadBalancer, created.id, sig(ctx)),
    ),
  get: (ctx, id) => getOrUndefined(() => listeners.get(ctx.cloud.loadBalancer, id, sig(ctx))),
  hasMarker: hasTag,
  async remove(ctx, id) {
    const current = await getOrUndefined(() => listeners.get(ctx.cloud.loadBalancer, id, sig(ctx)));
    if (!current) return;
    await removeUnder(
      ctx,
      `listener ${id}`,
      lbOf(current),
      () => listeners.remove(ctx.cloud.loadBalancer, id, sig(ctx)),
      () => listeners.get(ctx.cloud.loadBalancer, id, sig(ctx)),
    );
  },
  idOf: (wire) => wire.id,
};

/** What an update sends for a field the plan leaves out: Octavia's default. */
function defaultOf(field: string): unknown {
  switch (field) {
    case 'connection_limit':
      return -1;
    case 'insert_headers':
      return {};
    case 'allowed_cidrs':
      return null;
    case 'name':
    case 'description':
      return '';
    case 'admin_state_up':
      return true;
    default:
      return undefined;
  }
}
