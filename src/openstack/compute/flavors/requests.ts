import { crud } from '../../resource.js';
import type { ServiceClient } from '../../service-client.js';
import type { Flavor, FlavorCreateOpts } from './types.js';

export const MAX_MICROVERSION = '2.61';

/** Nova `/flavors` (details). Members see public flavors and the private ones shared with their project. */
export const flavorsApi = crud<Flavor, FlavorCreateOpts, { description?: string }>({
  path: '/flavors',
  listPath: '/flavors/detail',
  one: 'flavor',
  many: 'flavors',
  pagination: 'links',
  microversion: { max: MAX_MICROVERSION },
});
export const { list, get, create, remove } = flavorsApi;

/** GET /flavors/{id}/os-extra_specs (before 2.61 the only way to see them). */
export async function extraSpecs(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<Record<string, string>> {
  const data = await sc.get<{ extra_specs: Record<string, string> }>(
    `/flavors/${encodeURIComponent(id)}/os-extra_specs`,
    signal ? { signal } : {},
  );
  return data.extra_specs;
}

export async function setExtraSpecs(
  sc: ServiceClient,
  id: string,
  specs: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  await sc.post(`/flavors/${encodeURIComponent(id)}/os-extra_specs`, { extra_specs: specs }, signal ? { signal } : {});
}
