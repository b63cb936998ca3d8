/**
 * Running a campaign: waves in order; within a wave, projects concurrently up to `parallelProjects`; one global cap
 * on data transfers across projects; a wave that fails more than its threshold stops the campaign (no new project,
 * no later wave); a failed project never stops the others. `plan` stops each project after its saved dry run;
 * `run` applies what was reviewed (or, with approveAll, goes straight through) and audits.
 */
import PQueue from 'p-queue';
import { UsageError } from '../shared/errors.js';
import type { TransferSlots } from '../transfer/index.js';
import { allProjects } from './load.js';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { describeOperatorPlan, type OperatorPlan, type OperatorSteps } from './operator.js';
import { ProjectPipeline, StageFailure, describeSide, failureOf, type CampaignEnv } from './pipeline.js';
import type { CampaignStore } from './store.js';
import { stageAtLeast, type Campaign, type CampaignEvent, type CampaignProject, type ProjectState } from './types.js';

export interface RunOptions {
  mode: 'plan' | 'run';
  approveAll?: boolean;
  resume?: boolean;
  waves?: readonly string[];
  projects?: readonly string[];
  parallelProjects?: number;
  /** Data transfers at once across the whole campaign. */
  maxTransfers?: number;
  /** Overrides every wave's max_failures. */
  maxFailures?: number;
  onEvent?: (event: CampaignEvent) => void;
}

export interface CampaignOutcome {
  projects: ProjectState[];
  stopped: boolean;
  interrupted: boolean;
}

const now = () => new Date().toISOString();

/** The projects a --wave / --project selection names; an unknown name is a usage error. */
export function selectProjects(
  campaign: Campaign,
  waves: readonly string[] = [],
  projects: readonly string[] = [],
): CampaignProject[] {
  const all = allProjects(campaign);
  for (const w of waves)
    if (!campaign.waves.some((x) => x.name === w))
      throw new UsageError('CAMPAIGN_UNKNOWN_WAVE', `--wave ${w}: the campaign has no such wave`, {
        hint: `waves: ${campaign.waves.map((x) => x.name).join(', ')}`,
      });
  for (const p of projects)
    if (!all.some((x) => x.id === p))
      throw new UsageError('CAMPAIGN_UNKNOWN_PROJECT', `--project ${p}: the campaign has no such project`);
  return all.filter(
    (p) => (waves.length === 0 || waves.includes(p.wave)) && (projects.length === 0 || projects.includes(p.id)),
  );
}

export function initialState(project: CampaignProject): ProjectState {
  return {
    id: project.id,
    wave: project.wave,
    stage: 'pending',
    status: 'pending',
    source: describeSide(project.source),
    target: describeSide(project.target),
    updatedAt: now(),
  };
}

/**
 * A `batch run` without --resume refuses while projects stopped while applying (their journals say where to go
 * on): the error counts them and names the first five.
 */
export function refuseUnfinished(unfinished: ProjectState[], hint: string): void {
  if (unfinished.length === 0) return;
  throw new UsageError(
    'CAMPAIGN_UNFINISHED',
    `${unfinished.length} project${unfinished.length === 1 ? ' was' : 's were'} stopped while applying (${unfinished
      .slice(0, 5)
      .map((s) => s.id)
      .join(', ')}${unfinished.length > 5 ? ', ...' : ''})`,
    { hint },
  );
}

/** A global cap on transfers, shared by every project's transfer manager. */
export function transferSlots(limit: number): TransferSlots {
  const queue = new PQueue({ concurrency: Math.max(1, limit) });
  return { run: <T>(fn: () => Promise<T>) => queue.add(fn) as Promise<T> };
}

