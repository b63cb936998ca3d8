/**
 * `bascule batch --plans DIR|FILES --to B [--from A] [--mapping M] --journal-dir D [--parallel N]`: many projects,
 * each with its own journal (D/<plan>.journal.jsonl) and summary; a failure in one never stops the others.
 * `--to` and `--from` may contain `{project}`, replaced by each plan's source project name (clouds.yaml often has
 * one entry per project).
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import PQueue from 'p-queue';
import type { Argv } from 'yargs';
import { readPlan } from '../../plan/io.js';
import { EXIT, UsageError } from '../../shared/errors.js';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { serialise, table } from '../views/output.js';
import { runApply } from './apply.js';

interface BatchArgs {
  plans: string[];
  to: string;
  from?: string;
  mapping?: string;
  'journal-dir': string;
  parallel: number;
  concurrency: number;
  'dry-run'?: boolean;
  resume?: boolean;
  yes?: boolean;
}

export interface BatchItem {
  plan: string;
  project?: string;
  journal: string;
  exitCode: number;
  created?: number;
  updated?: number;
  unchanged?: number;
  failed?: number;
  skipped?: number;
  error?: string;
}

async function planFiles(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (!info) throw new UsageError('BATCH_NO_PLANS', `${input} does not exist`);
    if (info.isDirectory()) {
      for (const name of (await readdir(input)).sort())
        if (name.endsWith('.json') && !name.endsWith('.changes.json')) out.push(join(input, name));
    } else out.push(input);
  }
  if (out.length === 0) throw new UsageError('BATCH_NO_PLANS', 'no plan files (*.json) found');
  return out;
}

export const batchCommand = defineCommand<BatchArgs>({
  command: 'batch',
  describe: 'Apply many plans (one per project), each with its own journal and summary',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('plans', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'plan files, or directories of *.json plans',
      })
      .option('to', {
        type: 'string',
        demandOption: true,
        describe: "target cloud; {project} is replaced by the plan's project name",
      })
      .option('from', { type: 'string', describe: 'source cloud; {project} as for --to' })
      .option('mapping', { type: 'string', describe: 'mapping applied to every plan' })
      .option('journal-dir', { type: 'string', demandOption: true, describe: "where each plan's journal goes" })
      .option('parallel', { type: 'number', default: 2, describe: 'plans applied at once' })
      .option('concurrency', { type: 'number', default: 8, describe: 'entries in flight at once within a plan' })
      .option('dry-run', { type: 'boolean', default: false })
      .option('resume', { type: 'boolean', default: false, describe: "continue each plan's journal where it exists" })
      .option('yes', {
        type: 'boolean',
        alias: 'y',
        default: false,
        describe: 'required unless --dry-run',
      }) as unknown as Argv<BatchArgs>,
  async run(args, ctx) {
    if (!args['dry-run'] && !args.yes)
      throw new UsageError(
        'BATCH_NOT_CONFIRMED',
        'batch changes many projects: give --yes (review each with --dry-run first)',
      );
    if (!Number.isInteger(args.parallel) || args.parallel < 1)
      throw new UsageError('BATCH_BAD_PARALLEL', '--parallel must be a positive integer');
    const files = await planFiles(args.plans);
    // Every plan is validated before any cloud is touched: one bad plan is bad input for the batch.
    const projects = new Map<string, string>();
    for (const file of files) projects.set(file, (await readPlan(file)).plan.provenance.project.name);
    await mkdir(args['journal-dir'], { recursive: true });
    const queue = new PQueue({ concurrency: args.parallel });
    const items: BatchItem[] = [];
    await Promise.all(
      files.map((file) =>
        queue.add(async () => {
          const project = projects.get(file)!;
          const journal = join(args['journal-dir'], `${basename(file).replace(/\.json$/, '')}.journal.jsonl`);
          const item: BatchItem = { plan: file, project, journal, exitCode: EXIT.FAILED };
          try {
            const run = await runApply(
              {
                plan: file,
                to: args.to.replaceAll('{project}', project),
                ...(args.from ? { from: args.from.replaceAll('{project}', project) } : {}),
                ...(args.mapping ? { mapping: args.mapping } : {}),
                journal,
                'dry-run': args['dry-run'] ?? false,
                resume: args.resume ?? false,
                yes: true,
                concurrency: args.concurrency,
              },
              ctx,
              { print: false, prompt: false },
            );
            item.exitCode = run.exitCode;
            if (run.result)
              Object.assign(item, {
                created: run.result.summary.created,
                updated: run.result.summary.updated,
                unchanged: run.result.summary.unchanged,
                failed: run.result.summary.failed,
                skipped: run.result.summary.skipped,
              });
            else if (!run.changes.ok) item.error = 'blocked or in conflict (see --dry-run)';
          } catch (error) {
            item.error = (error as Error).message;
            item.exitCode = (error as { exitCode?: number }).exitCode ?? EXIT.FAILED;
          }
          items.push(item);
          if (!ctx.quiet && ctx.format === 'table')
            ctx.stderr(`${item.exitCode === 0 ? 'done  ' : 'FAILED'} ${file}${item.error ? `: ${item.error}` : ''}\n`);
        }),
      ),
    );
    items.sort((a, b) => files.indexOf(a.plan) - files.indexOf(b.plan));
    if (ctx.format === 'table') {
      ctx.stdout(
        table(
          ['plan', 'project', 'exit', 'created', 'updated', 'unchanged', 'failed', 'skipped', 'journal / error'],
          items.map((i) => [
            i.plan,
            i.project,
            i.exitCode,
            i.created ?? '',
            i.updated ?? '',
            i.unchanged ?? '',
            i.failed ?? '',
            i.skipped ?? '',
            i.error ?? i.journal,
          ]),
        ),
      );
      const bad = items.filter((i) => i.exitCode !== 0).length;
      ctx.stdout(`\n${items.length - bad} of ${items.length} plans done${bad ? `, ${bad} failed` : ''}\n`);
    } else {
      ctx.stdout(serialise({ items }, ctx.format));
    }
    return items.every((i) => i.exitCode === 0) ? EXIT.OK : EXIT.FAILED;
  },
});
