/**
 * What the project owns that Bascule does not move yet: Neutron LBaaS v2 load balancers (without Octavia),
 * stacks, volume backups, secrets, RBAC shares, firewall groups, VPN services.
 * Export never drops these silently: each one found is a warning kept in the plan (and repeated by the dry run; `--strict` makes
 * them an error). A service is probed only when the cloud has it (catalog entry, Neutron extension); a probe the
 * cloud refuses (403, 404, an error) is a "could not check" warning, never a failed export. Read-only.
 */
import { SERVICE, type ServiceName } from '../openstack/auth/catalog.js';
import type { Cloud } from '../openstack/cloud.js';
import { isHttpError } from '../openstack/errors.js';
import { AbortedError } from '../shared/errors.js';
import type { PlanWarning } from '../plan/types.js';

/** The code of a resource Bascule does not move, and of a service it could not check. */
export const UNSUPPORTED = 'UNSUPPORTED_RESOURCE';
export const UNCHECKED = 'UNSUPPORTED_NOT_CHECKED';
/** The warnings `--strict` (export and apply) turns into an error. */
export const STRICT_CODES: ReadonlySet<string> = new Set([UNSUPPORTED, UNCHECKED]);

interface Probe {
  /** The resource type named in the warning (`load_balancer`). */
  kind: string;
  /** What a person calls it. */
  label: string;
  service: ServiceName;
  /** Probed only when the cloud has this: a catalog service type, or a Neutron extension alias. */
  when: { catalog: string } | { extension: string } | { always: true };
  /** Not probed when the cloud has this catalog service type (which then moves these objects). */
  unlessCatalog?: string;
  path: string;
  query?: Record<string, string>;
  /** The list in the answer. */
  list(body: unknown): Record<string, unknown>[];
  /** Whether the item is the project's (some lists show what others share with it). */
  owned?(item: Record<string, unknown>, projectId: string): boolean;
  name(item: Record<string, unknown>): string;
}

const field = (key: string) => (body: unknown) => {
  const value = (body as Record<string, unknown> | null)?.[key];
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
};
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const nameOrId = (item: Record<string, unknown>) => text(item.name) || text(item.id);
const ownedBy = (item: Record<string, unknown>, projectId: string) =>
  (item.project_id ?? item.tenant_id ?? projectId) === projectId;

/** A Neutron resource of an API extension, listed by project, named by name or ID. */
const neutronProbe = (kind: string, label: string, extension: string, path: string, collection: string): Probe => ({
  kind,
  label,
  service: SERVICE.network,
  when: { extension },
  path,
  query: { project_id: '{project}' },
  list: field(collection),
  owned: ownedBy,
  name: nameOrId,
});

const PROBES: readonly Probe[] = [
  // Load balancers are moved through Octavia (the load-balancer kinds). A cloud whose load balancers are Neutron's
  // LBaaS v2 alone (no load-balancer endpoint: neutron-lbaas with the HAProxy driver, before Octavia) is probed
  // here: its objects have the same shapes under /v2.0/lbaas, but Bascule reads them from Octavia only.
  {
    ...neutronProbe(
      'lbaas_v2',
      'load balancers (Neutron LBaaS v2, no Octavia endpoint)',
      'lbaasv2',
      '/lbaas/loadbalancers',
      'loadbalancers',
    ),
    unlessCatalog: 'load-balancer',
  },
  neutronProbe('firewall_group', 'firewall groups (FWaaS)', 'fwaas_v2', '/fwaas/firewall_groups', 'firewall_groups'),
  neutronProbe('vpn_service', 'VPN services (VPNaaS)', 'vpnaas', '/vpn/vpnservices', 'vpnservices'),
  {
    kind: 'rbac_policy',
    label: 'RBAC shares',
    service: SERVICE.network,
    when: { extension: 'rbac-policies' },
    path: '/rbac-policies',
    query: { project_id: '{project}' },
    list: field('rbac_policies'),
    // The project's own shares with others (a policy targeting the project itself is what Neutron makes for it).
    owned: (item, projectId) => ownedBy(item, projectId) && item.target_tenant !== projectId,
    name: (item) =>
      `${text(item.object_type)} ${text(item.object_id)} ${text(item.action)} to ${text(item.target_tenant) || '?'}`,
  },
  {
    kind: 'volume_backup',
    label: 'volume backups',
    service: 'block-storage',
    when: { always: true },
    path: '/backups',
    list: field('backups'),
    name: nameOrId,
  },
  {
    kind: 'stack',
    label: 'stacks (Heat)',
    service: 'orchestration',
    when: { catalog: 'orchestration' },
    path: '/stacks',
    list: field('stacks'),
    name: (item) => text(item.stack_name) || text(item.id),
  },
  {
    kind: 'secret',
    label: 'secrets (Barbican)',
    service: 'key-manager',
    when: { catalog: 'key-manager' },
    path: '/v1/secrets',
    list: field('secrets'),
    // Names only, never payloads (the list has none).
    name: (item) => text(item.name) || text(item.secret_ref).split('/').at(-1) || '?',
  },
];

/** A probe's failure as a "could not check" warning (an abort stays an abort). */
function notChecked(error: unknown, signal: AbortSignal, kind: string, label: string): PlanWarning {
  if (error instanceof AbortedError) throw error;
  if (signal.aborted) throw new AbortedError('export aborted', { cause: error });
  const why = isHttpError(error) ? `HTTP ${error.status}` : error instanceof Error ? error.message : String(error);
  return {
    code: UNCHECKED,
    kind,
    message: `could not check ${label} (${why}): if the project has some, Bascule does not move them`,
  };
}

function applies(probe: Probe, catalogTypes: ReadonlySet<string>, extensions: ReadonlySet<string>): boolean {
  if (probe.unlessCatalog !== undefined && catalogTypes.has(probe.unlessCatalog)) return false;
  if ('always' in probe.when) return true;
  if ('catalog' in probe.when) return catalogTypes.has(probe.when.catalog);
  return extensions.has(probe.when.extension);
}

/** Runs every probe that applies to this cloud; returns one warning per resource found, or per service not checked. */
export async function probeUnsupported(
  cloud: Cloud,
  options: { projectId: string; extensions: ReadonlySet<string>; signal: AbortSignal },
): Promise<PlanWarning[]> {
  const { projectId, signal } = options;
  let catalogTypes: Set<string>;
  try {
    catalogTypes = new Set((await cloud.token(signal)).catalog.map((e) => e.type));
  } catch (error) {
    if (signal.aborted) throw new AbortedError('export aborted', { cause: error });
    catalogTypes = new Set();
  }
  const out: PlanWarning[] = [];
  await Promise.all([
    ...PROBES.filter((p) => applies(p, catalogTypes, options.extensions)).map(async (probe) => {
      const query = Object.fromEntries(
        Object.entries(probe.query ?? {}).map(([k, v]) => [k, v === '{project}' ? projectId : v]),
      );
      let items: Record<string, unknown>[];
      try {
        const body = await cloud.client(probe.service).get(probe.path, { query, signal });
        items = probe.list(body).filter((item) => probe.owned?.(item, projectId) ?? true);
      } catch (error) {
        out.push(notChecked(error, signal, probe.kind, probe.label));
        return;
      }
      for (const item of items) {
        const name = probe.name(item);
        out.push({
          code: UNSUPPORTED,
          kind: probe.kind,
          resource: name,
          message: `${probe.kind.replaceAll('_', ' ')} ${name}: Bascule does not move ${probe.label} yet; it is not in the plan`,
        });
      }
    }),
  ]);
  return out;
}
