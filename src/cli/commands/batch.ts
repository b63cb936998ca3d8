/**
 * `bascule batch plan|run|status|report|rollback CAMPAIGN`: a migration campaign (src/campaign): waves of projects,
 * each through export -> saved dry run -> review -> apply of that dry run -> audit, with its files in the campaign
 * directory. This file only wires flags to the campaign layer and shows what it reports.
 */
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type pg from 'pg';
import type { Argv } from 'yargs';
import { CampaignInvalidError, loadCampaign } from '../../campaign/load.js';
import type { CampaignEnv } from '../../campaign/pipeline.js';
import { buildReport } from '../../campaign/report.js';
import { rollbackProjects, runCampaign, selectProjects, type RunOptions } from '../../campaign/run.js';
import { FileCampaignStore, type CampaignStore } from '../../campaign/store.js';
import type { StoreUrl } from '../../campaign/postgres/connection.js';
import type * as CampaignQueue from '../../campaign/postgres/campaign-queue.js';
import type * as Leases from '../../campaign/postgres/lease.js';
import type * as Queue from '../../campaign/postgres/queue.js';
import type { PgCampaignStore } from '../../campaign/postgres/store.js';
import type { Campaign, CampaignEvent } from '../../campaign/types.js';
import { coalesced } from '../../shared/async.js';
import { EXIT, UsageError } from '../../shared/errors.js';
import { numberFlag } from '../options.js';
import { defineCommand } from '../command.js';
import type { GlobalArgs, RunContext } from '../context.js';
import { auditHtml, auditMarkdown } from '../views/audit-report.js';
import {
  CampaignProgress,
  campaignEventLine,
  campaignHtml,
  campaignMarkdown,
  campaignStatusTable,
} from '../views/campaign.js';
import { serialise, table } from '../views/output.js';
import { startProgress } from '../views/progress.js';

interface CampaignArgs {
  campaign: string;
  dir?: string;
  store?: string;
  wave?: string[];
  project?: string[];
}

interface RunArgs extends CampaignArgs {
  'parallel-projects': number;
  'max-transfers': number;
  'max-transfers-per-source'?: number;
  'lease-seconds': number;
  'max-failures'?: number;
  'approve-all'?: boolean;
  resume?: boolean;
  yes?: boolean;
}

const list = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));

function common<T>(y: Argv<GlobalArgs>): Argv<T> {
  return y
    .positional('campaign', { type: 'string', demandOption: true, describe: 'the campaign file (YAML or JSON)' })
    .option('dir', {
      type: 'string',
      describe: "the campaign directory (projects' files, events, report); default: the campaign file's directory",
    })
    .option('store', {
      type: 'string',
      describe:
        'the campaign state in PostgreSQL, postgres://user:password@host/db (env: BASCULE_STORE), shared by bascule worker on several hosts; default: files in --dir',
    })
    .option('wave', { type: 'string', array: true, describe: 'only these waves (repeatable)' })
    .option('project', {
      type: 'string',
      array: true,
      describe: 'only these projects (their ids; repeatable)',
    }) as unknown as Argv<T>;
}

interface Opened {
  campaign: Campaign;
  store: CampaignStore;
  /** The PostgreSQL store (--store or BASCULE_STORE), when the campaign is shared by workers. */
  shared?: SharedStore;
  close(): Promise<void>;
}

interface SharedStore {
  store: PgCampaignStore;
  db: pg.Pool;
  url: StoreUrl;
  pg: typeof CampaignQueue;
  lease: typeof Leases;
  queue: typeof Queue;
}

async function open(args: CampaignArgs, ctx: RunContext): Promise<Opened> {
  let campaign: Campaign;
  try {
    campaign = await loadCampaign(args.campaign);
  } catch (error) {
    if (error instanceof CampaignInvalidError) ctx.stderr(error.report());
    throw error;
  }
  // The PostgreSQL modules are loaded only when a store is named: a campaign on files does not pay for them.
  const named = (args.store ?? '') !== '' || (process.env.BASCULE_STORE ?? '') !== '';
  if (!named)
    return { campaign, store: new FileCampaignStore(args.dir ?? dirname(campaign.file)), close: async () => {} };
  const url = (await import('./store-option.js')).storeUrlOf(args.store)!;
  const { openPool } = await import('../../campaign/postgres/connection.js');
  const { PgCampaignStore } = await import('../../campaign/postgres/store.js');
  const db = await openPool(url);
  const store = new PgCampaignStore(db, url, campaign.name);
  return {
    campaign,
    store,
    shared: {
      store,
      db,
      url,
      pg: await import('../../campaign/postgres/campaign-queue.js'),
      lease: await import('../../campaign/postgres/lease.js'),
      queue: await import('../../campaign/postgres/queue.js'),
    },
    close: () => db.end(),
  };
}

