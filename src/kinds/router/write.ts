/**
 * Routers, with their gateway on the (mapped) external network, their interfaces (by subnet: the subnet's gateway
 * address; by port: the given port) and their static routes (set last, once the next hops are reachable).
 * The wire object is the reader's RouterWire, so compare sees interfaces exactly as export does.
 */
import { collect } from '../../openstack/pagination.js';
import { replaceTags } from '../../openstack/network/common.js';
import * as ports from '../../openstack/network/ports/requests.js';
import * as routers from '../../openstack/network/routers/requests.js';
import type { Router, RouterCreateOpts } from '../../openstack/network/routers/types.js';
import * as subnets from '../../openstack/network/subnets/requests.js';
import type { RouterSpec } from '../../plan/types.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import { ROUTER_INTERFACE_OWNERS, routerInterfaces, type RouterWire } from './read.js';
import {
  getOrUndefined,
  incomplete,
  neutronFind,
  refId,
  refIds,
  removeIgnoringMissing,
  sig,
  tagAfterCreate,
  tagsAtCreate,
  tagsWithMarker,
} from '../shared/write.js';

async function withInterfaces(ctx: WriteContext, router: Router): Promise<RouterWire> {
  const own = await collect(ports.list(ctx.cloud.network, { device_id: router.id }, sig(ctx)));
  const ids = [
    ...new Set(own.flatMap((p) => (p.fixed_ips ?? []).map((ip) => ip.subnet_id).filter((s): s is string => !!s))),
  ];
  const subnetMap = new Map<string, Awaited<ReturnType<typeof subnets.get>>>();
  for (const id of ids) {
    const subnet = await getOrUndefined(() => subnets.get(ctx.cloud.network, id, sig(ctx)));
    if (subnet) subnetMap.set(id, subnet);
  }
  return { router, interfaces: routerInterfaces(router.id, own, subnetMap) };
}

/** Failures after which an interface call may or may not have happened: the reply was lost. */
const IN_DOUBT = new Set(['OS_NETWORK', 'OS_SERVER_ERROR', 'OS_UNAVAILABLE', 'OS_HTTP_ERROR', 'OS_BAD_RESPONSE']);

type InterfaceTarget = { subnet_id: string } | { port_id: string };

/** Whether the router has this port, or a port on this subnet, as an interface (read from its ports). */
async function hasInterface(ctx: WriteContext, routerId: string, target: InterfaceTarget): Promise<boolean> {
  const own = await collect(ports.list(ctx.cloud.network, { device_id: routerId }, sig(ctx)));
  if ('port_id' in target) return own.some((p) => p.id === target.port_id);
  return own.some(
    (p) =>
      ROUTER_INTERFACE_OWNERS.has(p.device_owner ?? '') &&
      (p.fixed_ips ?? []).some((ip) => ip.subnet_id === target.subnet_id),
  );
}

/**
 * add_router_interface / remove_router_interface are not idempotent (a second add is a 400, a second remove a
 * 404), so the transport never sends them twice on its own. After a lost reply (a network error once sent, a
 * timeout, a 5xx), the router's ports say whether the change happened; it is sent again only when it did not.
 */
export async function changeInterface(
  ctx: WriteContext,
  routerId: string,
  target: InterfaceTarget,
  op: 'add' | 'remove',
  attempts = 3,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (op === 'add') await routers.addInterface(ctx.cloud.network, routerId, target, ctx.signal);
      else await routers.removeInterface(ctx.cloud.network, routerId, target, ctx.signal);
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !IN_DOUBT.has(code) || ctx.signal.aborted) throw error;
      const present = await hasInterface(ctx, routerId, target);
      const what = `${op === 'add' ? 'adding' : 'removing'} the interface ${'port_id' in target ? `port ${target.port_id}` : `on subnet ${target.subnet_id}`} of router ${routerId}`;
      if (present === (op === 'add')) {
        ctx.logger.info(`${what}: the reply was lost, the router's ports show it was done`, { error: code });
        return;
      }
      if (attempt >= attempts) throw error;
      ctx.logger.warn(`${what}: the reply was lost and the router's ports show it was not done; sending it again`, {
        error: code,
        attempt: attempt + 1,
      });
    }
  }
}

async function addInterfaces(
  ctx: WriteContext,
  routerId: string,
  r: ResolvedEntry,
  have: RouterWire['interfaces'],
): Promise<void> {
  for (const subnet of refIds(r, 'interfaces'))
    if (!have.subnets.includes(subnet)) await changeInterface(ctx, routerId, { subnet_id: subnet }, 'add');
  for (const port of refIds(r, 'interface_ports'))
    if (!have.ports.includes(port)) await changeInterface(ctx, routerId, { port_id: port }, 'add');
}

