import { isObj, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import type { SimRequest } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { both, caller } from './common.js';
import { volumeOwner } from './store.js';

function usage(state: RegionState, pid: string): Record<string, number> {
  const vols = state.volumes.filter((v) => volumeOwner(v) === pid);
  const snaps = state.snapshots.filter((s) => s['os-extended-snapshot-attributes:project_id'] === pid);
  return {
    volumes: vols.length,
    gigabytes: vols.reduce((t, v) => t + Number(v.size), 0) + snaps.reduce((t, s) => t + Number(s.size), 0),
    snapshots: snaps.length,
    backups: 0,
    backup_gigabytes: 0,
    per_volume_gigabytes: 0,
    groups: 0,
  };
}

export function cinderMiscRoutes(r: Router, state: RegionState): void {
  const target = (req: SimRequest): string => {
    const a = caller(req);
    if (!a.isAdmin && req.params.pid !== a.projectId)
      throw new ApiError(403, "Policy doesn't allow volume_extension:quotas:show to be performed.");
    return req.params.pid!;
  };
  const quotaSet = (pid: string, withUsage: boolean): Obj => {
    const q = state.quotas.get(pid, 'volume');
    const u = usage(state, pid);
    const out: Obj = { id: pid };
    for (const [k, limit] of Object.entries(q))
      out[k] = withUsage ? { limit, in_use: u[k] ?? 0, reserved: 0, allocated: 0 } : limit;
    for (const t of state.volumeTypes.all()) {
      for (const base of ['volumes', 'gigabytes', 'snapshots'])
        out[`${base}_${String(t.name)}`] = withUsage ? { limit: -1, in_use: 0, reserved: 0, allocated: 0 } : -1;
    }
    return out;
  };
  both(r, state, 'GET', '/os-quota-sets/{pid}', (req) => ({
    status: 200,
    body: { quota_set: quotaSet(target(req), req.query.get('usage') === 'true') },
  }));
  both(r, state, 'GET', '/os-quota-sets/{pid}/defaults', (req) => ({
    status: 200,
    body: { quota_set: { ...quotaSet('', false), id: req.params.pid } },
  }));
  both(r, state, 'PUT', '/os-quota-sets/{pid}', (req) => {
    if (!caller(req).isAdmin)
      throw new ApiError(403, "Policy doesn't allow volume_extension:quotas:update to be performed.");
    const body = isObj(req.body) && isObj(req.body.quota_set) ? req.body.quota_set : {};
    state.quotas.set(
      req.params.pid!,
      'volume',
      Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Number(v)])),
    );
    const out = quotaSet(req.params.pid!, false);
    delete out.id;
    return { status: 200, body: { quota_set: out } };
  });
  both(r, state, 'DELETE', '/os-quota-sets/{pid}', (req) => {
    if (!caller(req).isAdmin)
      throw new ApiError(403, "Policy doesn't allow volume_extension:quotas:delete to be performed.");
    state.quotas.reset(req.params.pid!, 'volume');
    return { status: 200 };
  });
  both(r, state, 'GET', '/limits', (req) => {
    const a = caller(req);
    const pid = a.projectId ?? req.params.project_id!;
    const q = state.quotas.get(pid, 'volume');
    const u = usage(state, pid);
    return {
      status: 200,
      body: {
        limits: {
          rate: [],
          absolute: {
            maxTotalVolumes: q.volumes,
            maxTotalSnapshots: q.snapshots,
            maxTotalVolumeGigabytes: q.gigabytes,
            maxTotalBackups: q.backups,
            maxTotalBackupGigabytes: q.backup_gigabytes,
            totalVolumesUsed: u.volumes,
            totalGigabytesUsed: u.gigabytes,
            totalSnapshotsUsed: u.snapshots,
            totalBackupsUsed: 0,
            totalBackupGigabytesUsed: 0,
          },
        },
      },
    };
  });
  // Volume backups: the simulator makes none, but lists them as Cinder does (an empty list, not a 404).
  both(r, state, 'GET', '/backups', () => ({ status: 200, body: { backups: [] } }));
  both(r, state, 'GET', '/backups/detail', () => ({ status: 200, body: { backups: [] } }));
  both(r, state, 'GET', '/os-availability-zone', () => ({
    status: 200,
    body: { availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true } }] },
  }));
}
