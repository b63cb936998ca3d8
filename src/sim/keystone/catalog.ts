import type { Obj } from '../core/json.js';
import type { Profile } from '../profiles.js';

export interface RegionEndpoints {
  region: string;
  compute: string;
  network: string;
  image: string;
  volume: string;
  /** Octavia, when the profile has it. */
  loadBalancer?: string;
  /** Designate, unversioned as in real catalogs (`http://host:9001`). */
  dns: string;
  /** Swift's proxy, when the profile has it; the catalog names the project's account below `/v1`. */
  objectStore?: string;
}

/** The service catalog a token carries, as Keystone renders it. Ids are stable per cloud. */
export function buildCatalog(
  profile: Profile,
  keystoneUrl: string,
  regions: RegionEndpoints[],
  projectId: string | undefined,
): Obj[] {
  const endpoints = (id: string, url: (r: RegionEndpoints) => string, onlyFirst = false): Obj[] =>
    (onlyFirst ? regions.slice(0, 1) : regions).flatMap((r) =>
      ['public', 'internal', 'admin'].map((iface) => ({
        id: `${id}-${r.region}-${iface}`.toLowerCase(),
        interface: iface,
        region: r.region,
        region_id: r.region,
        url: url(r),
      })),
    );
  const pid = projectId ?? '%(project_id)s';
  const services: Obj[] = [
    {
      id: 'svc-identity',
      type: 'identity',
      name: 'keystone',
      endpoints: endpoints('ep-identity', () => `${keystoneUrl}/v3/`),
    },
    {
      id: 'svc-compute',
      type: 'compute',
      name: 'nova',
      endpoints: endpoints('ep-compute', (r) =>
        profile.nova.catalogWithProjectId ? `${r.compute}/v2.1/${pid}` : `${r.compute}/v2.1`,
      ),
    },
    { id: 'svc-network', type: 'network', name: 'neutron', endpoints: endpoints('ep-network', (r) => r.network) },
    { id: 'svc-image', type: 'image', name: 'glance', endpoints: endpoints('ep-image', (r) => r.image) },
    { id: 'svc-dns', type: 'dns', name: 'designate', endpoints: endpoints('ep-dns', (r) => r.dns) },
    {
      id: 'svc-volumev3',
      type: 'volumev3',
      name: 'cinderv3',
      endpoints: endpoints('ep-volumev3', (r) => `${r.volume}/v3/${pid}`),
    },
  ];
  if (profile.cinder.hasV2) {
    services.push({
      id: 'svc-volumev2',
      type: 'volumev2',
      name: 'cinderv2',
      endpoints: endpoints('ep-volumev2', (r) => `${r.volume}/v2/${pid}`),
    });
  } else {
    services.push({
      id: 'svc-block-storage',
      type: 'block-storage',
      name: 'cinder',
      endpoints: endpoints('ep-block-storage', (r) => `${r.volume}/v3/${pid}`),
    });
  }
  if (profile.octavia && regions.some((r) => r.loadBalancer)) {
    services.push({
      id: 'svc-load-balancer',
      type: 'load-balancer',
      name: 'octavia',
      endpoints: endpoints('ep-load-balancer', (r) => r.loadBalancer ?? ''),
    });
  }
  if (profile.swift && regions.some((r) => r.objectStore)) {
    // As Keystone fills the template: public and internal name the account, admin is the bare /v1.
    const account = (r: RegionEndpoints) => `${r.objectStore ?? ''}/v1/AUTH_${pid}`;
    services.push({
      id: 'svc-object-store',
      type: 'object-store',
      name: 'swift',
      endpoints: endpoints('ep-object-store', account).map((ep) =>
        ep.interface === 'admin' ? { ...ep, url: `${String(ep.url).replace(/\/AUTH_[^/]*$/, '')}` } : ep,
      ),
    });
  }
  return services;
}