function env(ctx: RunContext, onProgress?: CampaignEnv['onProgress']): CampaignEnv {
  return {
    cloudsFiles: ctx.cloudsFiles,
    logger: ctx.logger,
    signal: ctx.signal,
    renderAudit: (report) => [
      { ext: 'md', text: auditMarkdown(report) },
      { ext: 'html', text: auditHtml(report) },
    ],
    ...(onProgress ? { onProgress } : {}),
  };
}

/** Rewrites report.json, report.md and report.html from the store (into it, or into `into`: another store). */
async function writeReport(
  campaign: Campaign,
  store: CampaignStore,
  live: boolean,
  into: Pick<CampaignStore, 'writeReport'> = store,
): Promise<string[]> {
  const report = buildReport(campaign, await store.all());
  return [
    await into.writeReport('report.json', serialise(report, 'json')),
    await into.writeReport('report.md', campaignMarkdown(report, store.location)),
    await into.writeReport('report.html', campaignHtml(report, store.location, live)),
  ];
}

async function execute(mode: 'plan' | 'run', args: RunArgs, ctx: RunContext): Promise<number> {
  const opened = await open(args, ctx);
  if (opened.shared) {
    try {
      return await enqueueShared(mode, args, opened.campaign, opened.shared, ctx);
    } finally {
      await opened.close();
    }
  }
  const { campaign, store } = opened;
  const view = new CampaignProgress(campaign.waves.length);
  const spinner = startProgress(ctx, `campaign ${campaign.name}`);
  // The live report (read from every project's state) is rewritten after the events, not at each one: at most one
  // write at a time, a second or more apart (coalesced); at every event it was quadratic in the campaign's size.
  const live = coalesced(() => writeReport(campaign, store, true));
  const rewrite = live.request;
  const onEvent = (event: CampaignEvent) => {
    view.event(event);
    if (ctx.format === 'json') ctx.stdout(`${JSON.stringify(event)}\n`);
    else if (!ctx.quiet && !ctx.interactive) {
      const line = campaignEventLine(event);
      if (line) ctx.stderr(`${line}\n`);
    }
    spinner.update(view.line());
    if (event.type === 'project.done' || event.type === 'project.stage' || event.type === 'wave.done') rewrite();
  };
  const options: RunOptions = {
    mode,
    approveAll: args['approve-all'] ?? false,
    resume: args.resume ?? false,
    waves: list(args.wave),
    projects: list(args.project),
    parallelProjects: args['parallel-projects'],
    maxTransfers: args['max-transfers'],
    ...(args['max-failures'] === undefined ? {} : { maxFailures: args['max-failures'] }),
    onEvent,
  };
  let outcome;
  try {
    outcome = await runCampaign(
      campaign,
      store,
      env(ctx, (project, p) => {
        view.progress(project, p);
        spinner.update(view.line());
      }),
      options,
    );
  } finally {
    spinner.stop();
    await live.stop();
  }
  const files = await writeReport(campaign, store, false);
  const report = buildReport(campaign, await store.all());
  if (ctx.format === 'table') {
    ctx.stdout(campaignStatusTable(report));
    if (!ctx.quiet) ctx.stderr(`report: ${files.join(', ')}\n`);
    if (mode === 'plan' && report.totals.reviewable > 0 && !ctx.quiet)
      ctx.stderr(
        `review each project's saved dry run (projects/<id>/changes.json in the campaign directory, and operator.json for its operator steps), then: bascule batch run ${args.campaign}\n`,
      );
  } else if (ctx.format === 'yaml') ctx.stdout(serialise(report, 'yaml'));
  if (outcome.interrupted) return EXIT.INTERRUPTED;
  const mine = outcome.projects;
  if (outcome.stopped || mine.some((s) => s.status === 'failed' || s.status === 'interrupted')) return EXIT.FAILED;
  if (mine.some((s) => s.audit !== undefined && !s.audit.clean)) return EXIT.DIFFERENCES;
  return EXIT.OK;
}

