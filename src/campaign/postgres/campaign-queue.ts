/**
 * A campaign run by workers on several hosts (`bascule batch run --store`, `bascule worker --store`). `batch run`
 * registers the campaign (its projects: cloud names, options, the contents of their mappings; never a credential)
 * and queues the first stage of each project of the first wave; workers run one stage per job and queue the
 * project's next stage; when a wave has nothing queued or running any more, whoever finished its last project
 * queues the next wave (or stops the campaign when the wave failed more than its max_failures).
 *
 * Every job is one stage of one project (export, dry-run, gate, apply, audit), small and idempotent: it starts
 * from the project's state and journal in the store, so a job run again after its worker died continues where that
 * worker stopped. The stage a job runs is the one the project's state says is next; a job whose stage was already
 * done by a worker that died before queueing the next one only queues it. All the jobs of a project share one
 * lease (`<campaign>/<project>`): a worker that lost it writes nothing more for the project.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { atomicWriteFile } from '../../shared/fs.js';
import { allProjects } from '../load.js';
import { ProjectPipeline, StageFailure, failureOf, type CampaignEnv } from '../pipeline.js';
import {
  applyOperatorSteps,
  initialState,
  planOperatorSteps,
  refuseUnfinished,
  selectProjects,
  withRaisedQuotas,
} from '../run.js';
import type { OperatorPlan } from '../operator.js';
import { stageAtLeast, type Campaign, type CampaignEvent, type CampaignProject, type ProjectState } from '../types.js';
import { isLeaseLost, leaseGuard } from './lease.js';
import { enqueue, type JobOutcome, type JobSpec, type QueuedJob } from './queue.js';
import { postgresTransferSlots } from './slots.js';
import { COPY_QUEUE, ProjectCopies, copyJobOf, preparedFrom, type CopyJobData } from './copies.js';
import { PgCampaignStore } from './store.js';
import type { StoreUrl } from './connection.js';
import { withClient } from './client.js';

/** The queue every campaign's stage jobs go to (a worker serves every campaign of its database). */
export const STAGE_QUEUE = 'bascule-stages';

export type StageName = 'export' | 'dry-run' | 'operator' | 'gate' | 'apply' | 'audit';

/** Whether a project has operator steps (create the target project, quotas, roles): a job of their own. */
export function hasOperatorSteps(project: CampaignProject): boolean {
  const o = project.operator;
  return o !== undefined && (o.createProject !== undefined || o.quotas !== undefined || o.roles !== undefined);
}

/** What `batch run --store` decided, for the workers. */
export interface DistributedOptions {
  mode: 'plan' | 'run';
  approveAll: boolean;
  /** Data transfers at once across all workers, and per source cloud. */
  maxTransfers: number;
  maxTransfersPerSource: number;
  /** Overrides every wave's max_failures. */
  maxFailures?: number;
  /** Projects of a wave in flight at once (queued to a worker or running), across all workers. */
  parallelProjects: number;
  /** A stage job's lease (seconds): how long a dead or stopped worker keeps it before another takes it over. */
  leaseSeconds: number;
}

/** The campaign as the database keeps it: its projects (inputs by artifact name, not by local path). */
export interface RegisteredCampaign {
  campaign: Campaign;
  options: DistributedOptions;
  /** How many times `batch run --store` queued it. */
  run: number;
}

export interface StageJobData {
  campaign: string;
  project: string;
  stage: StageName;
  run: number;
}

const now = () => new Date().toISOString();

/**
 * The stage a project needs next, from its state; undefined when it has reached what the mode asks for. A project
 * with operator steps makes them (its `operator` job) before anything else is created: right after its export
 * with --approve-all (its dry run follows, in the project they made), else before its gate.
 */
