import type { ServiceClient } from '../service-client.js';

export interface Project {
  id: string;
  name: string;
  domain_id: string;
  description?: string;
  enabled?: boolean;
  tags?: string[];
}

/** GET /v3/projects/{id}: a member may read the project the token is scoped to. */
export async function get(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<Project> {
  const data = await sc.get<{ project: Project }>(`/projects/${encodeURIComponent(id)}`, signal ? { signal } : {});
  return data.project;
}