/** `batch plan|run --store`: queues the campaign for the workers and says how to follow it. */
async function enqueueShared(
  mode: 'plan' | 'run',
  args: RunArgs,
  campaign: Campaign,
  shared: SharedStore,
  ctx: RunContext,
): Promise<number> {
  const lease = args['lease-seconds'];
  const boss = await shared.queue.startBoss(shared.url);
  let outcome;
  try {
    outcome = await shared.pg.enqueueCampaign(campaign, shared.store, boss, shared.db, {
      mode,
      approveAll: args['approve-all'] ?? false,
      resume: args.resume ?? false,
      waves: list(args.wave),
      projects: list(args.project),
      maxTransfers: args['max-transfers'],
      maxTransfersPerSource: args['max-transfers-per-source'] ?? args['max-transfers'],
      parallelProjects: args['parallel-projects'],
      leaseSeconds: lease,
      ...(args['max-failures'] !== undefined ? { maxFailures: args['max-failures'] } : {}),
    });
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
  }
  if (ctx.format === 'table') {
    ctx.stdout(
      `campaign ${campaign.name}: ${outcome.queued.length} project${outcome.queued.length === 1 ? '' : 's'} queued in ${shared.url.display} (run ${outcome.run})\n`,
    );
    for (const s of outcome.skipped) ctx.stdout(`  ${s.id}: not queued (${s.why})\n`);
    if (!ctx.quiet)
      ctx.stderr(
        `workers run them: bascule worker --store ${shared.url.display} (one per host); follow: bascule batch status ${args.campaign} --store ...\n`,
      );
  } else ctx.stdout(serialise(outcome, ctx.format));
  return EXIT.OK;
}

function runFlags(y: Argv<GlobalArgs>, mode: 'plan' | 'run'): Argv<RunArgs> {
  let out = common<RunArgs>(y)
    .option(
      'parallel-projects',
      numberFlag('parallel-projects', { min: 1, max: 1024, default: 4, describe: 'projects of a wave run at once' }),
    )
    .option(
      'max-transfers',
      numberFlag('max-transfers', {
        min: 1,
        max: 1024,
        default: 4,
        describe: 'data transfers (images, disks, volumes) at once across all projects',
      }),
    )
    .option(
      'max-failures',
      numberFlag('max-failures', {
        min: 0,
        max: 100_000,
        describe: "stop the campaign when more projects of a wave fail (overrides each wave's max_failures)",
      }),
    )
    .option(
      'max-transfers-per-source',
      numberFlag('max-transfers-per-source', {
        min: 1,
        max: 1024,
        describe:
          'with --store: data transfers at once from one source cloud, across all workers (default: --max-transfers)',
      }),
    )
    .option(
      'lease-seconds',
      numberFlag('lease-seconds', {
        min: 10,
        max: 86_400,
        default: 300,
        describe: "with --store: a job's lease in seconds; a worker that dies or stops loses its job after this long",
      }),
    ) as unknown as Argv<RunArgs>;
  if (mode === 'run')
    out = out
      .option('approve-all', {
        type: 'boolean',
        default: false,
        describe: 'make each dry run and apply it without a review (no batch plan needed)',
      })
      .option('resume', {
        type: 'boolean',
        default: false,
        describe: 'continue projects that stopped while applying (Ctrl-C, kill -9, a failure), from their journals',
      });
  return out;
}

export const batchPlan = defineCommand<RunArgs>({
  command: 'plan <campaign>',
  describe: 'Export each project and save its dry run for review (nothing is changed on any target)',
  builder: (y) =>
    runFlags(y, 'plan').example(
      '$0 batch plan pi.yaml --parallel-projects 8',
      'export and dry-run every project; review projects/<id>/changes.json',
    ),
  run: (args, ctx) => execute('plan', args, ctx),
});

export const batchRun = defineCommand<RunArgs>({
  command: 'run <campaign>',
  describe: 'Apply what batch plan saved (refusing stale dry runs), then audit; waves in order',
  builder: (y) =>
    runFlags(y, 'run')
      .example('$0 batch run pi.yaml --wave w1', 'apply the reviewed dry runs of wave w1, then audit')
      .example('$0 batch run pi.yaml --resume', 'after Ctrl-C or kill -9: redo only what is unfinished'),
  run: (args, ctx) => execute('run', args, ctx),
});

export const batchStatus = defineCommand<CampaignArgs>({
  command: 'status <campaign>',
  describe: 'Where the campaign stands, from its files (or its --store, from any host)',
  builder: (y) => common<CampaignArgs>(y),
  async run(args, ctx) {
    const { campaign, store, close } = await open(args, ctx);
    let states;
    try {
      states = await store.all();
    } finally {
      await close();
    }
    const report = buildReport(campaign, states);
    const waves = list(args.wave);
    const projects = list(args.project);
    for (const w of report.waves)
      w.projects = w.projects.filter(
        (p) => (waves.length === 0 || waves.includes(p.wave)) && (projects.length === 0 || projects.includes(p.id)),
      );
    report.waves = report.waves.filter((w) => w.projects.length > 0 || (waves.length === 0 && projects.length === 0));
    ctx.stdout(ctx.format === 'table' ? campaignStatusTable(report) : serialise(report, ctx.format));
    return EXIT.OK;
  },
});