export async function runCampaign(
  campaign: Campaign,
  store: CampaignStore,
  env: CampaignEnv,
  options: RunOptions,
): Promise<CampaignOutcome> {
  const selected = selectProjects(campaign, options.waves, options.projects);
  const emit = async (event: CampaignEvent) => {
    await store.record(event);
    options.onEvent?.(event);
  };
  await store.acquire();
  try {
    const states = new Map<string, ProjectState>();
    for (const p of selected) states.set(p.id, (await store.get(p.id)) ?? initialState(p));
    if (options.mode === 'run' && !options.resume) {
      const unfinished = [...states.values()].filter(
        (s) => stageAtLeast(s.stage, 'applying') && s.status !== 'done' && s.status !== 'rolled-back',
      );
      refuseUnfinished(unfinished, 'continue where each stopped with: bascule batch run --resume');
    }
    const slots = transferSlots(options.maxTransfers ?? 4);
    const runEnv: CampaignEnv = { ...env, slots };
    await emit({
      type: 'campaign.start',
      campaign: campaign.name,
      mode: options.mode,
      projects: selected.length,
      at: now(),
    });
    let stopped = false;
    for (const wave of campaign.waves) {
      const projects = selected.filter((p) => p.wave === wave.name);
      if (projects.length === 0) continue;
      if (stopped || env.signal.aborted) break;
      await emit({ type: 'wave.start', wave: wave.name, projects: projects.length, at: now() });
      const threshold = options.maxFailures ?? wave.maxFailures;
      const queue = new PQueue({ concurrency: Math.max(1, options.parallelProjects ?? 4) });
      let failed = 0;
      let done = 0;
      for (const project of projects) {
        void queue.add(async () => {
          if (stopped || env.signal.aborted) return;
          const state = states.get(project.id)!;
          const ok = await runProject(project, state, store, runEnv, options, emit);
          if (ok) done += 1;
          else if (state.status === 'failed') {
            failed += 1;
            if (threshold !== undefined && failed > threshold && !stopped) {
              stopped = true;
              queue.clear();
            }
          }
        });
      }
      await queue.onIdle();
      await emit({ type: 'wave.done', wave: wave.name, done, failed, stopped, at: now() });
    }
    const final = [...states.values()];
    await emit({
      type: 'campaign.done',
      done: final.filter((s) => s.status === 'done' || s.status === 'reviewable').length,
      failed: final.filter((s) => s.status === 'failed').length,
      stopped,
      at: now(),
    });
    return { projects: final, stopped, interrupted: env.signal.aborted };
  } finally {
    await store.release();
  }
}

/** One project through the stages it still needs; true when it reached what the mode asks for. */
async function runProject(
  project: CampaignProject,
  state: ProjectState,
  store: CampaignStore,
  env: CampaignEnv,
  options: RunOptions,
  emit: (event: CampaignEvent) => Promise<void>,
): Promise<boolean> {
  if (options.mode === 'run' && state.status === 'done' && state.stage === 'audited') return true;
  if (options.mode === 'plan' && stageAtLeast(state.stage, 'applying')) return true;
  // A rolled-back project is planned or run again like any other (its journals were kept aside by the rollback).
  const pipeline = new ProjectPipeline(project, store, env);
  const operator = pipeline.operator();
  const started = Date.now();
  let current = 'export';
  const save = async () => {
    state.updatedAt = now();
    await store.put(state);
  };
  const enter = async (stage: string) => {
    current = stage;
    await emit({ type: 'project.stage', project: project.id, wave: project.wave, stage, at: now() });
  };
  const planOperator = () => planOperatorSteps(operator!, project, state, save, emit);
  const applyOperator = async (plan: OperatorPlan) => {
    await enter('operator');
    await applyOperatorSteps(operator!, state, plan, save);
  };
  state.status = 'running';
  delete state.failure;
  state.startedAt ??= now();
  await save();
  try {
    const redoPlan = options.mode === 'plan' || options.approveAll === true;
    if (!redoPlan && !stageAtLeast(state.stage, 'planned')) {
      current = 'gate';
      throw new StageFailure({
        stage: 'gate',
        code: 'CAMPAIGN_NOT_REVIEWED',
        message: 'no dry run was made and reviewed: run bascule batch plan first (or batch run --approve-all)',
      });
    }
    if (state.stage === 'pending' || (options.mode === 'plan' && !stageAtLeast(state.stage, 'applying'))) {
      await enter('export');
      await pipeline.export(state);
      state.stage = 'exported';
      await save();
    }
    if (state.stage === 'exported' || (redoPlan && state.stage === 'planned')) {
      await enter('dry-run');
      try {
        let newProject = false;
        let operatorPlan: OperatorPlan | undefined;
        if (operator && !(options.mode === 'run' && state.operator?.done === true)) {
          const plan = await planOperator();
          operatorPlan = plan;
          newProject = plan.project.action === 'create';
          // Straight through (--approve-all): the operator steps come before anything else is looked at.
          if (options.mode === 'run') await applyOperator(plan);
        }
        if (newProject && options.mode === 'plan') {
          // No dry run can be made in a project that does not exist yet: it is made once the project is created.
          await rm(pipeline.files.changes, { force: true });
          delete state.changes;
        } else if (state.operator?.createdProject === true) await pipeline.dryRunNewProject(state);
        else
          await pipeline.dryRun(state).catch((error: unknown) => {
            throw withRaisedQuotas(error, operatorPlan);
          });
      } finally {
        // The saved dry run is there to review even when it is blocked.
        state.stage = 'planned';
        await save();
      }
      if (options.mode === 'plan') {
        state.status = 'reviewable';
        await finish(state, started, save, emit);
        return true;
      }
    } else if (state.stage === 'planned') {
      await enter('gate');
      if (operator && state.operator?.done !== true) {
        // A started apply of the operator steps is continued; otherwise they must be what was reviewed.
        const resuming = state.operator?.applying === true;
        const reviewed = state.operator?.digest;
        const plan = await planOperator();
        if (!resuming && plan.digest !== reviewed)
          throw new StageFailure({
            stage: 'gate',
            code: 'CHANGES_STALE',
            message:
              'the operator steps changed since they were reviewed (make and review a new dry run: bascule batch plan); nothing was applied',
          });
        await applyOperator(plan);
      }
      if (state.operator?.createdProject === true && !pipeline.hasSavedDryRun()) {
        await enter('dry-run');
        await pipeline.dryRunNewProject(state);
        await save();
      } else await pipeline.checkReviewed();
    }
    if (state.stage === 'planned') {
      state.stage = 'applying';
      await save();
    }
    if (state.stage === 'applying') {
      await enter('apply');
      await pipeline.apply(state);
      state.stage = 'applied';
      await save();
    }
    if (state.stage === 'applied') {
      await enter('audit');
      await pipeline.audit(state);
      state.stage = 'audited';
    }
    state.status = 'done';
    await finish(state, started, save, emit);
    return true;
  } catch (error) {
    const failure = failureOf(current, error);
    state.failure = failure;
    state.status = env.signal.aborted ? 'interrupted' : 'failed';
    await emit({
      type: 'project.failed',
      project: project.id,
      wave: project.wave,
      stage: current,
      code: failure.code,
      message: failure.message,
      at: now(),
    });
    await finish(state, started, save, emit);
    return false;
  } finally {
    await pipeline.close();
  }
}

