/**
 * The operator steps of a campaign project: what a project member cannot do, made with admin credentials on the
 * target before anything is created. Create the target project when it does not exist, set its quotas (from the
 * source project's or from the campaign file), give the source project's users the same roles on it.
 *
 * Like the resources: a dry run first (`plan`, saved as operator.json and reviewed), then `apply` of what was
 * reviewed, every call journaled in operator.jsonl before it is made (intent) and after (result), and `rollback`
 * from that journal: grants revoked, quotas restored (reset when Bascule created the project), the project deleted
 * only when Bascule created it and it still carries Bascule's tag. Users missing on the target are reported, never
 * created; a role missing on the target blocks the project with a hint.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import * as blockQuotas from '../openstack/block-storage/quotas/requests.js';
import type { Cloud } from '../openstack/cloud.js';
import * as computeQuotas from '../openstack/compute/quotas/requests.js';
import { isNotFound } from '../openstack/errors.js';
import * as domains from '../openstack/identity/domains.js';
import * as projects from '../openstack/identity/projects.js';
import * as roles from '../openstack/identity/roles.js';
import * as users from '../openstack/identity/users.js';
import { loadCloudConfig } from '../openstack/index.js';
import * as networkQuotas from '../openstack/network/quotas/requests.js';
import type { ServiceClient } from '../openstack/service-client.js';
import { atomicWriteFile } from '../shared/fs.js';
import type { CampaignEnv } from './pipeline.js';
import type { CampaignProject, OperatorSettings } from './types.js';

export const OPERATOR_FORMAT = 'bascule.operator/v1';
/** The tag Bascule puts on a project it creates: rollback deletes a project only when it still carries it. */
export const CREATED_TAG = 'bascule-created';

export type QuotaService = 'compute' | 'network' | 'block-storage';
const QUOTA_SERVICES: readonly QuotaService[] = ['compute', 'network', 'block-storage'];
/** Block-storage limits per volume type (`volumes_<type>`...): type names differ between clouds, not copied. */
const PER_VOLUME_TYPE = /^(volumes|gigabytes|snapshots)_./;

export interface OperatorPlan {
  format: typeof OPERATOR_FORMAT;
  /** Over everything below but `created_at`: the gate compares it. */
  digest: string;
  created_at: string;
  ok: boolean;
  project: {
    action: 'create' | 'exists' | 'missing';
    name: string;
    domain: string;
    domain_id?: string;
    id?: string;
    description?: string;
    tags?: string[];
  };
  /** Limits to set (only those that differ from the target's). */
  quotas: { service: QuotaService; resource: string; from: number | null; to: number; origin: 'source' | 'file' }[];
  /** Source limits that are not set, and why. */
  quotas_skipped: { service: QuotaService; resource: string; reason: string }[];
  grants: {
    user: string;
    user_domain: string;
    user_id: string;
    role: string;
    role_id: string;
    action: 'grant' | 'exists';
    why: 'source' | 'campaign identity';
  }[];
  missing_users: { user: string; domain: string; roles: string[] }[];
  missing_roles: { role: string; source_role: string; users: string[]; hint: string }[];
  /** Source assignments that are not users' (groups), named, not copied. */
  not_copied: string[];
  /** Why the dry run cannot be applied (empty when ok). */
  problems: string[];
}

type JournalLine =
  | { op: 'project.create'; name: string; domain_id: string; at: string }
  | { op: 'project.created'; id: string; at: string }
  | { op: 'quotas.set'; service: QuotaService; project_id: string; before: Record<string, number> | null; at: string }
  | { op: 'quotas.done'; service: QuotaService; at: string }
  | { op: 'role.grant'; project_id: string; user_id: string; role_id: string; user: string; role: string; at: string }
  | { op: 'role.granted'; project_id: string; user_id: string; role_id: string; at: string };

export interface OperatorRollback {
  ok: boolean;
  revoked: number;
  quotasRestored: number;
  projectDeleted: boolean;
  /** What was kept, and why (a project Bascule did not create, or that lost its tag). */
  kept: string[];
  errors: string[];
}

