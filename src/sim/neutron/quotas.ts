import { isObj, type Obj } from '../core/json.js';
import type { Table } from '../core/table.js';
import { authOf, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { nError } from './common.js';

const TABLES: Record<string, (s: RegionState) => Table> = {
  network: (s) => s.networks,
  subnet: (s) => s.subnets,
  port: (s) => s.ports,
  router: (s) => s.routers,
  floatingip: (s) => s.floatingips,
  security_group: (s) => s.securityGroups,
  security_group_rule: (s) => s.securityGroupRules,
};

export function networkQuotaRoutes(r: Router, state: RegionState): void {
  const project = (req: SimRequest): string => {
    const a = authOf(req);
    const pid = req.params.pid!;
    if (!a.isAdmin && pid !== a.projectId)
      throw nError(403, 'HTTPForbidden', 'Non-admin is not authorised to access quotas for another tenant');
    return pid;
  };
  r.get('/v2.0/quotas/{pid}', (req) => ({ status: 200, body: { quota: state.quotas.get(project(req), 'network') } }));
  r.get('/v2.0/quotas/{pid}/default', (req) => {
    project(req);
    return { status: 200, body: { quota: state.quotas.get('', 'network') } };
  });
  if (state.profile.neutron.extensions.includes('quota_details')) {
    r.get('/v2.0/quotas/{pid}/details', (req) => {
      const pid = project(req);
      const limits = state.quotas.get(pid, 'network');
      const out: Obj = {};
      for (const [k, limit] of Object.entries(limits)) {
        const table = TABLES[k]?.(state);
        out[k] = { limit, used: table ? table.countOfProject(pid) : 0, reserved: 0 };
      }
      return { status: 200, body: { quota: out } };
    });
  }
  r.put('/v2.0/quotas/{pid}', (req) => {
    if (!authOf(req).isAdmin) throw nError(403, 'HTTPForbidden', 'Only admin can update quotas');
    const body = isObj(req.body) && isObj(req.body.quota) ? req.body.quota : undefined;
    if (!body) throw nError(400, 'HTTPBadRequest', 'Resource body required');
    state.quotas.set(
      req.params.pid!,
      'network',
      Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Number(v)])),
    );
    return { status: 200, body: { quota: state.quotas.get(req.params.pid!, 'network') } };
  });
  r.delete('/v2.0/quotas/{pid}', (req) => {
    if (!authOf(req).isAdmin) throw nError(403, 'HTTPForbidden', 'Only admin can reset quotas');
    state.quotas.reset(req.params.pid!, 'network');
    return { status: 204 };
  });
}
