/** `bascule rollback --journal FILE --os-cloud T`: undo what that journal says Bascule did, and nothing else. */
import type { Argv } from 'yargs';
import { journalState, readJournal, type JournalRecord } from '../../engine/journal.js';
import { rollback } from '../../engine/rollback.js';
import { EXIT, UsageError } from '../../shared/errors.js';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { osCloud } from '../options.js';
import { renderRollbackJson } from '../views/apply-json.js';
import { renderEventLine, renderRollbackTable } from '../views/apply-table.js';
import { canPrompt, connectClouds, engineDeps } from './apply.js';
import { createInterface } from 'node:readline/promises';

interface RollbackArgs {
  journal: string;
  'os-cloud'?: string;
  from?: string;
  yes?: boolean;
  'dry-run'?: boolean;
}

/** The source cloud to connect: --from, else the journal's when it records something there. */
export function sourceCloudFor(records: readonly JournalRecord[], from: string | undefined): string | undefined {
  if (from) return from;
  const first = records[0];
  const state = journalState(records);
  const needs = [...state.temporaries.values()].some((t) => t.side === 'source') || state.stopped.size > 0;
  return needs && first?.t === 'run' ? first.source?.cloud : undefined;
}

export const rollbackCommand = defineCommand<RollbackArgs>({
  command: 'rollback',
  describe: 'Delete, in reverse dependency order, what a journal says Bascule created (and still carries its marker)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('journal', { type: 'string', demandOption: true, describe: 'the journal of the apply to undo' })
      .option('os-cloud', osCloud)
      .option('from', {
        type: 'string',
        describe:
          "the source cloud, for the temporaries and stopped servers the journal records there (default: the journal's)",
      })
      .option('dry-run', { type: 'boolean', default: false, describe: 'only list what would be deleted' })
      .option('yes', {
        type: 'boolean',
        alias: 'y',
        default: false,
        describe: 'do it without asking (needed without a terminal)',
      }) as unknown as Argv<RollbackArgs>,
  async run(args, ctx) {
    const records = await readJournal(args.journal);
    const first = records[0];
    if (!first || first.t !== 'run') throw new UsageError('JOURNAL_EMPTY', `${args.journal} records no run`);
    const cloudName = args['os-cloud'] ?? first.target.cloud;
    if (!args['dry-run'] && !args.yes && !canPrompt())
      throw new UsageError(
        'ROLLBACK_NOT_CONFIRMED',
        'refusing to delete without confirmation: not on a terminal and no --yes',
      );
    const clouds = await connectClouds(ctx, cloudName, sourceCloudFor(records, args.from));
    try {
      const lines = ctx.format === 'table' && !ctx.quiet;
      const deps = await engineDeps(ctx, clouds, {
        concurrency: 1,
        onEvent: (event) => {
          const line = lines ? renderEventLine(event) : undefined;
          if (line) ctx.stderr(`${line}\n`);
        },
      });
      if (!args['dry-run'] && !args.yes) {
        const preview = await rollback({ ...deps, onEvent: () => {} }, { journalPath: args.journal, dryRun: true });
        ctx.stdout(renderRollbackTable(preview));
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(`Delete these from ${clouds.target.name}? [y/N] `).catch(() => '');
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) return EXIT.FAILED;
      }
      const result = await rollback(deps, { journalPath: args.journal, dryRun: args['dry-run'] ?? false });
      ctx.stdout(ctx.format === 'table' ? renderRollbackTable(result) : renderRollbackJson(result, ctx.format));
      return result.ok ? EXIT.OK : EXIT.FAILED;
    } finally {
      await clouds.close();
    }
  },
});