const now = () => new Date().toISOString();
const numeric = (q: Record<string, unknown>): Record<string, number> =>
  Object.fromEntries(Object.entries(q).filter(([k, v]) => k !== 'id' && typeof v === 'number')) as Record<
    string,
    number
  >;

function digestOf(plan: Omit<OperatorPlan, 'digest' | 'created_at'>): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

/** One line per step of an operator dry run, for the terminal and the project's log. */
export function describeOperatorPlan(plan: OperatorPlan): string[] {
  const out: string[] = [];
  const p = plan.project;
  if (p.action === 'create')
    out.push(`would create project ${p.domain}/${p.name}${p.tags?.length ? ` (tags ${p.tags.join(', ')})` : ''}`);
  else if (p.action === 'missing') out.push(`project ${p.domain}/${p.name} does not exist on the target`);
  for (const q of plan.quotas)
    out.push(`would set quota ${q.service} ${q.resource}: ${q.from ?? 'default'} -> ${q.to} (from the ${q.origin})`);
  for (const s of plan.quotas_skipped) out.push(`quota ${s.service} ${s.resource} not set: ${s.reason}`);
  for (const g of plan.grants)
    if (g.action === 'grant') out.push(`would give ${g.user_domain}/${g.user} role ${g.role} (${g.why})`);
  for (const u of plan.missing_users)
    out.push(
      `user ${u.domain}/${u.user} not found on the target: roles ${u.roles.join(', ')} not given (never created)`,
    );
  for (const r of plan.missing_roles) out.push(`role ${r.role} missing on the target: ${r.hint}`);
  for (const n of plan.not_copied) out.push(`not copied: ${n}`);
  return out;
}

/**
 * Where a project's operator journal lives: operator.jsonl beside operator.json (the default), or rows of the
 * campaign database when workers run the campaign (each append fenced by the job's lease).
 */
export interface OperatorJournal {
  /** Every line, in write order (a torn line left out). */
  read(): Promise<string>;
  /** Appends a line, durable before it resolves. */
  append(line: string): Promise<void>;
  /** Whether an apply started (anything was journaled). */
  started(): Promise<boolean>;
  /** Keeps the journal aside after a rollback, under `name`, so that a new run starts afresh. */
  keepAside(name: string): Promise<void>;
}

function fileOperatorJournal(path: string, dir: string): OperatorJournal {
  return {
    read: () => readFile(path, 'utf8').catch(() => ''),
    append: (line) => appendFile(path, line, { mode: 0o600 }),
    started: async () => existsSync(path),
    keepAside: (name) => rename(path, join(dir, name)),
  };
}

export class OperatorSteps {
  readonly #project: CampaignProject;
  readonly #settings: OperatorSettings;
  readonly #env: CampaignEnv;
  readonly #dir: string;
  readonly #source: () => Promise<Cloud>;
  readonly #open: (cloud: string, region: string | undefined) => Promise<Cloud>;
  readonly #journalStore: OperatorJournal;
  #admin: Cloud | undefined;
  #sourceAdmin: Cloud | undefined;

  constructor(
    project: CampaignProject,
    env: CampaignEnv,
    dir: string,
    clouds: { source: () => Promise<Cloud>; open: (cloud: string, region: string | undefined) => Promise<Cloud> },
    journal?: OperatorJournal,
  ) {
    this.#project = project;
    this.#settings = project.operator!;
    this.#env = env;
    this.#dir = dir;
    this.#source = clouds.source;
    this.#open = clouds.open;
    this.#journalStore = journal ?? fileOperatorJournal(join(dir, 'operator.jsonl'), dir);
  }

  get planFile(): string {
    return join(this.#dir, 'operator.json');
  }

  get journalFile(): string {
    return join(this.#dir, 'operator.jsonl');
  }

  /** Whether an apply started (its journal exists): a resume continues it instead of comparing dry runs. */
  started(): Promise<boolean> {
    return this.#journalStore.started();
  }

  async #targetAdmin(): Promise<Cloud> {
    this.#admin ??= await this.#open(this.#settings.cloud, this.#project.target.region);
    return this.#admin;
  }

  async #sourceAdminCloud(): Promise<Cloud> {
    this.#sourceAdmin ??= await this.#open(this.#settings.sourceCloud!, this.#project.source.region);
    return this.#sourceAdmin;
  }

