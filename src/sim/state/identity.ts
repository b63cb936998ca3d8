import type { Obj } from '../core/json.js';
import { Table } from '../core/table.js';
import type { Prng } from '../core/prng.js';

export interface TokenRecord {
  id: string;
  userId: string;
  projectId: string | undefined;
  domainScopeId: string | undefined;
  roleIds: string[];
  methods: string[];
  issuedAt: number;
  expiresAt: number;
  appCredentialId: string | undefined;
}

/** Keystone's state for one cloud: domains, projects, users, roles, assignments, tokens. */
export class IdentityState {
  readonly domains = new Table();
  readonly projects = new Table();
  readonly users = new Table();
  readonly roles = new Table();
  readonly appCredentials = new Table();
  /** user_id -> password (kept apart from the user record so it is never rendered). */
  readonly passwords = new Map<string, string>();
  /** application credential id -> secret. */
  readonly appSecrets = new Map<string, string>();
  readonly assignments: { user_id: string; project_id: string; role_id: string }[] = [];
  readonly tokens = new Map<string, TokenRecord>();
  readonly #prng: Prng;

  constructor(prng: Prng) {
    this.#prng = prng;
    this.domains.put('default', {
      id: 'default',
      name: 'Default',
      enabled: true,
      description: 'The default domain',
      tags: [],
    });
    for (const name of ['admin', 'member', 'reader']) this.ensureRole(name);
  }

  newId(): string {
    return this.#prng.hex(32);
  }

  ensureRole(name: string): Obj {
    const found = this.roles.find((r) => r.name === name);
    if (found) return found;
    const id = this.newId();
    return this.roles.put(id, { id, name, domain_id: null, description: null, options: {} });
  }

  domainByNameOrId(ref: { id?: string; name?: string } | undefined): Obj | undefined {
    if (!ref) return this.domains.get('default');
    if (ref.id) return this.domains.get(ref.id);
    return this.domains.find((d) => d.name === ref.name);
  }

  projectByName(name: string, domainId: string): Obj | undefined {
    return this.projects.find((p) => p.name === name && p.domain_id === domainId);
  }

  userByName(name: string, domainId: string): Obj | undefined {
    return this.users.find((u) => u.name === name && u.domain_id === domainId);
  }

  /** Role ids the user holds on the project. */
  rolesOn(userId: string, projectId: string): string[] {
    return this.assignments.filter((a) => a.user_id === userId && a.project_id === projectId).map((a) => a.role_id);
  }

  /** Role names, with implied roles expanded (admin implies member implies reader, as Keystone's defaults). */
  roleNames(roleIds: string[]): string[] {
    const names = new Set(roleIds.map((id) => String(this.roles.get(id)?.name ?? '')).filter((n) => n));
    if (names.has('admin')) names.add('member');
    if (names.has('member')) names.add('reader');
    return [...names];
  }

  /** Removes one grant; false when there was none. */
  unassign(userId: string, projectId: string, roleId: string): boolean {
    const i = this.assignments.findIndex(
      (a) => a.user_id === userId && a.project_id === projectId && a.role_id === roleId,
    );
    if (i < 0) return false;
    this.assignments.splice(i, 1);
    return true;
  }

  /** Removes every grant on a project (the project was deleted). */
  unassignProject(projectId: string): void {
    for (let i = this.assignments.length - 1; i >= 0; i -= 1)
      if (this.assignments[i]!.project_id === projectId) this.assignments.splice(i, 1);
  }

  assign(userId: string, projectId: string, roleName: string): void {
    const role = this.ensureRole(roleName);
    const roleId = String(role.id);
    if (!this.assignments.some((a) => a.user_id === userId && a.project_id === projectId && a.role_id === roleId)) {
      this.assignments.push({ user_id: userId, project_id: projectId, role_id: roleId });
    }
  }
}
