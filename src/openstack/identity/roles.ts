import { collect, paginate } from '../pagination.js';
import type { ServiceClient } from '../service-client.js';

export interface Role {
  id: string;
  name: string;
  domain_id?: string | null;
}

/** One role of one user on one project, as GET /v3/role_assignments?include_names lists it. */
export interface RoleAssignment {
  role: { id: string; name?: string };
  user?: { id: string; name?: string; domain?: { id: string; name?: string } };
  group?: { id: string };
  scope: { project?: { id: string; name?: string }; domain?: { id: string }; system?: unknown };
}

const opts = (signal?: AbortSignal) => (signal ? { signal } : {});
const path = (projectId: string, userId: string, roleId: string) =>
  `/projects/${encodeURIComponent(projectId)}/users/${encodeURIComponent(userId)}/roles/${encodeURIComponent(roleId)}`;

/** GET /v3/roles?name= (admin: identity:list_roles). Global roles only (domain-specific roles are not matched). */
export function list(sc: ServiceClient, filter: { name?: string } = {}, signal?: AbortSignal): Promise<Role[]> {
  return collect(paginate<Role>(sc, '/roles', { key: 'roles', strategy: 'none', query: filter, ...opts(signal) }));
}

/** GET /v3/role_assignments?scope.project.id=&include_names (admin: identity:list_role_assignments). */
export function assignmentsOnProject(
  sc: ServiceClient,
  projectId: string,
  signal?: AbortSignal,
): Promise<RoleAssignment[]> {
  return collect(
    paginate<RoleAssignment>(sc, '/role_assignments', {
      key: 'role_assignments',
      strategy: 'none',
      query: { 'scope.project.id': projectId, include_names: true },
      ...opts(signal),
    }),
  );
}

/** PUT /v3/projects/{p}/users/{u}/roles/{r} (admin: identity:create_grant); idempotent. */
export async function grant(
  sc: ServiceClient,
  grantee: { projectId: string; userId: string; roleId: string },
  signal?: AbortSignal,
): Promise<void> {
  await sc.request('PUT', path(grantee.projectId, grantee.userId, grantee.roleId), {
    okStatus: [204],
    ...opts(signal),
  });
}

/** DELETE /v3/projects/{p}/users/{u}/roles/{r} (admin: identity:revoke_grant); 404 when there is no such grant. */
export async function revoke(
  sc: ServiceClient,
  grantee: { projectId: string; userId: string; roleId: string },
  signal?: AbortSignal,
): Promise<void> {
  await sc.delete(path(grantee.projectId, grantee.userId, grantee.roleId), { okStatus: [204], ...opts(signal) });
}