  async close(): Promise<void> {
    await this.#admin?.close();
    await this.#sourceAdmin?.close();
    this.#admin = undefined;
    this.#sourceAdmin = undefined;
  }

  get #signal(): AbortSignal {
    return this.#env.signal;
  }

  async #domainId(identity: ServiceClient, name: string, cache: Map<string, string | undefined>) {
    if (!cache.has(name)) cache.set(name, (await domains.list(identity, { name }, this.#signal))[0]?.id);
    return cache.get(name);
  }

  /** The dry run of the operator steps (no call changes anything); saved to operator.json. */
  async plan(): Promise<OperatorPlan> {
    const s = this.#settings;
    const target = this.#project.target;
    const admin = await this.#targetAdmin();
    const source = await this.#source();
    const problems: string[] = [];
    const domainIds = new Map<string, string | undefined>();

    // The project.
    const domain = s.createProject?.domain ?? target.projectDomain ?? 'Default';
    const domainId = await this.#domainId(admin.identity, domain, domainIds);
    let project: OperatorPlan['project'];
    if (target.projectId !== undefined) {
      const found = await projects.get(admin.identity, target.projectId, this.#signal).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      project = found
        ? { action: 'exists', name: found.name, domain, domain_id: found.domain_id, id: found.id }
        : { action: 'missing', name: target.projectId, domain };
    } else if (domainId === undefined) {
      project = { action: 'missing', name: target.project!, domain };
      problems.push(`domain ${domain} does not exist on the target (operator.create_project.domain)`);
    } else {
      const found = (
        await projects.list(admin.identity, { name: target.project!, domain_id: domainId }, this.#signal)
      )[0];
      if (found) project = { action: 'exists', name: found.name, domain, domain_id: domainId, id: found.id };
      else if (s.createProject) {
        const from = await projects.get(source.identity, source.projectId, this.#signal).catch(() => undefined);
        const tags = [...(s.createProject.tags ?? from?.tags ?? [])].filter((t) => t !== CREATED_TAG);
        project = {
          action: 'create',
          name: target.project!,
          domain,
          domain_id: domainId,
          description: s.createProject.description ?? from?.description ?? '',
          tags: [...tags, CREATED_TAG],
        };
      } else project = { action: 'missing', name: target.project!, domain, domain_id: domainId };
    }
    if (project.action === 'missing' && domainId !== undefined)
      problems.push(
        `target project ${domain}/${project.name} does not exist; add operator.create_project to create it`,
      );

    // Quotas.
    const quotas: OperatorPlan['quotas'] = [];
    const skipped: OperatorPlan['quotas_skipped'] = [];
    if (s.quotas) {
      const fromFile: Record<QuotaService, Record<string, number> | undefined> = {
        compute: s.quotas.compute,
        network: s.quotas.network,
        'block-storage': s.quotas.blockStorage,
      };
      for (const service of QUOTA_SERVICES) {
        const wanted: Record<string, { to: number; origin: 'source' | 'file' }> = {};
        if (s.quotas.fromSource) {
          const read = await this.#quota(source, service, source.projectId);
          for (const [k, v] of Object.entries(read)) {
            if (service === 'block-storage' && PER_VOLUME_TYPE.test(k))
              skipped.push({
                service,
                resource: k,
                reason: 'a per-volume-type limit (type names differ between clouds)',
              });
            else wanted[k] = { to: v, origin: 'source' };
          }
        }
        for (const [k, v] of Object.entries(fromFile[service] ?? {})) wanted[k] = { to: v, origin: 'file' };
        if (Object.keys(wanted).length === 0) continue;
        const current =
          project.id !== undefined
            ? await this.#quota(admin, service, project.id)
            : await this.#quotaDefaults(admin, service, admin.projectId);
        for (const [resource, w] of Object.entries(wanted)) {
          if (!(resource in current)) {
            skipped.push({ service, resource, reason: 'the target has no such limit' });
            continue;
          }
          const from = current[resource]!;
          if (from !== w.to)
            quotas.push({
              service,
              resource,
              from: project.id !== undefined ? from : null,
              to: w.to,
              origin: w.origin,
            });
        }
      }
    }

    // Roles.
    const grants: OperatorPlan['grants'] = [];
    const missingUsers = new Map<string, OperatorPlan['missing_users'][number]>();
    const missingRoles = new Map<string, OperatorPlan['missing_roles'][number]>();
    const notCopied: string[] = [];
    const targetRoles = new Map<string, string>();
    for (const r of await roles.list(admin.identity, {}, this.#signal)) if (!r.domain_id) targetRoles.set(r.name, r.id);
    const existing = new Set(
      project.id === undefined
        ? []
        : (await roles.assignmentsOnProject(admin.identity, project.id, this.#signal)).map(
            (a) => `${a.user?.id ?? ''}|${a.role.id}`,
          ),
    );
    const userIds = new Map<string, string | undefined>();
    const want = async (
      user: string,
      srcDomain: string,
      sourceRole: string,
      why: OperatorPlan['grants'][number]['why'],
    ) => {
      const userDomain = s.roles?.userDomains[srcDomain] ?? srcDomain;
      const role = s.roles?.roleNames[sourceRole] ?? sourceRole;
      const roleId = targetRoles.get(role);
      const userDomainId = await this.#domainId(admin.identity, userDomain, domainIds);
      const key = `${userDomain}/${user}`;
      if (!userIds.has(key))
        userIds.set(
          key,
          userDomainId === undefined
            ? undefined
            : (await users.list(admin.identity, { name: user, domain_id: userDomainId }, this.#signal))[0]?.id,
        );
      const userId = userIds.get(key);
      if (userId === undefined) {
        const m = missingUsers.get(key) ?? { user, domain: userDomain, roles: [] };
        m.roles.push(role);
        missingUsers.set(key, m);
        return;
      }
      if (roleId === undefined) {
        const m = missingRoles.get(role) ?? {
          role,
          source_role: sourceRole,
          users: [],
          hint: `create it on the target (openstack role create ${role}) or map it: operator.roles.role_names: { ${sourceRole}: <a target role> }`,
        };
        m.users.push(key);
        missingRoles.set(role, m);
        return;
      }
      if (grants.some((g) => g.user_id === userId && g.role_id === roleId)) return;
      grants.push({
        user,
        user_domain: userDomain,
        user_id: userId,
        role,
        role_id: roleId,
        action: existing.has(`${userId}|${roleId}`) ? 'exists' : 'grant',
        why,
      });
    };
    if (s.roles) {
      const srcAdmin = await this.#sourceAdminCloud();
      const srcDomainNames = new Map<string, string>();
      for (const d of await domains.list(srcAdmin.identity, {}, this.#signal)) srcDomainNames.set(d.id, d.name);
      const assignments = await roles.assignmentsOnProject(srcAdmin.identity, source.projectId, this.#signal);
      for (const a of assignments) {
        if (!a.user) {
          notCopied.push(`a group's role ${a.role.name ?? a.role.id} (group ${a.group?.id ?? '?'})`);
          continue;
        }
        const domainName = a.user.domain?.name ?? srcDomainNames.get(a.user.domain?.id ?? '') ?? 'Default';
        await want(a.user.name ?? a.user.id, domainName, a.role.name ?? a.role.id, 'source');
      }
    }
    if (project.action === 'create') {
      // The campaign's own identity on the target must be able to scope to the new project.
      const config = await loadCloudConfig(target.cloud, { files: this.#env.cloudsFiles });
      const auth = config.auth as { username?: string; userDomainName?: string };
      if (auth.username !== undefined)
        await want(auth.username, auth.userDomainName ?? 'Default', 'member', 'campaign identity');
      else problems.push(`cloud ${target.cloud} names its user by ID: give it a role on the new project by hand`);
    }
    for (const r of missingRoles.values())
      problems.push(`role ${r.role} does not exist on the target (for ${r.users.join(', ')}): ${r.hint}`);

    const body: Omit<OperatorPlan, 'digest' | 'created_at'> = {
      format: OPERATOR_FORMAT,
      ok: problems.length === 0,
      project,
      quotas,
      quotas_skipped: skipped,
      grants,
      missing_users: [...missingUsers.values()],
      missing_roles: [...missingRoles.values()],
      not_copied: notCopied,
      problems,
    };
    const plan: OperatorPlan = { ...body, digest: digestOf(body), created_at: now() };
    await atomicWriteFile(this.planFile, `${JSON.stringify(plan, null, 2)}\n`);
    return plan;
  }

  async #quota(cloud: Cloud, service: QuotaService, projectId: string): Promise<Record<string, number>> {
    if (service === 'compute') return numeric(await computeQuotas.get(cloud.compute, projectId, this.#signal));
    if (service === 'network') return numeric(await networkQuotas.get(cloud.network, projectId, this.#signal));
    return numeric(await blockQuotas.get(cloud.blockStorage, projectId, false, this.#signal));
  }

  async #quotaDefaults(cloud: Cloud, service: QuotaService, projectId: string): Promise<Record<string, number>> {
    if (service === 'compute') return numeric(await computeQuotas.defaults(cloud.compute, projectId, this.#signal));
    if (service === 'network') return numeric(await networkQuotas.defaults(cloud.network, projectId, this.#signal));
    return numeric(await blockQuotas.defaults(cloud.blockStorage, projectId, this.#signal));
  }

  async #journal(line: JournalLine): Promise<void> {
    await this.#journalStore.append(`${JSON.stringify(line)}\n`);
  }

  async #lines(): Promise<JournalLine[]> {
    const text = await this.#journalStore.read();
    const out: JournalLine[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as JournalLine);
      } catch {
        // A line torn by a kill: its call is made again (every step is idempotent or looked up first).
      }
    }
    return out;
  }

  /**
   * Makes the reviewed operator steps, journaled. A resume (the journal exists) continues: a project whose creation
   * was started is looked up by name and taken over only when it carries Bascule's tag.
   */
  async apply(plan: OperatorPlan): Promise<{ projectId: string; createdProject: boolean }> {
    const admin = await this.#targetAdmin();
    const identity = admin.identity;
    const lines = await this.#lines();
    let projectId = plan.project.id;
    let createdProject = lines.some((l) => l.op === 'project.created');
    if (plan.project.action === 'create') {
      const created = lines.find((l) => l.op === 'project.created');
      if (created) projectId = created.id;
      else {
        const domainId = plan.project.domain_id!;
        if (lines.some((l) => l.op === 'project.create')) {
          const found = (
            await projects.list(identity, { name: plan.project.name, domain_id: domainId }, this.#signal)
          )[0];
          if (found && (found.tags ?? []).includes(CREATED_TAG)) projectId = found.id;
        }
        if (projectId === undefined) {
          await this.#journal({ op: 'project.create', name: plan.project.name, domain_id: domainId, at: now() });
          const p = await projects.create(
            identity,
            {
              name: plan.project.name,
              domain_id: domainId,
              description: plan.project.description ?? '',
              enabled: true,
              tags: plan.project.tags ?? [CREATED_TAG],
            },
            this.#signal,
          );
          projectId = p.id;
        }
        await this.#journal({ op: 'project.created', id: projectId, at: now() });
        createdProject = true;
      }
    }
    if (projectId === undefined)
      throw new Error(`target project ${plan.project.domain}/${plan.project.name} does not exist`);
    const pid = projectId;

    for (const service of QUOTA_SERVICES) {
      const values = Object.fromEntries(
        plan.quotas.filter((q) => q.service === service).map((q) => [q.resource, q.to]),
      );
      if (Object.keys(values).length === 0) continue;
      if (!lines.some((l) => l.op === 'quotas.set' && l.service === service)) {
        const before = createdProject ? null : await this.#quota(admin, service, pid);
        const kept = before && Object.fromEntries(Object.keys(values).map((k) => [k, before[k]!]));
        await this.#journal({ op: 'quotas.set', service, project_id: pid, before: kept, at: now() });
      }
      if (service === 'compute') await computeQuotas.update(admin.compute, pid, values, this.#signal);
      else if (service === 'network') await networkQuotas.update(admin.network, pid, values, this.#signal);
      else await blockQuotas.update(admin.blockStorage, pid, values, this.#signal);
      await this.#journal({ op: 'quotas.done', service, at: now() });
    }

    for (const g of plan.grants) {
      if (g.action !== 'grant') continue;
      const grantee = { projectId: pid, userId: g.user_id, roleId: g.role_id };
      await this.#journal({
        op: 'role.grant',
        project_id: pid,
        user_id: g.user_id,
        role_id: g.role_id,
        user: `${g.user_domain}/${g.user}`,
        role: g.role,
        at: now(),
      });
      await roles.grant(identity, grantee, this.#signal);
      await this.#journal({ op: 'role.granted', project_id: pid, user_id: g.user_id, role_id: g.role_id, at: now() });
    }
    return { projectId: pid, createdProject };
  }

  /**
   * Undoes what the journal records, newest first: grants revoked, quotas restored (or reset to the defaults on a
   * project Bascule created), the project deleted when Bascule created it and it still carries Bascule's tag. The
   * journal is then kept aside (operator.rolled-back-<time>.jsonl), so a new run starts afresh.
   */
  async rollback(): Promise<OperatorRollback> {
    const out: OperatorRollback = {
      ok: true,
      revoked: 0,
      quotasRestored: 0,
      projectDeleted: false,
      kept: [],
      errors: [],
    };
    if (!(await this.started())) return out;
    const lines = await this.#lines();
    const admin = await this.#targetAdmin();
    const created = lines.find((l) => l.op === 'project.created');
    const attempt = async (what: string, call: () => Promise<void>) => {
      try {
        await call();
        return true;
      } catch (error) {
        if (isNotFound(error)) return true;
        out.ok = false;
        out.errors.push(`${what}: ${(error as Error).message}`);
        return false;
      }
    };
    for (const l of [...lines].reverse()) {
      if (l.op !== 'role.grant') continue;
      if (
        await attempt(`revoke ${l.role} from ${l.user}`, () =>
          roles.revoke(admin.identity, { projectId: l.project_id, userId: l.user_id, roleId: l.role_id }, this.#signal),
        )
      )
        out.revoked += 1;
    }
    for (const l of [...lines].reverse()) {
      if (l.op !== 'quotas.set') continue;
      const restore = async () => {
        if (l.before === null) {
          if (l.service === 'compute') await computeQuotas.reset(admin.compute, l.project_id, this.#signal);
          else if (l.service === 'network') await networkQuotas.reset(admin.network, l.project_id, this.#signal);
          else await blockQuotas.reset(admin.blockStorage, l.project_id, this.#signal);
        } else if (l.service === 'compute')
          await computeQuotas.update(admin.compute, l.project_id, l.before, this.#signal);
        else if (l.service === 'network')
          await networkQuotas.update(admin.network, l.project_id, l.before, this.#signal);
        else await blockQuotas.update(admin.blockStorage, l.project_id, l.before, this.#signal);
      };
      if (await attempt(`restore the ${l.service} quotas`, restore)) out.quotasRestored += 1;
    }
    if (created && out.ok) {
      const project = await projects.get(admin.identity, created.id, this.#signal).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      if (project === undefined) out.projectDeleted = true;
      else if (!(project.tags ?? []).includes(CREATED_TAG))
        out.kept.push(`project ${project.name} (${project.id}) no longer carries the tag ${CREATED_TAG}: not deleted`);
      else if (
        await attempt(`delete project ${project.name}`, () => projects.remove(admin.identity, project.id, this.#signal))
      )
        out.projectDeleted = true;
    }
    if (out.ok) await this.#journalStore.keepAside(`operator.rolled-back-${now().replace(/[:.]/g, '-')}.jsonl`);
    return out;
  }
}
