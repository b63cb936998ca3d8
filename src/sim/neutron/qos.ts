/**
 * QoS policies (`qos`): `/v2.0/qos/policies[/{id}]`, their rules (`/v2.0/qos/policies/{id}/{type}_rules[/{id}]`,
 * embedded in the policy with their `type`), `/v2.0/qos/rule-types`, and the binding of a port or network to a
 * policy (`qos_policy_id`: its own policy, or one shared with its project). Neutron's default policy lets only an
 * administrator create, change or delete policies and rules (403 `rule:create_policy is disallowed by policy` for a
 * member); a policy still bound is not deleted (409 QosPolicyInUse).
 */
import { clone, isObj, str, type Obj } from '../core/json.js';
import { authOf, type AuthContext, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { canSee, envelope, nError, neutronList, neutronShow, ownerFor, standardAttrs, touch } from './common.js';

export const QOS_EXTENSION = 'qos';
/** The rule types of the ML2/OVS driver on Zed and later, with their fields. */
const RULE_TYPES: Record<string, string[]> = {
  bandwidth_limit: ['max_kbps', 'max_burst_kbps', 'direction'],
  dscp_marking: ['dscp_mark'],
  minimum_bandwidth: ['min_kbps', 'direction'],
  minimum_packet_rate: ['min_kpps', 'direction'],
  packet_rate_limit: ['max_kpps', 'max_burst_kpps', 'direction'],
};
const DEFAULTS: Record<string, Obj> = {
  bandwidth_limit: { max_burst_kbps: 0, direction: 'egress' },
  minimum_bandwidth: { direction: 'egress' },
  minimum_packet_rate: { direction: 'egress' },
  packet_rate_limit: { max_burst_kpps: 0, direction: 'egress' },
};

export function hasQos(state: RegionState): boolean {
  return state.profile.neutron.extensions.includes(QOS_EXTENSION);
}

const visible = (auth: AuthContext | undefined, p: Obj): boolean =>
  auth === undefined || p.shared === true || canSee(auth, p.project_id);

function policyOf(state: RegionState, auth: AuthContext | undefined, id: string): Obj {
  const p = state.qosPolicies.get(id);
  if (!p || !visible(auth, p)) throw nError(404, 'QosPolicyNotFound', `QoS policy ${id} could not be found.`);
  return p;
}

function adminOnly(auth: AuthContext, action: string): void {
  if (!auth.isAdmin) throw nError(403, 'PolicyNotAuthorized', `rule:${action} is disallowed by policy`);
}

/** Stores a policy (`owner`: its project). */
export function createQosPolicy(state: RegionState, owner: string, body: Obj, id = state.uuid()): Obj {
  return state.qosPolicies.put(id, {
    id,
    name: str(body, 'name') ?? '',
    ...standardAttrs(owner, str(body, 'description') ?? ''),
    shared: body.shared === true,
    is_default: false,
    rules: [],
  });
}

/** Adds a rule of `type` to a policy (Neutron's 400 for a bad field, 409 for a second rule of a type and direction). */
export function addQosRule(state: RegionState, policy: Obj, type: string, body: Obj): Obj {
  const fields = RULE_TYPES[type];
  if (!fields) throw nError(404, 'HTTPNotFound', 'The resource could not be found.');
  for (const k of Object.keys(body))
    if (!fields.includes(k)) throw nError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${k}'`);
  const rule: Obj = { id: state.uuid(), ...clone(DEFAULTS[type] ?? {}), ...clone(body), type };
  for (const f of fields)
    if (f !== 'direction' && f !== 'max_burst_kbps' && f !== 'max_burst_kpps' && typeof rule[f] !== 'number')
      throw nError(400, 'HTTPBadRequest', `Failed to parse request. Required attribute '${f}' not specified`);
  const rules = policy.rules as Obj[];
  if (rules.some((r) => r.type === type && r.direction === rule.direction))
    throw nError(
      409,
      'QoSRulesConflict',
      `Rule ${type} conflicts with rule ${type} which already exists in QoS Policy ${String(policy.id)}.`,
    );
  rules.push(rule);
  touch(policy);
  return rule;
}

/** Checks the `qos_policy_id` of a port or network body: a policy the caller can see (404 otherwise). */
export function checkQosBinding(state: RegionState, auth: AuthContext | undefined, body: Obj): void {
  const id = body.qos_policy_id;
  if (id === undefined || id === null) return;
  if (!hasQos(state)) throw nError(400, 'HTTPBadRequest', "Unrecognized attribute(s) 'qos_policy_id'");
  policyOf(state, auth, String(id));
}

function render(p: Obj): Obj {
  const out = clone(p);
  out.rules = (p.rules as Obj[]).map((r) => ({ ...clone(r), qos_policy_id: p.id }));
  return out;
}

export function qosRoutes(r: Router, state: RegionState): void {
  const ensure = (req: SimRequest): AuthContext => {
    if (!hasQos(state)) throw nError(404, 'HTTPNotFound', 'The resource could not be found.');
    return authOf(req);
  };
  r.get('/v2.0/qos/rule-types', (req) => {
    ensure(req);
    return { status: 200, body: { rule_types: Object.keys(RULE_TYPES).map((type) => ({ type })) } };
  });
  r.get('/v2.0/qos/policies', (req) => {
    const a = ensure(req);
    return neutronList(
      req,
      'policies',
      state.qosPolicies.filter((p) => visible(a, p)),
      render,
    );
  });
  r.get('/v2.0/qos/policies/{id}', (req) =>
    neutronShow(req, 'policy', render(policyOf(state, ensure(req), req.params.id!))),
  );
  r.post('/v2.0/qos/policies', (req) => {
    const a = ensure(req);
    adminOnly(a, 'create_policy');
    const body = envelope(req, 'policy');
    return { status: 201, body: { policy: render(createQosPolicy(state, ownerFor(a, body), body)) } };
  });
  r.delete('/v2.0/qos/policies/{id}', (req) => {
    const a = ensure(req);
    const p = policyOf(state, a, req.params.id!);
    adminOnly(a, 'delete_policy');
    const bound = [
      ...state.networks.filter((x) => x.qos_policy_id === p.id).map((x) => `network ${String(x.id)}`),
      ...state.ports.filter((x) => x.qos_policy_id === p.id).map((x) => `port ${String(x.id)}`),
    ];
    if (bound.length > 0) throw nError(409, 'QosPolicyInUse', `QoS Policy ${String(p.id)} is used by ${bound[0]!}.`);
    state.qosPolicies.delete(String(p.id));
    return { status: 204 };
  });
  r.post('/v2.0/qos/policies/{id}/{rules}', (req) => {
    const a = ensure(req);
    const p = policyOf(state, a, req.params.id!);
    const type = req.params.rules!.replace(/_rules$/, '');
    adminOnly(a, `create_policy_${type}_rule`);
    const key = `${type}_rule`;
    const body = isObj(req.body) && isObj(req.body[key]) ? req.body[key] : undefined;
    if (!body) throw nError(400, 'HTTPBadRequest', 'Resource body required');
    const rule = addQosRule(state, p, type, body);
    const out = clone(rule);
    delete out.type;
    return { status: 201, body: { [key]: out } };
  });
}
