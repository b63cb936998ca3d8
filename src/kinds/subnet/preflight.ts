/**
 * The subnet's own preflight check: does a new subnet overlap an address range the target already has (an error when
 * that range is on an external network the target routes, a warning otherwise). Read-only.
 */
import * as subnets from '../../openstack/network/subnets/requests.js';
import { collect } from '../../openstack/pagination.js';
import { parseCidr } from '../../plan/ip.js';
import type { PlanResource } from '../../plan/types.js';
import type { TargetCheckContext, TargetIssue } from '../descriptor.js';

function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y || x.version !== y.version) return false;
  return x.first <= y.last && y.first <= x.last;
}

export async function checkSubnets(
  creates: readonly PlanResource[],
  { cloud, catalog, signal }: TargetCheckContext,
): Promise<TargetIssue[]> {
  const issues: TargetIssue[] = [];
  try {
    const existing = await collect(subnets.list(cloud.network, undefined, signal ? { signal } : {}));
    const externalNets = new Set((await catalog.networks()).filter((n) => n['router:external']).map((n) => n.id));
    for (const entry of creates) {
      const cidr = (entry.spec as { cidr: string }).cidr;
      for (const s of existing) {
        if (!overlaps(cidr, s.cidr)) continue;
        const routed = externalNets.has(s.network_id);
        issues.push({
          severity: routed ? 'error' : 'warning',
          code: 'PREFLIGHT_CIDR_OVERLAP',
          key: entry.key,
          message: `${entry.key}: ${cidr} overlaps ${s.cidr} (subnet ${s.name || s.id}${routed ? ' of an external network the target routes' : ''})`,
        });
      }
    }
  } catch (error) {
    issues.push({
      severity: 'warning',
      code: 'PREFLIGHT_SUBNETS_UNREADABLE',
      message: `cannot list target subnets: ${(error as Error).message}`,
    });
  }
  return issues;
}