export function nextStage(
  state: ProjectState,
  options: Pick<DistributedOptions, 'mode' | 'approveAll'>,
  operator = false,
): StageName | undefined {
  if (state.status === 'rolled-back') return undefined;
  if (options.mode === 'plan') {
    if (state.stage === 'pending') return 'export';
    if (state.stage === 'exported') return 'dry-run';
    return undefined;
  }
  if (state.stage === 'audited') return undefined;
  if (state.stage === 'applied') return 'audit';
  if (state.stage === 'applying') return 'apply';
  if (
    operator &&
    state.operator?.done !== true &&
    (state.stage === 'planned' || (options.approveAll && state.stage === 'exported'))
  )
    return 'operator';
  // Without --approve-all, what was not planned and reviewed stops at the gate (CAMPAIGN_NOT_REVIEWED).
  if (state.stage === 'planned' || !options.approveAll) return 'gate';
  return state.stage === 'pending' ? 'export' : 'dry-run';
}

function jobOf(
  campaign: string,
  project: string,
  stage: StageName,
  run: number,
  lease: number,
  /** Tells a stage's job queued again apart (the apply once its copies are made: `copied`). */
  again?: string,
): JobSpec {
  return {
    key: `${campaign}/${run}/${project}/${stage}${again ? `/${again}` : ''}`,
    lease: `${campaign}/${project}`,
    data: { campaign, project, stage, run } satisfies StageJobData,
    expireInSeconds: lease,
  };
}

/** A copy job's continuation: the project's apply, queued again once its last copy is settled. */
export function applyAfterCopies(data: CopyJobData, leaseSeconds: number): NonNullable<JobOutcome['then']> {
  return { queue: STAGE_QUEUE, jobs: [jobOf(data.campaign, data.project, 'apply', data.run, leaseSeconds, 'copied')] };
}

/** A mapping or a given plan travels in the database (a worker's host does not have the operator's files). */
async function storeInputs(store: PgCampaignStore, project: CampaignProject): Promise<CampaignProject> {
  const out: CampaignProject = { ...project, options: { ...project.options } };
  for (const field of ['mapping', 'plan'] as const) {
    const path = project[field];
    if (path === undefined) continue;
    const ext = extname(path).toLowerCase() || (field === 'plan' ? '.json' : '.yaml');
    const name = `input.${field}${ext}`;
    await store.putArtifact(project.id, name, await readFile(path, 'utf8'));
    out[field] = name;
  }
  return out;
}

export interface EnqueueOutcome {
  run: number;
  /** Projects queued in this run (their stages will be run by the workers). */
  queued: string[];
  /** Projects left as they are: done, rolled back, or already queued or running. */
  skipped: { id: string; why: string }[];
}

/**
 * `batch run --store`: registers the campaign and queues what the selected projects still need. Projects
 * already queued or running are left to their workers; a second `batch run` queues nothing twice.
 */
