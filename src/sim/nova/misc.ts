import { isObj, type Obj } from '../core/json.js';
import { authOf, type SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { mvAtLeast, policyError, requireAdmin } from './common.js';

function usage(state: RegionState, projectId: string): Record<string, number> {
  const servers = state.servers.filter((s) => s.tenant_id === projectId);
  return {
    instances: servers.length,
    cores: servers.reduce((t, s) => t + Number((s.flavor as Obj).vcpus), 0),
    ram: servers.reduce((t, s) => t + Number((s.flavor as Obj).ram), 0),
    key_pairs: 0,
    server_groups: state.serverGroups.filter((g) => g.project_id === projectId).length,
    server_group_members: 0,
    metadata_items: 0,
    injected_files: 0,
    injected_file_content_bytes: 0,
    injected_file_path_bytes: 0,
  };
}

function quotaSet(req: SimRequest, state: RegionState, projectId: string): Obj {
  const q = state.quotas.get(projectId, 'compute');
  if (mvAtLeast(req, '2.57')) {
    delete q.injected_files;
    delete q.injected_file_content_bytes;
    delete q.injected_file_path_bytes;
  }
  if (!mvAtLeast(req, '2.36'))
    Object.assign(q, { floating_ips: 10, fixed_ips: -1, security_groups: 10, security_group_rules: 20 });
  return q;
}

export function miscRoutes(r: Router, state: RegionState): void {
  r.get('/v2.1/os-availability-zone', () => ({
    status: 200,
    body: {
      availabilityZoneInfo: state.zones.map((zoneName) => ({ zoneName, zoneState: { available: true }, hosts: null })),
    },
  }));
  r.get('/v2.1/os-availability-zone/detail', (req) => {
    requireAdmin(req, 'os_compute_api:os-availability-zone:detail');
    const hostsIn = (zone: string): Obj =>
      Object.fromEntries(
        state.hosts
          .filter((h) => state.zoneOf(h) === zone)
          .map((h) => [h, { 'nova-compute': { available: true, active: true, updated_at: new Date().toISOString() } }]),
      );
    return {
      status: 200,
      body: {
        availabilityZoneInfo: [
          {
            zoneName: 'internal',
            zoneState: { available: true },
            hosts: {
              controller: {
                'nova-conductor': { available: true, active: true, updated_at: null },
                'nova-scheduler': { available: true, active: true, updated_at: null },
              },
            },
          },
          ...state.zones.map((zoneName) => ({ zoneName, zoneState: { available: true }, hosts: hostsIn(zoneName) })),
        ],
      },
    };
  });
  r.get('/v2.1/limits', (req) => {
    const a = authOf(req);
    const pid = (a.isAdmin ? req.query.get('tenant_id') : null) ?? a.projectId ?? '';
    const q = state.quotas.get(pid, 'compute');
    const u = usage(state, pid);
    const absolute: Obj = {
      maxTotalInstances: q.instances,
      maxTotalCores: q.cores,
      maxTotalRAMSize: q.ram,
      maxServerMeta: q.metadata_items,
      maxTotalKeypairs: q.key_pairs,
      maxServerGroups: q.server_groups,
      maxServerGroupMembers: q.server_group_members,
      totalInstancesUsed: u.instances,
      totalCoresUsed: u.cores,
      totalRAMUsed: u.ram,
      totalServerGroupsUsed: u.server_groups,
    };
    if (!mvAtLeast(req, '2.57')) Object.assign(absolute, { maxPersonality: 5, maxPersonalitySize: 10240 });
    if (!mvAtLeast(req, '2.36')) {
      Object.assign(absolute, {
        maxImageMeta: 128,
        maxSecurityGroups: 10,
        maxSecurityGroupRules: 20,
        maxTotalFloatingIps: 10,
        totalFloatingIpsUsed: 0,
        totalSecurityGroupsUsed: 0,
      });
    }
    return { status: 200, body: { limits: { rate: [], absolute } } };
  });
  const target = (req: SimRequest): string => {
    const a = authOf(req);
    if (!a.isAdmin && req.params.pid !== a.projectId) throw policyError('os_compute_api:os-quota-sets:show');
    return req.params.pid!;
  };
  r.get('/v2.1/os-quota-sets/{pid}', (req) => ({
    status: 200,
    body: { quota_set: { id: target(req), ...quotaSet(req, state, req.params.pid!) } },
  }));
  r.get('/v2.1/os-quota-sets/{pid}/defaults', (req) => ({
    status: 200,
    body: { quota_set: { id: req.params.pid, ...quotaSet(req, state, '') } },
  }));
  r.get('/v2.1/os-quota-sets/{pid}/detail', (req) => {
    const pid = target(req);
    const q = quotaSet(req, state, pid);
    const u = usage(state, pid);
    const detail = Object.fromEntries(
      Object.entries(q).map(([k, limit]) => [k, { limit, in_use: u[k] ?? 0, reserved: 0 }]),
    );
    return { status: 200, body: { quota_set: { id: pid, ...detail } } };
  });
  r.put('/v2.1/os-quota-sets/{pid}', (req) => {
    requireAdmin(req, 'os_compute_api:os-quota-sets:update');
    const body = isObj(req.body) && isObj(req.body.quota_set) ? req.body.quota_set : {};
    const values = Object.fromEntries(
      Object.entries(body)
        .filter(([k]) => k !== 'force')
        .map(([k, v]) => [k, Number(v)]),
    );
    state.quotas.set(req.params.pid!, 'compute', values);
    return { status: 200, body: { quota_set: quotaSet(req, state, req.params.pid!) } };
  });
  r.delete('/v2.1/os-quota-sets/{pid}', (req) => {
    requireAdmin(req, 'os_compute_api:os-quota-sets:delete');
    state.quotas.reset(req.params.pid!, 'compute');
    return { status: 202 };
  });
}