function gateway(r: ResolvedEntry): RouterCreateOpts['external_gateway_info'] | undefined {
  const spec = r.entry.spec as RouterSpec;
  const network = refId(r, 'external_network');
  if (!network) return undefined;
  // enable_snat needs admin rights in the default policy: only a non-default value is sent.
  return spec.enable_snat === false ? { network_id: network, enable_snat: false } : { network_id: network };
}

export const routerWriter: KindWriter<RouterWire> = {
  kind: 'router',
  async find(ctx, r) {
    const found = await neutronFind(ctx, r, (q) => routers.list(ctx.cloud.network, q, sig(ctx)));
    return Promise.all(found.map((router) => withInterfaces(ctx, router)));
  },
  async create(ctx, r) {
    const spec = r.entry.spec as RouterSpec;
    const body: RouterCreateOpts & { tags?: string[] } = { name: spec.name };
    if (spec.description !== undefined) body.description = spec.description;
    if (spec.admin_state_up !== undefined) body.admin_state_up = spec.admin_state_up;
    if (spec.availability_zone_hints?.length) body.availability_zone_hints = spec.availability_zone_hints;
    const gw = gateway(r);
    if (gw) body.external_gateway_info = gw;
    const atCreate = tagsAtCreate(ctx);
    if (atCreate) body.tags = tagsWithMarker(spec.tags, r.marker);
    const router = await routers.create(ctx.cloud.network, body, sig(ctx));
    try {
      if (!atCreate) {
        await tagAfterCreate(ctx, 'routers', router.id, r.marker, `router ${spec.name}`);
        for (const tag of spec.tags ?? []) await tagAfterCreate(ctx, 'routers', router.id, tag, `router ${spec.name}`);
        router.tags = tagsWithMarker(spec.tags, r.marker);
      }
      await addInterfaces(ctx, router.id, r, { subnets: [], ports: [] });
      if (spec.routes?.length) await routers.update(ctx.cloud.network, router.id, { routes: spec.routes }, sig(ctx));
    } catch (error) {
      throw incomplete(`router ${spec.name} ${router.id} was created but not completed`, error);
    }
    return withInterfaces(ctx, router);
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as RouterSpec;
    const id = current.router.id;
    const body: Record<string, unknown> = {};
    for (const f of ['name', 'description', 'admin_state_up'] as const)
      if (fields.includes(f)) body[f] = spec[f] ?? null;
    if (fields.includes('refs.external_network') || fields.includes('enable_snat'))
      body.external_gateway_info = gateway(r) ?? {};
    if (Object.keys(body).length > 0) await routers.update(ctx.cloud.network, id, body, sig(ctx));
    if (fields.includes('tags')) {
      const keep = (current.router.tags ?? []).filter((t) => t === r.marker);
      await replaceTags(ctx.cloud.network, 'routers', id, [...new Set([...(spec.tags ?? []), ...keep])], ctx.signal);
    }
    if (fields.includes('refs.interfaces') || fields.includes('refs.interface_ports'))
      await addInterfaces(ctx, id, r, current.interfaces);
    if (fields.includes('routes')) await routers.update(ctx.cloud.network, id, { routes: spec.routes ?? [] }, sig(ctx));
    return withInterfaces(ctx, await routers.get(ctx.cloud.network, id, sig(ctx)));
  },
  async mark(ctx, wire, marker) {
    await tagAfterCreate(ctx, 'routers', wire.router.id, marker, 'router');
    return { ...wire, router: { ...wire.router, tags: [...(wire.router.tags ?? []), marker] } };
  },
  async get(ctx, id) {
    const router = await getOrUndefined(() => routers.get(ctx.cloud.network, id, sig(ctx)));
    return router ? withInterfaces(ctx, router) : undefined;
  },
  hasMarker: (wire, marker) => (wire.router.tags ?? []).includes(marker),
  async remove(ctx, id) {
    // Routes first (an interface a route needs cannot be removed), then interfaces (Neutron refuses to delete a
    // router that has some), then the router.
    const router = await getOrUndefined(() => routers.get(ctx.cloud.network, id, sig(ctx)));
    if (!router) return;
    if ((router.routes ?? []).length > 0) await routers.update(ctx.cloud.network, id, { routes: [] }, sig(ctx));
    const own = await collect(ports.list(ctx.cloud.network, { device_id: id }, sig(ctx)));
    for (const port of own) {
      if (!ROUTER_INTERFACE_OWNERS.has(port.device_owner ?? '')) continue;
      await removeIgnoringMissing(() => changeInterface(ctx, id, { port_id: port.id }, 'remove'));
    }
    await removeIgnoringMissing(() => routers.remove(ctx.cloud.network, id, sig(ctx)));
  },
  idOf: (wire) => wire.router.id,
};
