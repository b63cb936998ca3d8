import { clone, isObj, num, str, type Obj } from '../core/json.js';
import { pyRepr } from '../core/pyrepr.js';
import { pageAfter, parseLimit } from '../core/paginate.js';
import { authOf, type AuthContext, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import {
  computeBase,
  links,
  mvAtLeast,
  novaBadRequest,
  novaBody,
  novaConflict,
  novaNotFound,
  requireAdmin,
} from './common.js';

export function createFlavorRecord(state: RegionState, body: Obj): Obj {
  const id = str(body, 'id') ?? (body.id !== undefined && body.id !== null ? String(body.id) : state.uuid());
  const record: Obj = {
    id,
    name: str(body, 'name') ?? id,
    ram: num(body, 'ram') ?? 512,
    vcpus: num(body, 'vcpus') ?? 1,
    disk: num(body, 'disk') ?? 0,
    'OS-FLV-EXT-DATA:ephemeral': num(body, 'OS-FLV-EXT-DATA:ephemeral') ?? num(body, 'ephemeral') ?? 0,
    swap: num(body, 'swap') ?? 0,
    rxtx_factor: num(body, 'rxtx_factor') ?? 1.0,
    'os-flavor-access:is_public': body['os-flavor-access:is_public'] ?? body.is_public ?? true,
    'OS-FLV-DISABLED:disabled': false,
    description: str(body, 'description') ?? null,
    extra_specs: isObj(body.extra_specs) ? clone(body.extra_specs) : {},
  };
  return state.flavors.put(id, record);
}

export function flavorVisible(state: RegionState, auth: AuthContext, f: Obj): boolean {
  if (auth.isAdmin || f['os-flavor-access:is_public'] !== false) return true;
  return auth.projectId !== undefined && (state.flavorAccess.get(String(f.id))?.has(auth.projectId) ?? false);
}

export function findFlavor(state: RegionState, auth: AuthContext, ref: string): Obj | undefined {
  const f = state.flavors.get(ref);
  return f && flavorVisible(state, auth, f) ? f : undefined;
}

export function renderFlavor(req: SimRequest, state: RegionState, f: Obj, isDetail: boolean): Obj {
  const out: Obj = { id: f.id, name: f.name, links: links(req, state, 'flavors', String(f.id)) };
  if (mvAtLeast(req, '2.55')) out.description = f.description;
  if (!isDetail) return out;
  Object.assign(out, {
    ram: f.ram,
    vcpus: f.vcpus,
    disk: f.disk,
    'OS-FLV-EXT-DATA:ephemeral': f['OS-FLV-EXT-DATA:ephemeral'],
    swap: f.swap === 0 && !mvAtLeast(req, '2.75') ? '' : f.swap,
    rxtx_factor: f.rxtx_factor,
    'os-flavor-access:is_public': f['os-flavor-access:is_public'],
    'OS-FLV-DISABLED:disabled': f['OS-FLV-DISABLED:disabled'],
  });
  if (mvAtLeast(req, '2.61')) out.extra_specs = clone(f.extra_specs);
  return out;
}

export function flavorRoutes(r: Router, state: RegionState): void {
  const get = (req: SimRequest): Obj => {
    const f = findFlavor(state, authOf(req), req.params.id!);
    if (!f) throw novaNotFound(`Flavor ${req.params.id!} could not be found.`);
    return f;
  };
  const list = (isDetail: boolean) => (req: SimRequest) => {
    const a = authOf(req);
    let items = state.flavors
      .all()
      .sort((x, y) => (String(x.id) < String(y.id) ? -1 : String(x.id) > String(y.id) ? 1 : 0));
    const isPublic = (req.query.get('is_public') ?? 'true').toLowerCase();
    const hasAccess = (f: Obj): boolean =>
      a.projectId !== undefined && (state.flavorAccess.get(String(f.id))?.has(a.projectId) ?? false);
    items = items.filter((f) => {
      const pub = f['os-flavor-access:is_public'] !== false;
      if (!a.isAdmin || isPublic === 'true') return pub || hasAccess(f);
      if (isPublic === 'none') return true;
      return !pub;
    });
    const minDisk = req.query.get('minDisk');
    if (minDisk !== null) items = items.filter((f) => Number(f.disk) >= Number(minDisk));
    const minRam = req.query.get('minRam');
    if (minRam !== null) items = items.filter((f) => Number(f.ram) >= Number(minRam));
    const name = req.query.get('name');
    if (name !== null && mvAtLeast(req, '2.102')) items = items.filter((f) => f.name === name);
    const limit = parseLimit(req.query.get('limit'));
    if (Number.isNaN(limit))
      throw novaBadRequest(`Invalid input for query parameters limit. Value: ${req.query.get('limit') ?? ''}.`);
    const marker = req.query.get('marker') ?? undefined;
    const page = pageAfter(items, marker, limit, 1000);
    if (!page) throw novaBadRequest(`marker [${marker ?? ''}] not found`);
    const body: Obj = { flavors: page.items.map((f) => renderFlavor(req, state, f, isDetail)) };
    if (page.isFull && page.items.length > 0) {
      const q = new URLSearchParams(req.query);
      q.set('marker', String(page.items.at(-1)!.id));
      q.set('limit', String(page.items.length));
      body.flavors_links = [
        { rel: 'next', href: `${computeBase(req, state)}/flavors${isDetail ? '/detail' : ''}?${q.toString()}` },
      ];
    }
    return { status: 200, body };
  };
  r.get('/v2.1/flavors', list(false));
  r.get('/v2.1/flavors/detail', list(true));
  r.get('/v2.1/flavors/{id}', (req) => ({ status: 200, body: { flavor: renderFlavor(req, state, get(req), true) } }));
  r.post('/v2.1/flavors', (req) => {
    requireAdmin(req, 'os_compute_api:os-flavor-manage:create');
    const body = novaBody(req, 'flavor');
    const name = str(body, 'name');
    if (!name)
      throw novaBadRequest("Invalid input for field/attribute flavor. Value: {}. 'name' is a required property");
    for (const k of ['ram', 'vcpus', 'disk']) {
      if (typeof body[k] !== 'number')
        throw novaBadRequest(
          `Invalid input for field/attribute flavor. Value: ${pyRepr(body)}. '${k}' is a required property`,
        );
    }
    if (state.flavors.find((f) => f.name === name)) throw novaConflict(`Flavor with name ${name} already exists.`);
    if (body.id !== undefined && body.id !== null && state.flavors.has(String(body.id)))
      throw novaConflict(`Flavor with ID ${String(body.id)} already exists.`);
    if (!mvAtLeast(req, '2.55') && body.description !== undefined)
      throw novaBadRequest(
        "Invalid input for field/attribute flavor. Additional properties are not allowed ('description' was unexpected)",
      );
    const f = createFlavorRecord(state, { ...body, extra_specs: {} });
    return { status: 200, body: { flavor: renderFlavor(req, state, f, true) } };
  });
  r.delete('/v2.1/flavors/{id}', (req) => {
    requireAdmin(req, 'os_compute_api:os-flavor-manage:delete');
    if (!state.flavors.delete(req.params.id!)) throw novaNotFound(`Flavor ${req.params.id!} could not be found.`);
    return { status: 202 };
  });
  r.get('/v2.1/flavors/{id}/os-extra_specs', (req) => ({
    status: 200,
    body: { extra_specs: clone(get(req).extra_specs) },
  }));
  r.post('/v2.1/flavors/{id}/os-extra_specs', (req) => {
    requireAdmin(req, 'os_compute_api:os-flavor-extra-specs:create');
    const f = get(req);
    const specs = novaBody(req, 'extra_specs');
    Object.assign(f.extra_specs as Obj, Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, String(v)])));
    return { status: 200, body: { extra_specs: specs } };
  });
  r.get('/v2.1/flavors/{id}/os-extra_specs/{key}', (req) => {
    const specs = get(req).extra_specs as Obj;
    if (!(req.params.key! in specs))
      throw novaNotFound(`Flavor ${req.params.id!} has no extra specs with key ${req.params.key!}.`);
    return { status: 200, body: { [req.params.key!]: specs[req.params.key!] } };
  });
  r.put('/v2.1/flavors/{id}/os-extra_specs/{key}', (req) => {
    requireAdmin(req, 'os_compute_api:os-flavor-extra-specs:update');
    const body = isObj(req.body) ? req.body : {};
    (get(req).extra_specs as Obj)[req.params.key!] = String(body[req.params.key!]);
    return { status: 200, body };
  });
  r.delete('/v2.1/flavors/{id}/os-extra_specs/{key}', (req) => {
    requireAdmin(req, 'os_compute_api:os-flavor-extra-specs:delete');
    const specs = get(req).extra_specs as Obj;
    if (!(req.params.key! in specs))
      throw novaNotFound(`Flavor ${req.params.id!} has no extra specs with key ${req.params.key!}.`);
    delete specs[req.params.key!];
    return { status: 200 };
  });
  r.get('/v2.1/flavors/{id}/os-flavor-access', (req) => {
    requireAdmin(req, 'os_compute_api:os-flavor-access');
    const f = get(req);
    if (f['os-flavor-access:is_public'] !== false) throw novaNotFound('Access list not available for public flavors.');
    return {
      status: 200,
      body: {
        flavor_access: [...(state.flavorAccess.get(String(f.id)) ?? [])].map((t) => ({
          flavor_id: f.id,
          tenant_id: t,
        })),
      },
    };
  });
  r.post('/v2.1/flavors/{id}/action', (req) => {
    requireAdmin(req, 'os_compute_api:os-flavor-access:add_tenant_access');
    const f = get(req);
    const body = isObj(req.body) ? req.body : {};
    const add = isObj(body.addTenantAccess) ? str(body.addTenantAccess, 'tenant') : undefined;
    const remove = isObj(body.removeTenantAccess) ? str(body.removeTenantAccess, 'tenant') : undefined;
    if (f['os-flavor-access:is_public'] !== false) throw novaConflict('Can not add access to a public flavor.');
    const set = state.flavorAccess.get(String(f.id)) ?? new Set<string>();
    state.flavorAccess.set(String(f.id), set);
    if (add) {
      if (set.has(add))
        throw novaConflict(`Flavor access already exists for flavor ${String(f.id)} and project ${add} combination.`);
      set.add(add);
    } else if (remove) {
      if (!set.delete(remove))
        throw novaNotFound(`Flavor access not found for ${String(f.id)} / ${remove} combination.`);
    } else {
      throw novaBadRequest('Invalid flavor action.');
    }
    return { status: 200, body: { flavor_access: [...set].map((t) => ({ flavor_id: f.id, tenant_id: t })) } };
  });
}
