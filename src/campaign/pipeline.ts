/**
 * One project's pipeline: export (or a given plan) -> dry run, saved -> gate -> apply of exactly that saved dry run ->
 * audit. Each stage is a small idempotent step that starts from what the store and the project's files record, so a
 * campaign killed at any point resumes where each project was: an export or a dry run is made again, an apply
 * continues its journal (no duplicate), an audit is made again.
 */
import { existsSync } from 'node:fs';
import { auditPlans, journalFacts } from '../diff/audit.js';
import type { AuditReport } from '../diff/report.js';
import { isBlocking, isMutating } from '../engine/actions.js';
import { applyPlan } from '../engine/apply.js';
import type { EngineDeps } from '../engine/context.js';
import { ChangesInvalidError, readChanges } from '../engine/changes-file.js';
import { planChanges, type ChangeSet } from '../engine/dry-run.js';
import { planDigest } from '../engine/context.js';
import type { EngineEvent } from '../engine/events.js';
import { fileJournal, type JournalStore } from '../engine/journal.js';
import type { Resolution } from '../engine/resolve.js';
import { rollback, type RollbackResult } from '../engine/rollback.js';
import { exportProject } from '../export/export.js';
import type { WriteContext } from '../kinds/kind.js';
import { readerFor, writerFor } from '../kinds/registry.js';
import { bootsFromDiskCopy, createWorkload, parseServerDisk } from '../kinds/shared/workload.js';
import { markerFor } from '../kinds/markers.js';
import { applyMapping, loadMapping, type Mapping } from '../mapping/index.js';
import type { Cloud } from '../openstack/cloud.js';
import { connect, loadCloudConfig, scopeTo } from '../openstack/index.js';
import { readJsonText, readPlan, writePlan } from '../plan/io.js';
import type { Plan } from '../plan/types.js';
import { formatIssues, hasErrors } from '../plan/validate.js';
import { BasculeError } from '../shared/errors.js';
import { linkedSignal } from '../shared/async.js';
import { atomicWriteFile } from '../shared/fs.js';
import type { Logger } from '../shared/logger.js';
import { WorkloadMover, type TransferSlots, type WorkloadOptions } from '../transfer/index.js';
import type { WorkloadEvent } from '../transfer/workload.js';
import { OperatorSteps, type OperatorJournal } from './operator.js';
import type { CampaignStore, ProjectFiles } from './store.js';
import type { CampaignProject, CampaignSide, OperatorSettings, ProjectFailure, ProjectState } from './types.js';

export interface CampaignEnv {
  cloudsFiles: string[];
  logger: Logger;
  signal: AbortSignal;
  /** Other forms of a project's audit report (Markdown, HTML): the CLI's views render them. */
  renderAudit?: (report: AuditReport) => { ext: string; text: string }[];
  /** The campaign's global cap on concurrent data transfers. */
  slots?: TransferSlots;
  /**
   * Called right before each mutating cloud call of the project (both clouds), synchronously: a worker's check that
   * its job's lease is still surely its own (src/campaign/postgres/lease.ts, leaseGuard). What it throws fails the
   * call unsent.
   */
  beforeMutation?: () => void;
  /** Server disk and volume copies made beforehand by copy jobs (a campaign run by workers): used by the apply. */
  preparedCopies?: WorkloadOptions['prepared'];
  /** Resources done and bytes moved so far in a project (for live progress). */
  onProgress?: (projectId: string, progress: { resources: number; bytes: number; bytesTotal?: number }) => void;
}

