import { describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/openstack/cloud.js';
import { probeUnsupported } from '../../src/export/unsupported.js';

/**
 * Issue 17, "LBaaS v2 objects on old clouds": a Pike-era cloud whose load balancers are Neutron's LBaaS v2 alone (the
 * `lbaasv2` extension, no `load-balancer` endpoint) has them named as unsupported (`lbaas_v2`), never dropped
 * silently; with an Octavia endpoint (HOS 8 runs Octavia behind LBaaS v2) they move as load balancers, and the probe
 * is not run.
 */
function cloudWith(catalog: string[], loadBalancers: Record<string, unknown>[]): { cloud: Cloud; paths: string[] } {
  const paths: string[] = [];
  const cloud = {
    token: () => Promise.resolve({ catalog: catalog.map((type) => ({ type, endpoints: [] })) }),
    client: (service: string) => ({
      get: (path: string) => {
        paths.push(`${service} ${path}`);
        if (path === '/lbaas/loadbalancers') return Promise.resolve({ loadbalancers: loadBalancers });
        return Promise.resolve({});
      },
    }),
  } as unknown as Cloud;
  return { cloud, paths };
}

const PROJECT = 'p1';
const probe = (cloud: Cloud) =>
  probeUnsupported(cloud, {
    projectId: PROJECT,
    extensions: new Set(['lbaasv2']),
    signal: new AbortController().signal,
  });

describe('Neutron LBaaS v2 without Octavia', () => {
  it("names each of the project's LBaaS v2 load balancers as unsupported (lbaas_v2)", async () => {
    const { cloud } = cloudWith(
      ['identity', 'network', 'compute'],
      [
        { id: 'lb-1', name: 'web-lb', project_id: PROJECT },
        { id: 'lb-2', name: '', tenant_id: PROJECT },
        { id: 'lb-3', name: 'theirs', project_id: 'someone-else' },
      ],
    );
    const warnings = await probe(cloud);
    expect(warnings.filter((w) => w.kind === 'lbaas_v2')).toEqual([
      {
        code: 'UNSUPPORTED_RESOURCE',
        kind: 'lbaas_v2',
        resource: 'web-lb',
        message:
          'lbaas v2 web-lb: Bascule does not move load balancers (Neutron LBaaS v2, no Octavia endpoint) yet; it is not in the plan',
      },
      expect.objectContaining({ code: 'UNSUPPORTED_RESOURCE', kind: 'lbaas_v2', resource: 'lb-2' }),
    ]);
  });

  it('does not probe LBaaS v2 when the cloud has an Octavia endpoint (its load balancers move as such)', async () => {
    const { cloud, paths } = cloudWith(['identity', 'network', 'load-balancer'], [{ id: 'lb-1', project_id: PROJECT }]);
    const warnings = await probe(cloud);
    expect(warnings.filter((w) => w.kind === 'lbaas_v2')).toEqual([]);
    expect(paths.filter((p) => p.includes('lbaas'))).toEqual([]);
  });
});
