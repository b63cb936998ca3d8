import { collect, paginate } from '../pagination.js';
import type { ServiceClient } from '../service-client.js';

export interface Project {
  id: string;
  name: string;
  domain_id: string;
  description?: string;
  enabled?: boolean;
  tags?: string[];
}

export interface ProjectCreateOpts {
  name: string;
  domain_id: string;
  description?: string;
  enabled?: boolean;
  tags?: string[];
}

const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

/** GET /v3/projects/{id}: a member may read the project the token is scoped to. */
export async function get(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<Project> {
  const data = await sc.get<{ project: Project }>(`/projects/${encodeURIComponent(id)}`, opts(signal));
  return data.project;
}

/** GET /v3/projects?name=&domain_id= (admin: identity:list_projects). Keystone does not paginate. */
export function list(
  sc: ServiceClient,
  filter: { name?: string; domain_id?: string } = {},
  signal?: AbortSignal,
): Promise<Project[]> {
  return collect(
    paginate<Project>(sc, '/projects', { key: 'projects', strategy: 'none', query: filter, ...opts(signal) }),
  );
}

/** POST /v3/projects (admin: identity:create_project); 409 when the name is taken in the domain. */
export async function create(sc: ServiceClient, body: ProjectCreateOpts, signal?: AbortSignal): Promise<Project> {
  const data = await sc.post<{ project: Project }>(
    '/projects',
    { project: body },
    { okStatus: [201], ...opts(signal) },
  );
  return data.project;
}

/** DELETE /v3/projects/{id} (admin: identity:delete_project). */
export async function remove(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await sc.delete(`/projects/${encodeURIComponent(id)}`, { okStatus: [204], ...opts(signal) });
}