export async function enqueueCampaign(
  campaign: Campaign,
  store: PgCampaignStore,
  boss: PgBoss,
  db: pg.Pool,
  options: DistributedOptions & { waves?: readonly string[]; projects?: readonly string[]; resume?: boolean },
): Promise<EnqueueOutcome> {
  const selected = selectProjects(campaign, options.waves, options.projects);
  const previous = await store.definition<RegisteredCampaign>();
  const run = (previous?.run ?? 0) + 1;
  const projects = new Map<string, CampaignProject>();
  for (const p of allProjects(campaign)) projects.set(p.id, await storeInputs(store, p));
  const registered: RegisteredCampaign = {
    campaign: {
      ...campaign,
      waves: campaign.waves.map((w) => ({ ...w, projects: w.projects.map((p) => projects.get(p.id)!) })),
    },
    options: {
      mode: options.mode,
      approveAll: options.approveAll,
      maxTransfers: options.maxTransfers,
      maxTransfersPerSource: options.maxTransfersPerSource,
      ...(options.maxFailures !== undefined ? { maxFailures: options.maxFailures } : {}),
      parallelProjects: options.parallelProjects,
      leaseSeconds: options.leaseSeconds,
    },
    run,
  };
  const states = new Map<string, ProjectState>();
  for (const p of selected) states.set(p.id, (await store.get(p.id)) ?? initialState(p));
  if (options.mode === 'run' && !options.resume) {
    const unfinished = [...states.values()].filter(
      (s) =>
        stageAtLeast(s.stage, 'applying') &&
        (s.status === 'failed' || s.status === 'interrupted' || s.status === 'pending'),
    );
    refuseUnfinished(unfinished, 'continue where each stopped with: bascule batch run --store ... --resume');
  }
  const out: EnqueueOutcome = { run, queued: [], skipped: [] };
  const toQueue: ProjectState[] = [];
  // Projects running with no job left in the queue (their job failed every retry: workers that kept dying on it).
  // (A project waiting for its copies has no stage job, but copy jobs.)
  const live = new Set(
    (
      await db.query<{ project: string }>(
        `SELECT DISTINCT data->>'project' AS project FROM pgboss.job
          WHERE name = ANY($1) AND state IN ('created', 'retry', 'active') AND data->>'campaign' = $2`,
        [[STAGE_QUEUE, COPY_QUEUE], store.campaign],
      )
    ).rows.map((r) => r.project),
  );
  const withOperator = new Set(selected.filter(hasOperatorSteps).map((p) => p.id));
  for (const state of states.values()) {
    const orphan = state.status === 'running' && !live.has(state.id);
    if ((state.status === 'queued' || state.status === 'running') && !(orphan && options.resume)) {
      out.skipped.push({
        id: state.id,
        why: orphan
          ? 'running, but no worker has its job any more: queue it again with --resume'
          : `already ${state.status}`,
      });
      continue;
    }
    // A new plan redoes the export; --approve-all redoes the dry run (as without --store).
    if (options.mode === 'plan' && !stageAtLeast(state.stage, 'applying')) state.stage = 'pending';
    if (options.mode === 'run' && options.approveAll && state.stage === 'planned') state.stage = 'exported';
    if (nextStage(state, options, withOperator.has(state.id)) === undefined) {
      out.skipped.push({ id: state.id, why: state.status === 'rolled-back' ? 'rolled back' : 'nothing left to do' });
      continue;
    }
    toQueue.push(state);
  }
  if (toQueue.length === 0 && previous) {
    // Nothing new: the campaign and what its workers are doing stay as they are.
    out.run = previous.run;
    return out;
  }
  await store.register(registered);
  for (const state of toQueue) {
    state.status = 'queued';
    state.run = run;
    delete state.failure;
    state.updatedAt = now();
    await store.put(state);
    out.queued.push(state.id);
  }
  await store.record({
    type: 'campaign.start',
    campaign: campaign.name,
    mode: options.mode,
    projects: out.queued.length,
    at: now(),
  });
  await advance(store, boss, db);
  return out;
}

/**
 * Queues the next wave when the current one has nothing queued-and-unstarted or running: the first wave (in the
 * campaign's order) with queued projects gets their first stage queued; one whose predecessor failed more than
 * its max_failures is not started, and its projects go back to pending. Serialised by an advisory lock; queueing
 * is idempotent (job keys), so two workers finishing the last two projects of a wave at once queue it once.
 */