/** The operator steps' dry run: saved, shown, and a failure when it cannot be applied. */
export async function planOperatorSteps(
  operator: OperatorSteps,
  project: CampaignProject,
  state: ProjectState,
  save: () => Promise<void>,
  emit: (event: CampaignEvent) => Promise<void>,
): Promise<OperatorPlan> {
  const plan = await operator.plan();
  state.operator = {
    digest: plan.digest,
    ...(state.operator?.createdProject === true ? { createdProject: true } : {}),
    ...(plan.missing_users.length > 0 ? { missingUsers: plan.missing_users.map((u) => `${u.domain}/${u.user}`) } : {}),
  };
  await save();
  for (const line of describeOperatorPlan(plan))
    await emit({ type: 'project.operator', project: project.id, wave: project.wave, summary: line, at: now() });
  if (!plan.ok)
    throw new StageFailure({ stage: 'operator', code: 'CAMPAIGN_OPERATOR_BLOCKED', message: plan.problems.join('; ') });
  return plan;
}

/** Makes the reviewed operator steps (journaled), and records in the state that they are done. */
export async function applyOperatorSteps(
  operator: OperatorSteps,
  state: ProjectState,
  plan: OperatorPlan,
  save: () => Promise<void>,
): Promise<void> {
  state.operator = { ...state.operator!, applying: true };
  await save();
  const done = await operator.apply(plan);
  const { applying: _, ...rest } = state.operator;
  state.operator = { ...rest, done: true, createdProject: done.createdProject || rest.createdProject === true };
  await save();
}

/**
 * A dry run made before the operator steps raise a quota sees the old limit: its failure says which limits the
 * steps will set, and that `batch run` sets them before checking the dry run again.
 */
export function withRaisedQuotas(error: unknown, plan: OperatorPlan | undefined): unknown {
  if (!(error instanceof StageFailure) || !plan || !error.failure.quotas) return error;
  const raised = error.failure.quotas
    .map((q) => plan.quotas.find((c) => c.resource === q.resource && c.service === q.service))
    .filter((c): c is OperatorPlan['quotas'][number] => c !== undefined);
  if (raised.length === 0) return error;
  return new StageFailure({
    ...error.failure,
    message: `${error.failure.message} (the operator steps set ${raised
      .map((c) => `${c.service} ${c.resource} to ${c.to}`)
      .join(', ')} before anything is created: batch run sets them, then checks this dry run again)`,
  });
}