export const batchReport = defineCommand<CampaignArgs>({
  command: 'report <campaign>',
  describe: 'Write the campaign report (report.json, report.md, report.html in the campaign directory)',
  builder: (y) => common<CampaignArgs>(y),
  async run(args, ctx) {
    const { campaign, store, shared, close } = await open(args, ctx);
    let files;
    try {
      files = await writeReport(campaign, store, false);
      // From a shared store, the report is also written here (the campaign directory) for this host to read.
      if (shared)
        files = await writeReport(campaign, store, false, new FileCampaignStore(args.dir ?? dirname(campaign.file)));
    } finally {
      await close();
    }
    if (ctx.format === 'table') ctx.stdout(`${files.join('\n')}\n`);
    else ctx.stdout(serialise({ files }, ctx.format));
    return EXIT.OK;
  },
});

/**
 * Rollback from a shared store: each project under its lease (so no worker can write to it meanwhile), refused
 * for a project a worker has queued or is running.
 */
async function rollbackShared(
  campaign: Campaign,
  shared: SharedStore,
  runEnv: CampaignEnv,
  selection: { waves: string[]; projects: string[] },
): Promise<Awaited<ReturnType<typeof rollbackProjects>>> {
  const selected = selectProjects(campaign, selection.waves, selection.projects);
  for (const p of selected) {
    const state = await shared.store.get(p.id);
    if (state?.status === 'queued' || state?.status === 'running')
      throw new UsageError(
        'CAMPAIGN_BUSY',
        `${p.id} is ${state.status} on a worker: wait for it to end, then roll back`,
      );
  }
  const out: Awaited<ReturnType<typeof rollbackProjects>> = [];
  const owner = `rollback@${hostname()}:${process.pid}`;
  for (const p of selected) {
    const lease = await shared.lease.claimLease(shared.db, `${campaign.name}/${p.id}`, owner, 3600);
    try {
      out.push(
        ...(await rollbackProjects(campaign, shared.store.withLease(lease, owner), runEnv, { projects: [p.id] })),
      );
    } finally {
      await shared.lease.releaseLease(shared.db, lease);
    }
  }
  return out;
}

export const batchRollback = defineCommand<CampaignArgs & { yes?: boolean }>({
  command: 'rollback <campaign>',
  describe: 'Undo what the campaign created for one project (--project) or a wave (--wave), from their journals',
  builder: (y) =>
    common<CampaignArgs & { yes?: boolean }>(y).option('yes', {
      type: 'boolean',
      alias: 'y',
      default: false,
      describe: 'required: rollback deletes what Bascule created',
    }),
  async run(args, ctx) {
    const waves = list(args.wave);
    const projects = list(args.project);
    if (waves.length === 0 && projects.length === 0)
      throw new UsageError('BATCH_ROLLBACK_SCOPE', 'name what to roll back: --project ID or --wave NAME');
    if (!args.yes) throw new UsageError('BATCH_NOT_CONFIRMED', 'rollback deletes what Bascule created: give --yes');
    const { campaign, store, shared, close } = await open(args, ctx);
    let results;
    try {
      results = shared
        ? await rollbackShared(campaign, shared, env(ctx), { waves, projects })
        : await rollbackProjects(campaign, store, env(ctx), { waves, projects });
      await writeReport(campaign, store, false);
    } finally {
      await close();
    }
    if (ctx.format === 'table')
      ctx.stdout(
        table(
          ['project', 'ok', 'deleted', 'kept', 'failed', 'operator steps undone', 'error'],
          results.map((r) => [
            r.id,
            r.ok ? 'yes' : 'no',
            r.deleted,
            r.kept,
            r.failed,
            r.operator
              ? [
                  `${r.operator.revoked} role grant(s) revoked`,
                  `${r.operator.quotasRestored} quota set(s) restored`,
                  ...(r.operator.projectDeleted ? ['project deleted'] : []),
                  ...r.operator.kept,
                ].join(', ')
              : '',
            r.error ?? '',
          ]),
        ),
      );
    else ctx.stdout(serialise({ results }, ctx.format));
    return results.every((r) => r.ok) ? EXIT.OK : EXIT.FAILED;
  },
});
