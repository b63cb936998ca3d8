import type { ServiceClient } from '../service-client.js';

/** Fields every Neutron resource with standard attributes carries. */
export interface StandardAttrs {
  id: string;
  name?: string;
  description?: string;
  project_id?: string;
  tenant_id?: string;
  tags?: string[];
  created_at?: string;
  updated_at?: string;
  revision_number?: number;
}

/** Adds one tag (`standard-attr-tag` extension): PUT /v2.0/{collection}/{id}/tags/{tag}. */
export async function addTag(
  sc: ServiceClient,
  collection: string,
  id: string,
  tag: string,
  signal?: AbortSignal,
): Promise<void> {
  await sc.request('PUT', `/${collection}/${encodeURIComponent(id)}/tags/${encodeURIComponent(tag)}`, {
    okStatus: [201, 204],
    ...(signal ? { signal } : {}),
  });
}

/** Replaces all tags: PUT /v2.0/{collection}/{id}/tags. */
export async function replaceTags(
  sc: ServiceClient,
  collection: string,
  id: string,
  tags: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  await sc.request('PUT', `/${collection}/${encodeURIComponent(id)}/tags`, {
    json: { tags },
    okStatus: [200],
    ...(signal ? { signal } : {}),
  });
}
