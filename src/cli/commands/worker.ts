/**
 * `bascule worker --store postgres://...`: runs the stage jobs of every campaign queued in the store (by
 * `bascule batch run --store`), `--concurrency` at a time, with this host's clouds.yaml. SIGTERM (or Ctrl-C) stops
 * it gracefully: no new job; running jobs get `--grace` seconds to finish, then are handed back to the queue for
 * another worker to continue from their journals.
 */
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { applyAfterCopies, runStageJob, STAGE_QUEUE } from '../../campaign/postgres/campaign-queue.js';
import { COPY_QUEUE, runCopyJob } from '../../campaign/postgres/copies.js';
import type { CampaignEvent } from '../../campaign/types.js';
import type { AuditReport } from '../../diff/report.js';
import { openPool } from '../../campaign/postgres/connection.js';
import { QueueWorker, startBoss, type WorkerOptions } from '../../campaign/postgres/queue.js';
import { listClouds } from '../../openstack/index.js';
import { EXIT, UsageError } from '../../shared/errors.js';
import { defineCommand } from '../command.js';
import { numberFlag } from '../options.js';
import type { GlobalArgs } from '../context.js';
import { auditHtml, auditMarkdown } from '../views/audit-report.js';
import { campaignEventLine } from '../views/campaign.js';
import { storeUrlOf } from './store-option.js';

interface WorkerArgs {
  store?: string;
  concurrency: number;
  'work-dir'?: string;
  grace: number;
  'poll-seconds': number;
  'maintenance-seconds': number;
}

export const workerCommand = defineCommand<WorkerArgs>({
  command: 'worker',
  describe: 'Run the jobs of campaigns queued in a PostgreSQL store (batch run --store), until SIGTERM',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('store', {
        type: 'string',
        describe: 'the campaign store, postgres://user:password@host/db (env: BASCULE_STORE)',
      })
      .option(
        'concurrency',
        numberFlag('concurrency', { min: 1, max: 64, default: 2, describe: 'jobs (project stages) run at once' }),
      )
      .option('work-dir', {
        type: 'string',
        describe:
          "where this worker keeps its copies of the projects' files (default: a folder of its own in the temp dir; give each worker of a host its own)",
      })
      .option(
        'grace',
        numberFlag('grace', {
          min: 0,
          max: 86_400,
          default: 30,
          describe: 'on SIGTERM, seconds the running jobs get to finish before they are handed back',
        }),
      )
      .option(
        'poll-seconds',
        numberFlag('poll-seconds', {
          min: 0.1,
          max: 60,
          integer: false,
          default: 2,
          describe: 'how often an idle worker asks for a job',
        }),
      )
      .option(
        'maintenance-seconds',
        numberFlag('maintenance-seconds', {
          min: 1,
          max: 3600,
          default: 30,
          describe: 'how often this worker looks for jobs whose worker died (expired leases) and puts them back',
        }),
      )
      .example('$0 worker --store postgres://bascule@db.example/bascule --concurrency 4', 'one worker per host')
      .example('BASCULE_STORE=postgres://... $0 worker', 'the URL from the environment') as unknown as Argv<WorkerArgs>,
  async run(args, ctx) {
    const url = storeUrlOf(args.store);
    if (!url)
      throw new UsageError('WORKER_NO_STORE', 'bascule worker needs --store postgres://... (or BASCULE_STORE)', {
        hint: 'the store is the PostgreSQL database that batch run --store queued the campaign in',
      });
    // This host's clouds.yaml is read now: a missing or broken one is exit 2 before the store is touched.
    const clouds = await listClouds({ files: ctx.cloudsFiles });
    const concurrency = args.concurrency;
    const maintenance = args['maintenance-seconds'];
    const owner = `${hostname()}:${process.pid}`;
    const say = (line: string) => {
      if (!ctx.quiet) ctx.stderr(`${line}\n`);
    };
    // A running job holds a connection for a fenced write, another at times for its heartbeat or its slots.
    const db = await openPool(url, { max: concurrency * 4 + 4 });
    let boss;
    try {
      boss = await startBoss(url, {
        maintenanceIntervalSeconds: maintenance,
        onError: (message) => say(`worker ${owner}: queue: ${message}`),
      });
    } catch (error) {
      await db.end().catch(() => undefined);
      throw error;
    }
    // One folder per worker process: two workers of a host (or a job a stopped worker still holds and its new owner)
    // would otherwise write the same project's local copies over each other.
    const workDir =
      args['work-dir'] ?? join(tmpdir(), `bascule-worker-${process.getuid?.() ?? 'u'}`, String(process.pid));
    const jobContext = {
      db,
      boss,
      url,
      owner,
      workDir,
      env: {
        cloudsFiles: ctx.cloudsFiles,
        logger: ctx.logger,
        renderAudit: (report: AuditReport) => [
          { ext: 'md', text: auditMarkdown(report) },
          { ext: 'html', text: auditHtml(report) },
        ],
      },
      onEvent: (event: CampaignEvent) => {
        if (ctx.format === 'json') ctx.stdout(`${JSON.stringify(event)}\n`);
        else {
          const line = campaignEventLine(event);
          if (line) say(line);
        }
      },
    };
    const options = (queue: string): WorkerOptions => ({
      queue,
      concurrency,
      owner,
      pollingIntervalSeconds: args['poll-seconds'],
      onEvent: (e) => {
        if (ctx.format === 'json') ctx.stdout(`${JSON.stringify({ type: e.type, key: e.key, worker: owner })}\n`);
        else say(`worker ${owner}: ${e.type.replace('job.', '')} ${e.key}${e.message ? `: ${e.message}` : ''}`);
      },
    });
    // Two queues: the projects' stages, and their server disk and volume copies (--concurrency of each at once;
    // the copies' data transfers are capped across all workers by the campaign's --max-transfers).
    const workers = [
      new QueueWorker(boss, db, options(STAGE_QUEUE), (job) => runStageJob(job, jobContext)),
      new QueueWorker(boss, db, options(COPY_QUEUE), (job) => runCopyJob(job, jobContext, applyAfterCopies)),
    ];
    say(
      `worker ${owner}: serving ${url.display} (${concurrency} at once), clouds from ${clouds.path ?? 'the environment'}${clouds.names.length > 0 ? ` (${clouds.names.join(', ')})` : ''}`,
    );
    const stopping = new Promise<void>((resolve) => {
      const stop = () => {
        say(`worker ${owner}: stopping (running jobs get ${args.grace} s, then go back to the queue)`);
        void Promise.all(workers.map((w) => w.stop(args.grace * 1000))).then(() => resolve(), resolve);
      };
      if (ctx.signal.aborted) stop();
      else ctx.signal.addEventListener('abort', stop, { once: true });
    });
    try {
      await Promise.all(workers.map((w) => w.run()));
      await stopping;
    } finally {
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      await db.end().catch(() => undefined);
    }
    say(`worker ${owner}: stopped`);
    return EXIT.OK;
  },
});