async function finish(
  state: ProjectState,
  started: number,
  save: () => Promise<void>,
  emit: (event: CampaignEvent) => Promise<void>,
): Promise<void> {
  state.finishedAt = now();
  state.durationMs = (state.durationMs ?? 0) + (Date.now() - started);
  await save();
  await emit({ type: 'project.done', project: state.id, wave: state.wave, status: state.status, at: now() });
}

export interface RollbackOutcome {
  id: string;
  ok: boolean;
  deleted: number;
  kept: number;
  failed: number;
  /** The operator steps undone (when the campaign made any). */
  operator?: { revoked: number; quotasRestored: number; projectDeleted: boolean; kept: string[] };
  error?: string;
}

/**
 * Rolls back the selected projects (one, or a wave), one at a time; each keeps its own outcome. The resources first
 * (from the project's journal), then the operator steps (grants, quotas, the project Bascule created). The journals
 * are kept aside, so `batch run` makes the project again from the start; a project the campaign created and deleted
 * needs a new dry run (`batch plan`, or `batch run --approve-all`).
 */
export async function rollbackProjects(
  campaign: Campaign,
  store: CampaignStore,
  env: CampaignEnv,
  selection: { waves?: readonly string[]; projects?: readonly string[] },
): Promise<RollbackOutcome[]> {
  const selected = selectProjects(campaign, selection.waves, selection.projects);
  await store.acquire();
  const out: RollbackOutcome[] = [];
  try {
    for (const project of selected) {
      const state = (await store.get(project.id)) ?? initialState(project);
      const pipeline = new ProjectPipeline(project, store, env);
      const operator = pipeline.operator();
      // The journal's records, wherever it lives (a file, or the campaign database's rows with --store).
      const applied = stageAtLeast(state.stage, 'applying') && (await pipeline.journal.read()).length > 0;
      if (!applied && !(await operator?.started())) {
        out.push({ id: project.id, ok: true, deleted: 0, kept: 0, failed: 0 });
        continue;
      }
      const outcome: RollbackOutcome = { id: project.id, ok: true, deleted: 0, kept: 0, failed: 0 };
      try {
        if (applied) {
          const result = await pipeline.rollback();
          const count = (o: string) => result.items.filter((i) => i.outcome === o).length;
          Object.assign(outcome, {
            ok: result.ok,
            deleted: count('deleted'),
            kept: count('kept'),
            failed: count('failed'),
          });
          if (result.ok)
            await (pipeline.journal.keepAside ? pipeline.journal.keepAside() : keepAside(pipeline.files.journal));
        }
        if (operator && outcome.ok && (await operator.started())) {
          const undone = await operator.rollback();
          outcome.operator = {
            revoked: undone.revoked,
            quotasRestored: undone.quotasRestored,
            projectDeleted: undone.projectDeleted,
            kept: undone.kept,
          };
          if (!undone.ok) {
            outcome.ok = false;
            outcome.error = undone.errors.join('; ');
          }
        }
        if (outcome.ok) {
          state.status = 'rolled-back';
          state.stage = 'planned';
          delete state.applied;
          delete state.audit;
          if (state.operator?.createdProject === true) {
            // The dry run was made in the project that is now deleted: a new one is needed.
            await keepAside(pipeline.files.changes);
            delete state.changes;
            delete state.operator;
            state.stage = 'exported';
          } else if (state.operator) state.operator = { digest: state.operator.digest };
        }
      } catch (error) {
        outcome.ok = false;
        outcome.error = (error as Error).message;
      } finally {
        await pipeline.close();
      }
      out.push(outcome);
      state.updatedAt = now();
      await store.put(state);
      await store.record({
        type: 'project.done',
        project: project.id,
        wave: project.wave,
        status: state.status,
        at: now(),
      });
    }
  } finally {
    await store.release();
  }
  return out;
}

/** Renames a file to <name>.rolled-back-<time><ext>, kept for the record. */
async function keepAside(file: string): Promise<void> {
  if (!existsSync(file)) return;
  const dot = file.lastIndexOf('.');
  await rename(file, `${file.slice(0, dot)}.rolled-back-${now().replace(/[:.]/g, '-')}${file.slice(dot)}`);
}
