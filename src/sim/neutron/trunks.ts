/**
 * Trunks (`trunk`): `/v2.0/trunks[/{id}]` with `add_subports`, `remove_subports` and `get_subports`. A sub-port is
 * a port of no other owner. It stays a plain port (no `device_owner`) while the parent is unbound, as on the real Zed
 * (its agent gives it `trunk:subport` when it binds the parent to a server); a sub-port added to a bound parent gets
 * `trunk:subport` and the trunk's ID here, taken back when it leaves. A port that is a trunk's parent or sub-port
 * cannot be deleted (409 PortInUseAsTrunkParent, PortInUseAsSubPort), nor be a sub-port again (409 TrunkPortInUse,
 * ParentPortInUse) or a second trunk's parent; a VLAN ID is used once per trunk. The parent port shows
 * `trunk_details` (`trunk-details`).
 */
import { clone, isObj, str, type Obj } from '../core/json.js';
import type { ApiError } from '../http/api-error.js';
import { authOf, type AuthContext, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import {
  applyUpdate,
  canSee,
  ensureWriter,
  envelope,
  nError,
  neutronList,
  neutronShow,
  ownerFor,
  standardAttrs,
  touch,
  visibleRows,
} from './common.js';

export const TRUNK_EXTENSION = 'trunk';

export function hasTrunks(state: RegionState): boolean {
  return state.profile.neutron.extensions.includes(TRUNK_EXTENSION);
}

/** Why a port cannot be deleted because of a trunk (Neutron's 409), or undefined. */
export function trunkHold(state: RegionState, portId: string): ApiError | undefined {
  for (const t of state.trunks.all()) {
    if (t.port_id === portId)
      return nError(
        409,
        'PortInUseAsTrunkParent',
        `Port ${portId} is currently a parent port for trunk ${String(t.id)}.`,
      );
    if ((t.sub_ports as Obj[]).some((s) => s.port_id === portId))
      return nError(409, 'PortInUseAsSubPort', `Port ${portId} is currently a subport for trunk ${String(t.id)}.`);
  }
  return undefined;
}

/** The parent's `trunk_details` (`trunk-details`), or undefined for a port that is no trunk's parent. */
export function trunkDetails(state: RegionState, portId: string): Obj | undefined {
  const t = state.trunks.find((x) => x.port_id === portId);
  if (!t) return undefined;
  return {
    trunk_id: t.id,
    sub_ports: (t.sub_ports as Obj[]).map((s) => ({
      segmentation_id: s.segmentation_id,
      segmentation_type: s.segmentation_type,
      port_id: s.port_id,
    })),
  };
}

/** A parent port bound to a server: its sub-ports are bound too (device owner `trunk:subport`). */
const isBound = (state: RegionState, trunk: Obj): boolean =>
  String(state.ports.get(String(trunk.port_id))?.device_owner ?? '').startsWith('compute:');

function getTrunk(state: RegionState, auth: AuthContext, id: string): Obj {
  const t = state.trunks.get(id);
  if (!t || !canSee(auth, t.project_id)) throw nError(404, 'TrunkNotFound', `Trunk ${id} could not be found.`);
  return t;
}

function addSubports(state: RegionState, auth: AuthContext | undefined, trunk: Obj, subs: unknown): void {
  if (!Array.isArray(subs)) throw nError(400, 'HTTPBadRequest', 'Invalid input for sub_ports. Reason: must be a list.');
  const current = trunk.sub_ports as Obj[];
  for (const sub of subs as Obj[]) {
    const portId = str(sub, 'port_id') ?? '';
    const port = state.ports.get(portId);
    if (!port || (auth && !canSee(auth, port.project_id)))
      throw nError(404, 'PortNotFound', `Port ${portId} could not be found.`);
    if (portId === trunk.port_id || state.trunks.find((t) => t.port_id === portId))
      throw nError(
        409,
        'ParentPortInUse',
        `Port ${portId} is currently in use and is not eligible for use as a parent port.`,
      );
    if (trunkHold(state, portId)) throw nError(409, 'TrunkPortInUse', `Port ${portId} is in use by another trunk.`);
    if ((port.device_owner ?? '') !== '')
      throw nError(409, 'PortInUse', `Unable to complete operation on port ${portId}: it is in use.`);
    const type = str(sub, 'segmentation_type') ?? 'vlan';
    const segId = typeof sub.segmentation_id === 'number' ? sub.segmentation_id : type === 'inherit' ? 0 : NaN;
    if (type !== 'vlan' && type !== 'inherit')
      throw nError(400, 'HTTPBadRequest', `Invalid input for segmentation_type: ${type} is not in valid_values.`);
    if (type === 'vlan' && !(Number.isInteger(segId) && segId >= 1 && segId <= 4094))
      throw nError(
        400,
        'InvalidInput',
        `Invalid input for operation: Invalid segmentation_id ${String(sub.segmentation_id)}.`,
      );
    if (type === 'vlan' && current.some((s) => s.segmentation_type === 'vlan' && s.segmentation_id === segId))
      throw nError(
        409,
        'DuplicateSubPort',
        `segmentation_type vlan and segmentation_id ${segId} already in use on trunk ${String(trunk.id)}.`,
      );
    current.push({ port_id: portId, segmentation_type: type, segmentation_id: segId });
    if (isBound(state, trunk)) {
      port.device_owner = 'trunk:subport';
      port.device_id = trunk.id;
      touch(port);
    }
  }
}

/** Stores a trunk (`auth` undefined: the seed). */
export function createTrunk(state: RegionState, auth: AuthContext | undefined, owner: string, body: Obj): Obj {
  for (const k of Object.keys(body))
    if (
      !['port_id', 'name', 'description', 'admin_state_up', 'sub_ports', 'tags', 'project_id', 'tenant_id'].includes(k)
    )
      throw nError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${k}'`);
  const portId = str(body, 'port_id') ?? '';
  const port = state.ports.get(portId);
  if (!port || (auth && !canSee(auth, port.project_id)))
    throw nError(404, 'PortNotFound', `Port ${portId} could not be found.`);
  if (state.trunks.find((t) => t.port_id === portId))
    throw nError(
      409,
      'ParentPortInUse',
      `Port ${portId} is currently in use and is not eligible for use as a parent port.`,
    );
  if (trunkHold(state, portId)) throw nError(409, 'TrunkPortInUse', `Port ${portId} is in use by another trunk.`);
  const id = state.uuid();
  const trunk: Obj = {
    id,
    name: str(body, 'name') ?? '',
    port_id: portId,
    admin_state_up: body.admin_state_up !== false,
    status: 'DOWN',
    sub_ports: [],
    ...standardAttrs(owner, str(body, 'description') ?? ''),
  };
  if (Array.isArray(body.tags)) trunk.tags = body.tags.map(String);
  addSubports(state, auth, trunk, body.sub_ports ?? []);
  return state.trunks.put(id, trunk);
}

/** A trunk's parent port bound to a server: its sub-ports are bound with it (device owner `trunk:subport`). */
export function bindSubports(state: RegionState, parentId: string): void {
  const trunk = state.trunks.find((t) => t.port_id === parentId);
  if (!trunk) return;
  for (const sub of trunk.sub_ports as Obj[]) {
    const port = state.ports.get(String(sub.port_id));
    if (port && port.device_owner !== 'trunk:subport') {
      port.device_owner = 'trunk:subport';
      port.device_id = trunk.id;
      touch(port);
    }
  }
}

/** A port leaving its trunk: a bound sub-port loses its owner. */
function release(state: RegionState, portId: string): void {
  const port = state.ports.get(portId);
  if (port?.device_owner === 'trunk:subport') {
    port.device_owner = '';
    port.device_id = '';
    touch(port);
  }
}

export function trunkRoutes(r: Router, state: RegionState): void {
  const ensure = (req: SimRequest): AuthContext => {
    if (!hasTrunks(state)) throw nError(404, 'HTTPNotFound', 'The resource could not be found.');
    const a = authOf(req);
    if (req.method !== 'GET') ensureWriter(a, state);
    return a;
  };
  r.get('/v2.0/trunks', (req) => {
    const a = ensure(req);
    return neutronList(req, 'trunks', visibleRows(state.trunks, a), clone);
  });
  r.get('/v2.0/trunks/{id}', (req) => neutronShow(req, 'trunk', clone(getTrunk(state, ensure(req), req.params.id!))));
  r.post('/v2.0/trunks', (req) => {
    const a = ensure(req);
    const body = envelope(req, 'trunk');
    return { status: 201, body: { trunk: clone(createTrunk(state, a, ownerFor(a, body), body)) } };
  });
  r.put('/v2.0/trunks/{id}', (req) => {
    const t = getTrunk(state, ensure(req), req.params.id!);
    applyUpdate(t, envelope(req, 'trunk'), ['name', 'description', 'admin_state_up'], 'trunk');
    touch(t);
    return { status: 200, body: { trunk: clone(t) } };
  });
  r.put('/v2.0/trunks/{id}/add_subports', (req) => {
    const a = ensure(req);
    const t = getTrunk(state, a, req.params.id!);
    addSubports(state, a, t, isObj(req.body) ? req.body.sub_ports : undefined);
    touch(t);
    return { status: 200, body: clone(t) };
  });
  r.put('/v2.0/trunks/{id}/remove_subports', (req) => {
    const t = getTrunk(state, ensure(req), req.params.id!);
    const subs = isObj(req.body) && Array.isArray(req.body.sub_ports) ? (req.body.sub_ports as Obj[]) : [];
    for (const sub of subs) {
      const at = (t.sub_ports as Obj[]).findIndex((s) => s.port_id === sub.port_id);
      if (at < 0)
        throw nError(
          404,
          'SubPortNotFound',
          `SubPort on trunk ${String(t.id)} with parent port ${String(sub.port_id)} could not be found.`,
        );
      (t.sub_ports as Obj[]).splice(at, 1);
      release(state, String(sub.port_id));
    }
    touch(t);
    return { status: 200, body: clone(t) };
  });
  r.get('/v2.0/trunks/{id}/get_subports', (req) => ({
    status: 200,
    body: { sub_ports: clone(getTrunk(state, ensure(req), req.params.id!).sub_ports) },
  }));
  r.delete('/v2.0/trunks/{id}', (req) => {
    const t = getTrunk(state, ensure(req), req.params.id!);
    const parent = state.ports.get(String(t.port_id));
    if (parent && String(parent.device_owner ?? '').startsWith('compute:'))
      throw nError(409, 'TrunkInUse', `Trunk ${String(t.id)} is currently in use.`);
    for (const sub of t.sub_ports as Obj[]) release(state, String(sub.port_id));
    state.trunks.delete(String(t.id));
    return { status: 204 };
  });
}