/** A stage failed for a reason the report shows (a blocked dry run, a stale review, a failed apply). */
export class StageFailure extends Error {
  readonly failure: ProjectFailure;
  constructor(failure: ProjectFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

export function failureOf(stage: string, error: unknown): ProjectFailure {
  if (error instanceof StageFailure) return error.failure;
  if (error instanceof BasculeError) return { stage, code: error.code, message: error.message };
  const e = error as { code?: unknown; message?: unknown };
  return { stage, code: typeof e.code === 'string' ? e.code : 'ERROR', message: String(e.message ?? error) };
}

export async function openSide(env: CampaignEnv, side: CampaignSide, concurrency?: number): Promise<Cloud> {
  const config = scopeTo(await loadCloudConfig(side.cloud, { files: env.cloudsFiles }), {
    ...(side.project !== undefined ? { name: side.project } : {}),
    ...(side.projectId !== undefined ? { id: side.projectId } : {}),
    ...(side.projectDomain !== undefined ? { domain: side.projectDomain } : {}),
    ...(side.region !== undefined ? { region: side.region } : {}),
  });
  const limits = concurrency === undefined ? {} : { concurrency: { perService: concurrency, writes: concurrency } };
  return connect(config, {
    logger: env.logger,
    ...limits,
    ...(env.beforeMutation ? { beforeMutation: env.beforeMutation } : {}),
  });
}

export function describeSide(side: CampaignSide): string {
  return `${side.cloud}/${side.project ?? side.projectId}${side.region !== undefined ? ` (${side.region})` : ''}`;
}

async function engineDeps(
  env: CampaignEnv,
  target: Cloud,
  source: Cloud | undefined,
  concurrency: number,
  resolution: Resolution | undefined,
  onEvent: ((e: EngineEvent) => void) | undefined,
): Promise<EngineDeps> {
  const ctx: WriteContext = {
    cloud: target,
    projectId: target.projectId,
    signal: env.signal,
    logger: env.logger,
    extensions: await target.networkExtensions(env.signal).catch(() => new Set<string>()),
    ...(source ? { source: { cloud: source, projectId: source.projectId } } : {}),
  };
  const n = Math.max(1, concurrency);
  return {
    target: ctx,
    writerFor,
    readerFor,
    concurrency: n,
    serviceLimits: { compute: n, network: n, image: Math.max(1, Math.min(n, 4)), 'block-storage': n },
    ...(resolution ? { resolution } : {}),
    ...(onEvent ? { onEvent } : {}),
  };
}

/** The pipeline of one project, on connected clouds (opened on first use, closed by `close`). */
export class ProjectPipeline {
  readonly project: CampaignProject;
  readonly files: ProjectFiles;
  /** The project's apply journal: the file, or the store's own (rows of the campaign database). */
  readonly journal: JournalStore;
  readonly #env: CampaignEnv;
  /** This project's signal, linked to the campaign's (linkedSignal). */
  readonly #signal: AbortSignal;
  /** Ends the link of this project's signal to the campaign's (close). */
  readonly #unlink: () => void;
  #source: Cloud | undefined;
  #target: Cloud | undefined;
  #operator: OperatorSteps | undefined;
  #resources = 0;
  #bytes = 0;
  #bytesTotal: number | undefined;

  readonly #operatorJournal: OperatorJournal | undefined;

  constructor(project: CampaignProject, store: CampaignStore, env: CampaignEnv) {
    this.project = project;
    this.files = store.files(project.id);
    this.journal = store.journal?.(project.id) ?? fileJournal(this.files.journal);
    this.#operatorJournal = store.operatorJournal?.(project.id);
    // Every request of the project listens to this project's own signal, linked to the campaign's by one listener:
    // the campaign's signal is not shared by every request of every project (linkedSignal).
    // The env is kept as given, not copied: its owner may still set fields after this (the queue's apply job sets
    // preparedCopies once the copies are made), and a copy taken here would not see them (the apply then made its own
    // snapshots: campaign-pg/copy-jobs.test). Every read of it goes through #scoped(), with this project's signal.
    const { signal, release } = linkedSignal(env.signal);
    this.#env = env;
    this.#signal = signal;
    this.#unlink = release;
  }

  get #concurrency(): number {
    return this.project.options.concurrency ?? 8;
  }

  async source(): Promise<Cloud> {
    this.#source ??= await openSide(this.#scoped(), this.project.source);
    return this.#source;
  }

  async target(): Promise<Cloud> {
    this.#target ??= await openSide(this.#scoped(), this.project.target, this.#concurrency);
    return this.#target;
  }

  /** The project's operator steps (admin on the target), when the campaign asks for any. */
  operator(): OperatorSteps | undefined {
    const o = this.project.operator;
    if (!o || (o.createProject === undefined && o.quotas === undefined && o.roles === undefined)) return undefined;
    this.#operator ??= new OperatorSteps(
      this.project,
      this.#scoped(),
      this.files.dir,
      {
        source: () => this.source(),
        open: (cloud, region) => openSide(this.#scoped(), { cloud, ...(region !== undefined ? { region } : {}) }),
      },
      this.#operatorJournal,
    );
    return this.#operator;
  }

  /** The env as it is now, with this project's signal. */
  #scoped(): CampaignEnv {
    return { ...this.#env, signal: this.#signal };
  }

  /** Closes the connections; the pipeline is not used after (its signal no longer follows the campaign's). */
  async close(): Promise<void> {
    try {
      await this.#operator?.close();
      await this.#source?.close();
      await this.#target?.close();
    } finally {
      this.#source = undefined;
      this.#target = undefined;
      this.#unlink();
    }
  }

  #progress(): void {
    this.#env.onProgress?.(this.project.id, {
      resources: this.#resources,
      bytes: this.#bytes,
      ...(this.#bytesTotal !== undefined ? { bytesTotal: this.#bytesTotal } : {}),
    });
  }

  /** Export (or copy the given plan): writes plan.json. */
  async export(state: ProjectState): Promise<void> {
    let plan: Plan;
    if (this.project.plan !== undefined) plan = (await readPlan(this.project.plan)).plan;
    else {
      const o = this.project.options;
      const result = await exportProject(await this.source(), {
        ...(o.kinds ? { kinds: o.kinds } : {}),
        ...(o.excludeKinds ? { excludeKinds: o.excludeKinds } : {}),
        ...(o.select ? { select: o.select } : {}),
        dependencies: true,
        includeUserData: false,
        allowPartial: false,
        signal: this.#signal,
        logger: this.#env.logger,
        cloudName: this.project.source.cloud,
      });
      plan = result.plan;
    }
    await writePlan(this.files.plan, plan, { validate: false });
    const kinds: Record<string, number> = {};
    for (const r of plan.resources) if (r.external !== true) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
    state.kinds = kinds;
  }

  async #mapping(): Promise<Mapping | undefined> {
    return this.project.mapping !== undefined ? loadMapping(this.project.mapping) : undefined;
  }

  /** The exported plan with the project's mapping applied. */
  async #mappedPlan(): Promise<{ plan: Plan; resolution?: Resolution }> {
    const { plan } = await readPlan(this.files.plan);
    const mapping = await this.#mapping();
    if (!mapping) return { plan };
    const mapped = applyMapping(plan, mapping);
    if (hasErrors(mapped.issues))
      throw new StageFailure({
        stage: 'dry-run',
        code: 'MAPPING_NOT_APPLICABLE',
        message: `the mapping ${this.project.mapping} cannot be applied: ${formatIssues(mapped.issues).split('\n')[0]}`,
      });
    return { plan: mapped.plan, resolution: mapped.resolution as unknown as Resolution };
  }

  #workload(source: Cloud, target: Cloud): WorkloadMover {
    const o = this.project.options;
    return new WorkloadMover(source, target, {
      consistency: o.consistency ?? 'stop',
      restartSource: o.restartSource ?? false,
      transferConcurrency: o.transferConcurrency ?? 2,
      ...(this.#env.slots ? { slots: this.#env.slots } : {}),
      ...(this.#env.preparedCopies ? { prepared: this.#env.preparedCopies } : {}),
      onProgress: (overall) => {
        this.#bytes = overall.bytesDone;
        if (overall.bytesTotal !== undefined) this.#bytesTotal = overall.bytesTotal;
        this.#progress();
      },
    });
  }

  async #deps(plan: Plan, resolution: Resolution | undefined, onEvent?: (e: EngineEvent) => void) {
    const [source, target] = [await this.source(), await this.target()];
    const deps = await engineDeps(this.#scoped(), target, source, this.#concurrency, resolution, onEvent);
    const mover = this.#workload(source, target);
    deps.target.workload = createWorkload(plan, mover, {
      serverDisk: parseServerDisk(this.project.options.serverDisk ?? []),
      keepTemporary: this.project.options.keepTemporary ?? false,
    });
    return { deps, mover, target };
  }

  /** The dry run, saved to changes.json (with the mapped plan): what the operator reviews. */
  async dryRun(state: ProjectState): Promise<ChangeSet> {
    const { plan, resolution } = await this.#mappedPlan();
    const { deps, target } = await this.#deps(plan, resolution);
    const changes = await planChanges(plan, deps);
    await atomicWriteFile(
      this.files.changes,
      `${JSON.stringify({ ...changes, plan, ...(resolution ? { resolution } : {}) }, null, 2)}\n`,
    );
    state.targetProjectId = target.projectId;
    state.changes = summaryOf(changes);
    if (changes.data) state.bytes = { expected: changes.data.bytes, moved: state.bytes?.moved ?? 0 };
    if (!changes.ok) throw new StageFailure(blockedFailure(changes));
    return changes;
  }

  /**
   * The dry run of a project the campaign has just created (none could be made before it existed): saved like any
   * other, and accepted only when it changes nothing already there, as a new project must (only creates, and no-ops
   * for what a new project has, such as Neutron's default security group); an update stops the project.
   */
  async dryRunNewProject(state: ProjectState): Promise<void> {
    const changes = await this.dryRun(state);
    const other = changes.actions.filter((a) => a.external !== true && a.action === 'update');
    if (other.length > 0)
      throw new StageFailure({
        stage: 'dry-run',
        code: 'CAMPAIGN_NEW_PROJECT_NOT_EMPTY',
        message: `the project the campaign created is not empty: ${other
          .slice(0, 3)
          .map((a) => `${a.key} ${a.action}`)
          .join('; ')}${other.length > 3 ? ` and ${other.length - 3} more` : ''}; nothing was applied`,
      });
  }

  async #saved(): Promise<ChangeSet & { plan: Plan }> {
    const read = await readJsonText(this.files.changes);
    if (read.text === undefined)
      throw new StageFailure({
        stage: 'gate',
        code: 'CAMPAIGN_NOT_REVIEWED',
        message: `no saved dry run in ${this.files.changes}: run bascule batch plan first (or batch run --approve-all)`,
      });
    // The same strict reader as `apply changes.json`: schema, embedded plan, digests.
    try {
      return readChanges(read.text, this.files.changes);
    } catch (error) {
      if (!(error instanceof ChangesInvalidError)) throw error;
      throw new StageFailure({ stage: 'gate', code: 'CHANGES_INVALID', message: error.message });
    }
  }

  /** The gate: the saved dry run, made again now, must be what was reviewed. */
  async checkReviewed(): Promise<void> {
    const saved = await this.#saved();
    const { deps } = await this.#deps(saved.plan, saved.resolution);
    const now = await planChanges(saved.plan, deps);
    const stale = (message: string) =>
      new StageFailure({ stage: 'gate', code: 'CHANGES_STALE', message: `${message}; nothing was applied` });
    if (now.plan_digest !== saved.plan_digest) throw stale('the saved plan does not match its digest');
    if (now.target.project_id !== saved.target.project_id)
      throw stale(`the dry run was made for project ${saved.target.project_id}, not ${now.target.project_id}`);
    if (now.fingerprint !== saved.fingerprint)
      throw stale('the target changed since the dry run was reviewed (make and review a new one: bascule batch plan)');
    if (now.digest !== saved.digest) throw stale(`the dry run's digest is now ${now.digest}, not ${saved.digest}`);
    if (!now.ok) throw new StageFailure(blockedFailure(now));
  }

  /** Applies the saved dry run; continues its journal when there is one. */
  async apply(state: ProjectState): Promise<void> {
    const saved = await this.#saved();
    const onEvent = (e: EngineEvent) => {
      if (e.type === 'node.done') {
        this.#resources += 1;
        this.#progress();
      }
    };
    const { deps, mover } = await this.#deps(saved.plan, saved.resolution, onEvent);
    const result = await applyPlan(saved.plan, deps, {
      journalPath: this.journal.path,
      journalStore: this.journal,
      resume: (await this.journal.read()).length > 0,
    });
    const s = result.summary;
    state.applied = {
      created: s.created,
      updated: s.updated,
      unchanged: s.unchanged,
      failed: s.failed,
      skipped: s.skipped,
    };
    state.bytes = { expected: state.bytes?.expected ?? this.#bytesTotal ?? 0, moved: this.#bytes };
    state.servers = { stopped: mover.stoppedServers.length, restarted: mover.restartedServers.length };
    if (result.interrupted)
      throw new StageFailure({ stage: 'apply', code: 'INTERRUPTED', message: 'interrupted; resume with --resume' });
    if (!result.ok) {
      const failed = result.nodes.filter((n) => n.outcome === 'failed');
      const first = failed[0];
      throw new StageFailure({
        stage: 'apply',
        code: first?.error?.code ?? 'APPLY_FAILED',
        message: first
          ? `${failed.length} entr${failed.length === 1 ? 'y' : 'ies'} failed; first ${first.key}: ${first.error?.message ?? 'failed'}`
          : 'the apply failed',
      });
    }
  }

  /**
   * The server disks and volumes the saved dry run's creates copy (each can be a copy job of its own), and the
   * digest of the plan they belong to.
   */
  async copies(): Promise<{ plan: string; items: CopyItem[] }> {
    const saved = await this.#saved();
    // Only the workload's choices are asked (which creates copy what), not its mover.
    const workload = createWorkload(saved.plan, undefined as unknown as WorkloadMover, {
      serverDisk: parseServerDisk(this.project.options.serverDisk ?? []),
    });
    const byKey = new Map(saved.plan.resources.map((e) => [e.key, e]));
    const items: CopyItem[] = [];
    for (const a of saved.actions) {
      if (a.action !== 'create' && a.action !== 'lossy') continue;
      const entry = byKey.get(a.key);
      if (!entry?.source?.id) continue;
      const type = bootsFromDiskCopy(workload, entry) ? 'server' : workload.copiesVolume(entry) ? 'volume' : undefined;
      if (!type) continue;
      items.push({
        type,
        key: entry.key,
        sourceId: entry.source.id,
        name: String((entry.spec as { name?: unknown }).name ?? entry.key),
        marker: markerFor(saved.plan.provenance.project.id, entry.key),
      });
    }
    return { plan: planDigest(saved.plan), items };
  }

  /**
   * One server disk or volume copy, as a job of its own: the source snapshot (or volume upload) and the target image
   * the apply then creates from, tagged like the apply's own copies (marker, plan). `earlier` is the source image an
   * earlier attempt made (used when it is active); `record` keeps what is done to either cloud.
   */
  async copy(
    item: CopyItem,
    plan: string,
    earlier: string | undefined,
    record: (e: WorkloadEvent) => Promise<void>,
  ): Promise<{ targetImageId: string; bytes: number; crashConsistent?: boolean; sizeGb?: number }> {
    const mover = this.#workload(await this.source(), await this.target());
    mover.planDigest = plan;
    mover.record = record;
    const signal = this.#signal;
    if (item.type === 'server') {
      const disk = await mover.serverDisk({
        serverId: item.sourceId,
        serverName: item.name,
        marker: item.marker,
        signal,
        ...(earlier ? { snapshotImageId: earlier } : {}),
      });
      await mover.release(item.sourceId, signal);
      return disk;
    }
    return mover.volume({
      volumeId: item.sourceId,
      volumeName: item.name,
      marker: item.marker,
      signal,
      ...(earlier ? { uploadImageId: earlier } : {}),
    });
  }

  /** Audits the target against the exported plan (with the mapping and the journal): audit.json and its views. */
  async audit(state: ProjectState): Promise<void> {
    const { plan: exported } = await readPlan(this.files.plan);
    const reference = this.operator() ? withFileQuotas(exported, this.project.operator?.quotas) : exported;
    const o = this.project.options;
    const result = await exportProject(await this.target(), {
      dependencies: true,
      includeUserData: false,
      allowPartial: false,
      signal: this.#signal,
      logger: this.#env.logger,
      cloudName: this.project.target.cloud,
    });
    const kinds = new Set(reference.resources.filter((r) => r.external !== true).map((r) => r.kind));
    const excluded = new Set(o.excludeKinds ?? []);
    const keep = (plan: Plan): Plan => ({
      ...plan,
      resources: plan.resources.filter((r) => r.external === true || (kinds.has(r.kind) && !excluded.has(r.kind))),
    });
    const mapping = await this.#mapping();
    const records = await this.journal.read();
    const journal = records.length > 0 ? journalFacts(records) : undefined;
    const report = auditPlans(keep(reference), keep(result.plan), {
      ...(mapping ? { mapping } : {}),
      ...(journal ? { journal: journal.ids } : {}),
      ...(journal?.sourceProject !== undefined ? { sourceProject: journal.sourceProject } : {}),
      source: {
        description: describeSide(this.project.source),
        cloud: this.project.source.cloud,
        project: reference.provenance.project.name,
      },
      target: {
        description: describeSide(this.project.target),
        cloud: this.project.target.cloud,
        project: result.plan.provenance.project.name,
      },
    });
    await atomicWriteFile(`${this.files.audit}.json`, `${JSON.stringify(report, null, 2)}\n`);
    let link = `${this.files.audit}.json`;
    for (const view of this.#env.renderAudit?.(report) ?? []) {
      await atomicWriteFile(`${this.files.audit}.${view.ext}`, view.text);
      if (view.ext === 'html') link = `${this.files.audit}.html`;
    }
    state.audit = {
      clean: report.summary.clean,
      missing: report.summary.missing,
      extra: report.summary.extra,
      changed: report.summary.changed,
      report: link,
    };
  }

  /** Rolls back what the project's journal records (deletes only what Bascule created and still carries its marker). */
  async rollback(): Promise<RollbackResult> {
    const target = await this.target();
    const deps = await engineDeps(this.#scoped(), target, undefined, this.#concurrency, undefined, undefined);
    return rollback(deps, { journalPath: this.journal.path, journalStore: this.journal });
  }

  /** Whether the saved dry run exists (the project was planned). */
  hasSavedDryRun(): boolean {
    return existsSync(this.files.changes);
  }
}

/** A server disk or volume the apply copies: a copy job of its own when workers run the campaign. */
export interface CopyItem {
  type: 'server' | 'volume';
  /** The plan entry's key. */
  key: string;
  sourceId: string;
  name: string;
  marker: string;
}

/**
 * The exported plan with the quotas the campaign file sets in place of the source's: the operator steps set them on
 * purpose, so the audit expects them (the source's other limits are still compared).
 */
function withFileQuotas(plan: Plan, quotas: OperatorSettings['quotas']): Plan {
  if (!quotas) return plan;
  const parts = { compute: quotas.compute, network: quotas.network, block_storage: quotas.blockStorage };
  return {
    ...plan,
    resources: plan.resources.map((r) => {
      if (r.kind !== 'quota') return r;
      const spec = { ...(r.spec as Record<string, unknown>) };
      for (const [part, values] of Object.entries(parts)) {
        const current = spec[part];
        if (values && typeof current === 'object' && current !== null) spec[part] = { ...current, ...values };
      }
      return { ...r, spec } as typeof r;
    }),
  };
}

function summaryOf(changes: ChangeSet): NonNullable<ProjectState['changes']> {
  return {
    fingerprint: changes.fingerprint,
    plan_digest: changes.plan_digest,
    created_at: changes.created_at,
    ok: changes.ok,
    mutating: changes.actions.filter((a) => isMutating(a.action)).length,
  };
}

/** Why a dry run cannot be applied: the quotas short (which, needed, left), the blocked entries and their reasons. */
export function blockedFailure(changes: ChangeSet): ProjectFailure {
  const quotas = changes.preflight.checks
    .filter((c) => !c.ok)
    .map((c) => ({
      service: c.service,
      resource: c.resource,
      need: c.need,
      available: c.available,
      limit: c.limit,
    }));
  const blocked = changes.actions
    .filter((a) => isBlocking(a.action))
    .map((a) => ({ key: a.key, action: a.action, reason: a.reason ?? '' }));
  const errors = changes.preflight.issues.filter((i) => i.severity === 'error');
  const parts: string[] = [];
  for (const q of quotas)
    parts.push(`quota ${q.service} ${q.resource}: needs ${q.need}, ${q.available ?? 'unlimited'} left of ${q.limit}`);
  for (const i of errors) if (!/quota/i.test(i.code)) parts.push(`${i.key ? `${i.key}: ` : ''}${i.message}`);
  for (const b of blocked.slice(0, 3)) parts.push(`${b.key} ${b.action}: ${b.reason}`);
  if (blocked.length > 3) parts.push(`and ${blocked.length - 3} more blocked or in conflict`);
  return {
    stage: 'dry-run',
    code: quotas.length > 0 ? 'CAMPAIGN_QUOTA' : 'CAMPAIGN_BLOCKED',
    message: parts.length > 0 ? parts.join('; ') : 'the dry run is blocked',
    ...(quotas.length > 0 ? { quotas } : {}),
    ...(blocked.length > 0 ? { blocked } : {}),
  };
}
