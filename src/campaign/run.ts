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
      if (unfinished.length > 0)
        throw new UsageError(
          'CAMPAIGN_UNFINISHED',
          `${unfinished.length} project${unfinished.length === 1 ? ' was' : 's were'} stopped while applying (${unfinished
            .slice(0, 5)
            .map((s) => s.id)
            .join(', ')}${unfinished.length > 5 ? ', ...' : ''})`,
          { hint: 'continue where each stopped with: bascule batch run --resume' },
        );
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
  if (state.status === 'rolled-back') return true;
  if (options.mode === 'plan' && stageAtLeast(state.stage, 'applying')) return true;
  const pipeline = new ProjectPipeline(project, store, env);
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
        await pipeline.dryRun(state);
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
      await pipeline.checkReviewed();
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

/** Rolls back the selected projects (one, or a wave), one at a time; each keeps its own outcome. */
export async function rollbackProjects(
  campaign: Campaign,
  store: CampaignStore,
  env: CampaignEnv,
  selection: { waves?: readonly string[]; projects?: readonly string[] },
): Promise<{ id: string; ok: boolean; deleted: number; kept: number; failed: number; error?: string }[]> {
  const selected = selectProjects(campaign, selection.waves, selection.projects);
  await store.acquire();
  const out: { id: string; ok: boolean; deleted: number; kept: number; failed: number; error?: string }[] = [];
  try {
    for (const project of selected) {
      const state = (await store.get(project.id)) ?? initialState(project);
      const pipeline = new ProjectPipeline(project, store, env);
      if (!stageAtLeast(state.stage, 'applying')) {
        out.push({ id: project.id, ok: true, deleted: 0, kept: 0, failed: 0 });
        continue;
      }
      try {
        const result = await pipeline.rollback();
        const count = (o: string) => result.items.filter((i) => i.outcome === o).length;
        out.push({
          id: project.id,
          ok: result.ok,
          deleted: count('deleted'),
          kept: count('kept'),
          failed: count('failed'),
        });
        if (result.ok) {
          state.status = 'rolled-back';
          state.stage = 'planned';
        }
      } catch (error) {
        out.push({ id: project.id, ok: false, deleted: 0, kept: 0, failed: 0, error: (error as Error).message });
      } finally {
        await pipeline.close();
      }
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
