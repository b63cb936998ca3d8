import { BasculeError } from '../../shared/errors.js';
import type { Interface } from '../config/types.js';

export interface CatalogEndpoint {
  id?: string;
  interface: string;
  region?: string | null;
  region_id?: string | null;
  url: string;
}

export interface CatalogEntry {
  id?: string;
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** The service types each logical service is published under, in order of preference. */
export const SERVICE_TYPES = {
  identity: ['identity'],
  compute: ['compute'],
  network: ['network'],
  image: ['image'],
  // Cinder: v3 first; v2 is the fallback for old clouds (Pike publishes both, Xena removed v2).
  'block-storage': ['block-storage', 'volumev3', 'volumev2', 'volume'],
  placement: ['placement'],
  // Services Bascule does not move yet; export only checks whether the project uses them (src/export/unsupported.ts).
  'load-balancer': ['load-balancer'],
  dns: ['dns'],
  'object-store': ['object-store'],
  orchestration: ['orchestration'],
  'key-manager': ['key-manager'],
} as const;
export type ServiceName = keyof typeof SERVICE_TYPES;

/**
 * The names of the services Bascule moves objects with, as values. Service names, not plan kinds (though Neutron's
 * and Glance's are spelt like the network and image kinds).
 */
export const SERVICE = {
  compute: 'compute',
  network: 'network',
  image: 'image',
  blockStorage: 'block-storage',
  loadBalancer: 'load-balancer',
  dns: 'dns',
  objectStore: 'object-store',
} as const satisfies Record<string, ServiceName>;

export interface EndpointChoice {
  url: string;
  serviceType: string;
  region?: string;
}

/** Endpoint by service type, region and interface (keystoneauth's rules; no region given: the only region or the first). */
export function selectEndpoint(
  catalog: CatalogEntry[],
  service: ServiceName,
  iface: Interface,
  region?: string,
): EndpointChoice {
  const types: readonly string[] = SERVICE_TYPES[service];
  const regions = new Set<string>();
  for (const type of types) {
    for (const entry of catalog.filter((e) => e.type === type)) {
      const candidates = entry.endpoints.filter((ep) => ep.interface === iface || ep.interface === `${iface}URL`);
      for (const ep of candidates) regions.add(ep.region_id ?? ep.region ?? '');
      const match = candidates.find((ep) => region === undefined || ep.region_id === region || ep.region === region);
      if (match) {
        const choice: EndpointChoice = { url: match.url, serviceType: type };
        const r = match.region_id ?? match.region;
        if (r) choice.region = r;
        return choice;
      }
    }
  }
  const inRegion = region ? ` in region ${region}` : '';
  const known = regions.size > 0 ? `; regions with a ${iface} endpoint: ${[...regions].join(', ')}` : '';
  throw new BasculeError(
    'OS_NO_ENDPOINT',
    `no ${iface} endpoint for ${service} (${types.join(' or ')})${inRegion} in the catalog${known}`,
    {
      hint: 'check region_name and interface in clouds.yaml, or set <service>_endpoint_override',
    },
  );
}

/** Fills `%(project_id)s`, `$(project_id)s` and `{project_id}` templates. */
export function fillTemplate(url: string, projectId: string): string {
  return url.replace(
    /%\((project_id|tenant_id)\)s|\$\((project_id|tenant_id)\)s|\{(project_id|tenant_id)\}/g,
    projectId,
  );
}

/**
 * The versioned base URL for a service. Catalogs often omit the version suffix (Neutron `http://x:9696`,
 * Glance `http://x:9292`): it is added here. Cinder and Nova URLs keep whatever project path they carry.
 */
export function versionedBase(serviceType: string, url: string): { base: string; root: string; version: string } {
  const trimmed = url.replace(/\/+$/, '');
  const suffix: Record<string, string> = { network: 'v2.0', image: 'v2', identity: 'v3', dns: 'v2' };
  const match = /^(.*?)\/(v\d+(?:\.\d+)?)(\/.*)?$/.exec(trimmed);
  if (match?.[1] !== undefined && match[2]) {
    return { base: trimmed, root: match[1], version: match[2] };
  }
  const wanted = suffix[serviceType];
  if (wanted) return { base: `${trimmed}/${wanted}`, root: trimmed, version: wanted };
  if (serviceType === 'compute') return { base: `${trimmed}/v2.1`, root: trimmed, version: 'v2.1' };
  if (serviceType === 'volumev2') return { base: `${trimmed}/v2`, root: trimmed, version: 'v2' };
  if (serviceType === 'volumev3' || serviceType === 'block-storage' || serviceType === 'volume')
    return { base: `${trimmed}/v3`, root: trimmed, version: 'v3' };
  return { base: trimmed, root: trimmed, version: '' };
}

/**
 * The regions where the catalog has an endpoint (of this interface) for one of `services`, sorted: the regions a
 * project can hold resources in (`bascule export --all-regions`).
 */
export function catalogRegions(catalog: CatalogEntry[], services: readonly ServiceName[], iface: Interface): string[] {
  const types = new Set<string>(services.flatMap((s) => SERVICE_TYPES[s]));
  const regions = new Set<string>();
  for (const entry of catalog) {
    if (!types.has(entry.type)) continue;
    for (const ep of entry.endpoints) {
      const region = ep.region_id ?? ep.region;
      if (ep.interface === iface && region) regions.add(region);
    }
  }
  return [...regions].sort();
}
