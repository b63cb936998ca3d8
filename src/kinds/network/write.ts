/** Networks: created with the project's own settings; admin-only fields (shared, router:external) are not sent. */
import { UPDATE_FIELDS } from './descriptor.js';
import { replaceTags } from '../../openstack/network/common.js';
import * as networks from '../../openstack/network/networks/requests.js';
import type { Network, NetworkCreateOpts } from '../../openstack/network/networks/types.js';
import type { NetworkSpec } from '../../plan/types.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import {
  getOrUndefined,
  neutronFind,
  pick,
  removeIgnoringMissing,
  sig,
  tagAfterCreate,
  tagsAtCreate,
  tagsWithMarker,
} from '../shared/write.js';

const CREATE_FIELDS = [
  'name',
  'description',
  'admin_state_up',
  'mtu',
  'port_security_enabled',
  'availability_zone_hints',
  'dns_domain',
] as const;

export const networkWriter: KindWriter<Network> = {
  kind: 'network',
  find: (ctx, r) => neutronFind(ctx, r, (q) => networks.list(ctx.cloud.network, q, sig(ctx))),
  async create(ctx, r) {
    const spec = r.entry.spec as NetworkSpec;
    const body = pick(spec, CREATE_FIELDS) as NetworkCreateOpts & { tags?: string[] };
    if (body.dns_domain === null) delete body.dns_domain;
    const atCreate = tagsAtCreate(ctx);
    if (atCreate) body.tags = tagsWithMarker(spec.tags, r.marker);
    const created = await networks.create(ctx.cloud.network, body, sig(ctx));
    if (!atCreate) {
      await tagAfterCreate(ctx, 'networks', created.id, r.marker, `network ${spec.name}`);
      for (const tag of spec.tags ?? []) await tagAfterCreate(ctx, 'networks', created.id, tag, `network ${spec.name}`);
      created.tags = tagsWithMarker(spec.tags, r.marker);
    }
    return created;
  },
  async update(ctx, current, r, fields) {
    return updateNeutron(ctx, current, r, fields, 'networks', UPDATE_FIELDS, (body) =>
      networks.update(ctx.cloud.network, current.id, body, sig(ctx)),
    );
  },
  async mark(ctx, wire, marker) {
    await tagAfterCreate(ctx, 'networks', wire.id, marker, 'network');
    return { ...wire, tags: [...(wire.tags ?? []), marker] };
  },
  get: (ctx, id) => getOrUndefined(() => networks.get(ctx.cloud.network, id, sig(ctx))),
  hasMarker: (wire, marker) => (wire.tags ?? []).includes(marker),
  remove: (ctx, id) => removeIgnoringMissing(() => networks.remove(ctx.cloud.network, id, sig(ctx))),
  idOf: (wire) => wire.id,
};

/**
 * The common update of a Neutron object: plain fields in one PUT, tags replaced (the user's plus the marker, kept
 * when the object carried it).
 */
export async function updateNeutron<T extends { id: string; tags?: string[] }>(
  ctx: WriteContext,
  current: T,
  r: ResolvedEntry,
  fields: readonly string[],
  collection: string,
  plain: readonly string[],
  put: (body: Record<string, unknown>) => Promise<T>,
): Promise<T> {
  const spec = r.entry.spec as unknown as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const field of fields) if (plain.includes(field)) body[field] = spec[field] ?? null;
  let result = current;
  if (Object.keys(body).length > 0) result = await put(body);
  if (fields.includes('tags')) {
    const keep = (current.tags ?? []).filter((t) => t === r.marker);
    const tags = [...new Set([...((spec.tags as string[] | undefined) ?? []), ...keep])];
    await replaceTags(ctx.cloud.network, collection, current.id, tags, ctx.signal);
    result = { ...result, tags };
  }
  return result;
}