export async function advance(store: PgCampaignStore, boss: PgBoss, db: pg.Pool): Promise<void> {
  await withClient(db, async (client) => {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bascule.advance:${store.campaign}`]);
    const registered = await store.definition<RegisteredCampaign>();
    if (!registered) {
      await client.query('COMMIT');
      return;
    }
    const states = new Map((await store.all()).map((s) => [s.id, s]));
    const { campaign, options, run } = registered;
    const operatorOf = new Set(
      allProjects(campaign)
        .filter(hasOperatorSteps)
        .map((p) => p.id),
    );
    // What is queued or running (whichever batch run queued it), and what the latest run finished.
    const mine = (id: string) => {
      const s = states.get(id);
      return s !== undefined && (s.status === 'queued' || s.status === 'running' || s.run === run) ? s : undefined;
    };
    const once = async (what: string) =>
      (
        await client.query(`INSERT INTO bascule.queued (queue, key) VALUES ('events', $1) ON CONFLICT DO NOTHING`, [
          `${store.campaign}/${run}/${what}`,
        ])
      ).rowCount === 1;
    let previous: { name: string; failed: number; threshold: number | undefined } | undefined;
    for (const wave of campaign.waves) {
      const projects = wave.projects.map((p) => mine(p.id)).filter((s): s is ProjectState => s !== undefined);
      if (projects.length === 0) continue;
      const busy = projects.filter((s) => s.status === 'running');
      const queued = projects.filter((s) => s.status === 'queued');
      const failed = projects.filter((s) => s.status === 'failed').length;
      if (busy.length === 0 && queued.length === 0) {
        if (await once(`wave-done/${wave.name}`))
          await store.record({
            type: 'wave.done',
            wave: wave.name,
            done: projects.filter((s) => s.status === 'done' || s.status === 'reviewable').length,
            failed,
            stopped: false,
            at: now(),
          });
        previous = { name: wave.name, failed, threshold: options.maxFailures ?? wave.maxFailures };
        continue;
      }
      if (previous && previous.threshold !== undefined && previous.failed > previous.threshold) {
        // The wave before failed too much: this one and every later one are not started.
        for (const later of campaign.waves.slice(campaign.waves.indexOf(wave)))
          for (const p of later.projects) {
            const s = mine(p.id);
            if (s?.status !== 'queued') continue;
            s.status = 'pending';
            s.updatedAt = now();
            await store.put(s);
          }
        if (await once('stopped'))
          await store.record({
            type: 'campaign.done',
            done: [...states.values()].filter((s) => s.run === run && s.status === 'done').length,
            failed: [...states.values()].filter((s) => s.run === run && s.status === 'failed').length,
            stopped: true,
            at: now(),
          });
        break;
      }
      if (await once(`wave-start/${wave.name}`))
        await store.record({ type: 'wave.start', wave: wave.name, projects: projects.length, at: now() });
      // Projects in flight: running, or queued with a job already; the cap leaves the rest waiting for a slot.
      const { rows } = await client.query<{ job: string }>(
        `SELECT DISTINCT split_part(key, '/', 2) || '/' || split_part(key, '/', 3) AS job FROM bascule.queued
          WHERE queue = $1 AND starts_with(key, $2)`,
        [STAGE_QUEUE, `${store.campaign}/`],
      );
      const sent = new Set(rows.map((r) => r.job));
      const hasJob = (s: ProjectState) => sent.has(`${s.run}/${s.id}`);
      const inFlight = busy.length + queued.filter(hasJob).length;
      const room = Math.max(0, options.parallelProjects - inFlight);
      const jobs: JobSpec[] = [];
      for (const s of queued.filter((q) => !hasJob(q)).slice(0, room)) {
        const stage = nextStage(s, options, operatorOf.has(s.id));
        if (stage) jobs.push(jobOf(store.campaign, s.id, stage, s.run ?? run, options.leaseSeconds));
      }
      await enqueue(boss, db, STAGE_QUEUE, jobs);
      await client.query('COMMIT');
      return;
    }
    const all = [...states.values()].filter((s) => s.run === run);
    if (all.length > 0 && (await once('done')))
      await store.record({
        type: 'campaign.done',
        done: all.filter((s) => s.status === 'done' || s.status === 'reviewable').length,
        failed: all.filter((s) => s.status === 'failed').length,
        stopped: false,
        at: now(),
      });
    await client.query('COMMIT');
  });
}

export interface StageWorkerContext {
  db: pg.Pool;
  boss: PgBoss;
  url: StoreUrl;
  /** This worker's name (leases, events). */
  owner: string;
  /** Where this host keeps its copies of the projects' files. */
  workDir: string;
  /** The rest of the campaign's environment (clouds.yaml of this host, logger, audit views). */
  env: Omit<CampaignEnv, 'signal' | 'slots'>;
  onEvent?: (event: CampaignEvent) => void;
}

/**
 * Runs one stage job (the handler of `bascule worker`); returns the project's next stage job, which the worker
 * queues in the transaction that completes this one.
 */
export async function runStageJob(job: QueuedJob, ctx: StageWorkerContext): Promise<JobOutcome> {
  const data = job.data as unknown as StageJobData;
  const base = new PgCampaignStore(ctx.db, ctx.url, data.campaign, { workDir: join(ctx.workDir, data.campaign) });
  const store = base.withLease(job.lease, ctx.owner);
  const registered = await store.definition<RegisteredCampaign>();
  const found = registered && allProjects(registered.campaign).find((p) => p.id === data.project);
  if (!registered || !found) return {}; // The campaign was removed from the database: nothing to do.
  const options = registered.options;
  const state = await store.get(data.project);
  // A job of an older `batch run` (or of a project rolled back since) does nothing.
  if (!state || state.run !== data.run || (state.status !== 'queued' && state.status !== 'running')) return {};
  const operatorSteps = hasOperatorSteps(found);
  const stage = nextStage(state, options, operatorSteps);
  const emit = async (event: CampaignEvent) => {
    await store.record(event);
    ctx.onEvent?.(event);
  };
  const queueNext = (next: StageName): JobOutcome => ({
    then: { queue: STAGE_QUEUE, jobs: [jobOf(data.campaign, data.project, next, data.run, options.leaseSeconds)] },
  });
  if (stage !== data.stage) {
    // Done already by a worker that died before this job was completed: what comes next is queued.
    if (stage) return queueNext(stage);
    await advance(base, ctx.boss, ctx.db);
    return {};
  }
  const project = await localInputs(store, found);
  await store.loadArtifacts(project.id);
  const env: CampaignEnv = {
    ...ctx.env,
    signal: job.signal,
    // No cloud call once the lease is not surely ours (a worker paused past it would otherwise send a call whose
    // intent it journaled before the pause, after the new owner made the same object): a quarter of the lease
    // (at most 30 s) is kept in hand, more than the heartbeat's third leaves it short of.
    beforeMutation: leaseGuard(job.lease, Math.min(30, options.leaseSeconds / 4) * 1000),
    slots: postgresTransferSlots(ctx.db, {
      holder: `${ctx.owner}/${data.project}`,
      scopes: [
        { scope: `transfer:${data.campaign}`, cap: options.maxTransfers },
        { scope: `transfer:${data.campaign}:source:${project.source.cloud}`, cap: options.maxTransfersPerSource },
      ],
      signal: job.signal,
    }),
  };
  const pipeline = new ProjectPipeline(project, store, env);
  const started = Date.now();
  let copiedBytes = 0;
  const save = async () => {
    state.updatedAt = now();
    await store.put(state);
  };
  if (state.status === 'queued') {
    state.status = 'running';
    state.startedAt ??= now();
  }
  await save();
  await emit({ type: 'project.stage', project: project.id, wave: project.wave, stage, at: now() });
  let terminal = false;
  let outcome: JobOutcome = {};
  try {
    if (stage === 'export') {
      await pipeline.export(state);
      state.stage = 'exported';
    } else if (stage === 'dry-run') {
      try {
        // The operator steps' own dry run comes first (saved as operator.json, reviewed with the rest); with
        // --approve-all they were made already, by the operator job.
        const operator = pipeline.operator();
        let operatorPlan: OperatorPlan | undefined;
        if (operator && !(options.mode === 'run' && state.operator?.done === true))
          operatorPlan = await planOperatorSteps(operator, project, state, save, emit);
        if (operatorPlan?.project.action === 'create' && options.mode === 'plan') {
          // No dry run can be made in a project that does not exist yet: it is made once the project is created.
          await rm(pipeline.files.changes, { force: true });
          await store.removeArtifact(project.id, 'changes.json');
          delete state.changes;
        } else if (state.operator?.createdProject === true) await pipeline.dryRunNewProject(state);
        else
          await pipeline.dryRun(state).catch((error: unknown) => {
            throw withRaisedQuotas(error, operatorPlan);
          });
        state.stage = options.mode === 'plan' ? 'planned' : 'applying';
      } catch (error) {
        state.stage = 'planned';
        throw error;
      }
    } else if (stage === 'operator') {
      // The operator steps (admin on the target), journaled in the store: a job run again continues them.
      const operator = pipeline.operator()!;
      const reviewed = state.stage === 'planned' ? state.operator?.digest : undefined;
      const resuming = state.operator?.applying === true;
      const plan = await planOperatorSteps(operator, project, state, save, emit);
      if (state.stage === 'planned' && !resuming && plan.digest !== reviewed)
        throw new StageFailure({
          stage: 'gate',
          code: 'CHANGES_STALE',
          message:
            'the operator steps changed since they were reviewed (make and review a new dry run: bascule batch plan); nothing was applied',
        });
      await applyOperatorSteps(operator, state, plan, save);
    } else if (stage === 'gate') {
      if (!stageAtLeast(state.stage, 'planned'))
        throw new StageFailure({
          stage: 'gate',
          code: 'CAMPAIGN_NOT_REVIEWED',
          message: 'no dry run was made and reviewed: run bascule batch plan first (or batch run --approve-all)',
        });
      // A project the operator steps created had no dry run at review time: it is made now, and must only create.
      if (state.operator?.createdProject === true && !pipeline.hasSavedDryRun()) await pipeline.dryRunNewProject(state);
      else await pipeline.checkReviewed();
      state.stage = 'applying';
    } else if (stage === 'apply') {
      // Server disks and volumes are copied by jobs of their own first; the apply waits for them, holding no job.
      const { plan, items } = await pipeline.copies();
      const copies = new ProjectCopies(ctx.db, { campaign: data.campaign, project: data.project, plan });
      const rows = items.length > 0 ? await copies.register(items, data.run, job.lease) : [];
      const waiting = rows.filter((r) => r.status === 'pending');
      if (waiting.length > 0) {
        await store.saveArtifacts(project.id);
        await emit({ type: 'project.stage', project: project.id, wave: project.wave, stage: 'copy', at: now() });
        const at = { campaign: data.campaign, project: data.project, run: data.run, plan };
        return {
          then: { queue: COPY_QUEUE, jobs: waiting.map((r) => copyJobOf(at, r.item, options.leaseSeconds)) },
        };
      }
      const failed = rows.filter((r) => r.status === 'failed');
      if (failed.length > 0)
        throw new StageFailure({
          stage: 'apply',
          code: 'CAMPAIGN_COPY_FAILED',
          message: `${failed.length} cop${failed.length === 1 ? 'y' : 'ies'} failed; first ${failed[0]!.entry}: ${failed[0]!.error}; nothing was created from ${failed.length === 1 ? 'it' : 'them'}`,
        });
      env.preparedCopies = preparedFrom(rows);
      copiedBytes = rows.reduce((n, r) => n + (r.result?.bytes ?? 0), 0);
      await pipeline.apply(state);
      if (state.bytes) state.bytes.moved += copiedBytes;
      state.stage = 'applied';
    } else {
      await pipeline.audit(state);
      state.stage = 'audited';
    }
    await store.saveArtifacts(project.id);
    const next = nextStage(state, options, operatorSteps);
    state.durationMs = (state.durationMs ?? 0) + (Date.now() - started);
    if (next) {
      await save();
      outcome = queueNext(next);
    } else {
      state.status = options.mode === 'plan' ? 'reviewable' : 'done';
      terminal = true;
    }
  } catch (error) {
    // A lost lease or a stop: the job is another worker's now (or handed back), nothing of it is recorded here.
    if (isLeaseLost(error) || job.signal.aborted) throw error;
    const failure = failureOf(stage, error);
    state.failure = failure;
    state.status = 'failed';
    state.durationMs = (state.durationMs ?? 0) + (Date.now() - started);
    await store.saveArtifacts(project.id);
    await emit({
      type: 'project.failed',
      project: project.id,
      wave: project.wave,
      stage,
      code: failure.code,
      message: failure.message,
      at: now(),
    });
    terminal = true;
  } finally {
    await pipeline.close();
  }
  if (terminal) {
    state.finishedAt = now();
    await save();
    await emit({ type: 'project.done', project: state.id, wave: state.wave, status: state.status, at: now() });
    await advance(base, ctx.boss, ctx.db);
  }
  return outcome;
}

/** Writes the project's mapping and given plan (kept in the database) into this host's work directory. */
async function localInputs(store: PgCampaignStore, project: CampaignProject): Promise<CampaignProject> {
  const out: CampaignProject = { ...project };
  const dir = join(store.workDir, 'inputs', project.id);
  for (const field of ['mapping', 'plan'] as const) {
    const name = project[field];
    if (name === undefined) continue;
    const body = await store.getArtifact(project.id, basename(name));
    if (body === undefined)
      throw new StageFailure({
        stage: 'export',
        code: 'CAMPAIGN_INPUT_MISSING',
        message: `the ${field} ${name} is not in the store`,
      });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, basename(name));
    await atomicWriteFile(path, body, 0o600);
    out[field] = path;
  }
  return out;
}
