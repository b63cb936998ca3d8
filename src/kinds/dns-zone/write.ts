/**
 * DNS zones: created PRIMARY with their email, TTL and description, then waited on until ACTIVE (the service's SOA
 * and NS recordsets come with them). A zone name is global on the target's DNS service: a name another project holds
 * (or one the project cannot see) is refused with 409, which is reported as such, never worked around with a second
 * zone. Found by exact name in the project.
 */
import { dnsClient } from '../../openstack/dns/client.js';
import * as zones from '../../openstack/dns/zones/requests.js';
import type { Zone, ZoneUpdateOpts } from '../../openstack/dns/zones/types.js';
import { isHttpError } from '../../openstack/errors.js';
import { collect } from '../../openstack/pagination.js';
import type { DnsZoneSpec } from '../../plan/types.js';
import { BasculeError } from '../../shared/errors.js';
import type { KindWriter } from '../kind.js';
import { getOrUndefined, removeIgnoringMissing, sig } from '../shared/write.js';

/** A fully qualified domain name with its trailing dot, as Designate wants a zone's name. */
export function isZoneName(name: string): boolean {
  if (!name.endsWith('.') || name.length > 255) return false;
  return name
    .slice(0, -1)
    .split('.')
    .every((label) => /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/.test(label));
}

export const dnsZoneWriter: KindWriter<Zone> = {
  kind: 'dns_zone',
  check(_ctx, r) {
    const name = (r.entry.spec as DnsZoneSpec).name;
    if (!isZoneName(name))
      return `"${name}" is not a fully qualified zone name ending with a dot (a names rule of the mapping made it? give rules that rename zones "kinds: [dns_zone]" and keep the trailing dot)`;
    return undefined;
  },
  async find(ctx, r) {
    const name = (r.entry.spec as DnsZoneSpec).name;
    const found = await collect(zones.list(dnsClient(ctx.cloud), { name }, sig(ctx)));
    return found.filter((z) => z.name.toLowerCase() === name.toLowerCase() && z.action !== 'DELETE');
  },
  async create(ctx, r) {
    const spec = r.entry.spec as DnsZoneSpec;
    try {
      return await zones.create(
        dnsClient(ctx.cloud),
        {
          name: spec.name,
          type: 'PRIMARY',
          // Designate wants an email for a primary zone; a plan made by hand may lack one.
          email: spec.email ?? `hostmaster@${spec.name.slice(0, -1)}`,
          ...(spec.ttl !== undefined ? { ttl: spec.ttl } : {}),
          ...(typeof spec.description === 'string' && spec.description !== '' ? { description: spec.description } : {}),
        },
        sig(ctx),
      );
    } catch (error) {
      if (isHttpError(error) && error.status === 409)
        throw new BasculeError(
          'DNS_ZONE_TAKEN',
          `the zone name ${spec.name} is taken on the target's DNS service (zone names are global: another project holds it, or a zone this project cannot see); Bascule never makes a second zone`,
          { hint: 'map the zone to a free name with a names rule for kind dns_zone (docs/user-guide/dns.md)' },
        );
      throw error;
    }
  },
  waitUntilReady: (ctx, zone) => zones.waitActive(dnsClient(ctx.cloud), zone, sig(ctx)),
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as DnsZoneSpec;
    const body: ZoneUpdateOpts = {};
    if (fields.includes('email') && spec.email !== undefined) body.email = spec.email;
    if (fields.includes('ttl') && spec.ttl !== undefined) body.ttl = spec.ttl;
    if (fields.includes('description')) body.description = spec.description ?? null;
    if (Object.keys(body).length === 0) return current;
    const updated = await zones.update(dnsClient(ctx.cloud), current.id, body, sig(ctx));
    return zones.waitActive(dnsClient(ctx.cloud), updated, sig(ctx));
  },
  async get(ctx, id) {
    const zone = await getOrUndefined(() => zones.get(dnsClient(ctx.cloud), id, sig(ctx)));
    return zone === undefined || zone.action === 'DELETE' || zone.status === 'DELETED' ? undefined : zone;
  },
  hasMarker: () => false,
  remove: (ctx, id) => removeIgnoringMissing(() => zones.remove(dnsClient(ctx.cloud), id, sig(ctx))),
  idOf: (zone) => zone.id,
};
