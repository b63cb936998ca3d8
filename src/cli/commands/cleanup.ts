/**
 * `bascule cleanup --journal FILE`: remove the temporaries (snapshots, images, Cinder volumes and snapshots) that a
 * journal says Bascule made on either cloud and did not remove, and with --restart-source start the source servers it
 * stopped. Nothing else is touched.
 */
import type { Argv } from 'yargs';
import { cleanupWorkload } from '../../engine/cleanup.js';
import { readJournal } from '../../engine/journal.js';
import { EXIT, UsageError } from '../../shared/errors.js';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { osCloud } from '../options.js';
import { serialise } from '../views/output.js';
import { renderCleanupTable } from '../views/apply-table.js';
import { connectClouds } from './apply.js';
import { sourceCloudFor } from './rollback.js';

interface CleanupArgs {
  journal: string;
  'os-cloud'?: string;
  from?: string;
  'dry-run'?: boolean;
  'restart-source'?: boolean;
}

export const cleanupCommand = defineCommand<CleanupArgs>({
  command: 'cleanup',
  describe: 'Remove the temporary snapshots, images and volumes a journal says Bascule left on either cloud',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('journal', { type: 'string', demandOption: true, describe: 'the journal of the apply' })
      .option('os-cloud', { ...osCloud, describe: "the target cloud (default: the journal's)" })
      .option('from', { type: 'string', describe: "the source cloud (default: the journal's)" })
      .option('dry-run', { type: 'boolean', default: false, describe: 'only list what would be removed' })
      .option('restart-source', {
        type: 'boolean',
        default: false,
        describe: 'also start the source servers Bascule stopped for a copy and did not start again',
      }) as unknown as Argv<CleanupArgs>,
  async run(args, ctx) {
    const records = await readJournal(args.journal);
    const first = records[0];
    if (!first || first.t !== 'run') throw new UsageError('JOURNAL_EMPTY', `${args.journal} records no run`);
    const clouds = await connectClouds(ctx, args['os-cloud'] ?? first.target.cloud, sourceCloudFor(records, args.from));
    try {
      const result = await cleanupWorkload(
        { target: clouds.target, ...(clouds.source ? { source: clouds.source } : {}) },
        {
          journalPath: args.journal,
          dryRun: args['dry-run'] ?? false,
          restartSource: args['restart-source'] ?? false,
          signal: ctx.signal,
        },
      );
      ctx.stdout(ctx.format === 'table' ? renderCleanupTable(result) : serialise(result, ctx.format));
      return result.ok ? EXIT.OK : EXIT.FAILED;
    } finally {
      await clouds.close();
    }
  },
});
