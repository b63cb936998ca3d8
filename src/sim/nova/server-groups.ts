import { clone, isObj, str, type Obj } from '../core/json.js';
import { pyRepr } from '../core/pyrepr.js';
import { authOf, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import {
  additionalProperty,
  checkComputeQuota,
  mvAtLeast,
  novaBadRequest,
  novaBody,
  novaNotFound,
  writer,
} from './common.js';

const POLICIES = ['affinity', 'anti-affinity'];
const SOFT_POLICIES = ['soft-affinity', 'soft-anti-affinity'];

export function createGroupRecord(
  state: RegionState,
  projectId: string,
  userId: string,
  name: string,
  policy: string,
  rules: Obj = {},
  id?: string,
): Obj {
  const gid = id ?? state.uuid();
  return state.serverGroups.put(gid, {
    id: gid,
    name,
    policy,
    rules: clone(rules),
    members: [],
    project_id: projectId,
    user_id: userId,
    metadata: {},
  });
}

/** Before 2.64: `policies` and `metadata`; from 2.64: `policy` and `rules`; ids of owners from 2.13. */
export function renderGroup(req: SimRequest, g: Obj): Obj {
  const out: Obj = { id: g.id, name: g.name };
  if (mvAtLeast(req, '2.64')) {
    out.policy = g.policy;
    out.rules = clone(g.rules);
  } else {
    out.policies = [g.policy];
    out.metadata = {};
  }
  out.members = clone(g.members);
  if (mvAtLeast(req, '2.13')) {
    out.project_id = g.project_id;
    out.user_id = g.user_id;
  }
  return out;
}

export function serverGroupRoutes(r: Router, state: RegionState): void {
  const get = (req: SimRequest): Obj => {
    const a = authOf(req);
    const g = state.serverGroups.get(req.params.id!);
    if (!g || (!a.isAdmin && g.project_id !== a.projectId))
      throw novaNotFound(`Instance group ${req.params.id!} could not be found.`);
    return g;
  };
  r.get('/v2.1/os-server-groups', (req) => {
    const a = authOf(req);
    const all = a.isAdmin && req.query.has('all_projects');
    let items = state.serverGroups.filter((g) => all || g.project_id === a.projectId);
    const offset = Number(req.query.get('offset') ?? 0);
    const limit = req.query.get('limit');
    items = items.slice(offset, limit === null ? undefined : offset + Number(limit));
    return { status: 200, body: { server_groups: items.map((g) => renderGroup(req, g)) } };
  });
  r.get('/v2.1/os-server-groups/{id}', (req) => ({ status: 200, body: { server_group: renderGroup(req, get(req)) } }));
  r.post('/v2.1/os-server-groups', (req) => {
    const a = writer(req, state, 'os_compute_api:os-server-groups:create');
    const body = novaBody(req, 'server_group');
    const name = str(body, 'name');
    if (!name)
      throw novaBadRequest(
        `Invalid input for field/attribute server_group. Value: ${pyRepr(body)}. 'name' is a required property`,
      );
    const allowed = mvAtLeast(req, '2.15') ? [...POLICIES, ...SOFT_POLICIES] : POLICIES;
    let policy: string;
    let rules: Obj = {};
    if (mvAtLeast(req, '2.64')) {
      policy = str(body, 'policy') ?? '';
      if (!policy)
        throw novaBadRequest(
          `Invalid input for field/attribute server_group. Value: ${pyRepr(body)}. 'policy' is a required property`,
        );
      if (body.policies !== undefined) throw additionalProperty('server_group', body, 'policies');
      if (isObj(body.rules)) {
        rules = body.rules;
        if (policy !== 'anti-affinity' && Object.keys(rules).length)
          throw novaBadRequest(`Only anti-affinity policy supports rules.`);
      }
    } else {
      if (body.policy !== undefined) throw additionalProperty('server_group', body, 'policy');
      const policies = body.policies;
      if (!Array.isArray(policies) || policies.length !== 1) {
        throw novaBadRequest(
          `Invalid input for field/attribute policies. Value: ${pyRepr(policies ?? null)}. ${pyRepr(policies ?? null)} is too ${Array.isArray(policies) && policies.length > 1 ? 'long' : 'short'}`,
        );
      }
      policy = String(policies[0]);
    }
    if (!allowed.includes(policy))
      throw novaBadRequest(
        `Invalid input for field/attribute policy. Value: ${policy}. '${policy}' is not one of ${JSON.stringify(allowed)}`,
      );
    const pid = a.projectId ?? '';
    checkComputeQuota(state, pid, 'server_groups', 1, state.serverGroups.filter((g) => g.project_id === pid).length);
    const g = createGroupRecord(state, pid, a.userId, name, policy, rules);
    return { status: 200, body: { server_group: renderGroup(req, g) } };
  });
  r.delete('/v2.1/os-server-groups/{id}', (req) => {
    writer(req, state, 'os_compute_api:os-server-groups:delete');
    const g = get(req);
    state.serverGroups.delete(String(g.id));
    return { status: 204 };
  });
}
