import type { Argv } from 'yargs';
import { DEFAULT_MAX_BYTES, validatePlanFile } from '../../plan/io.js';
import { formatIssues, hasErrors } from '../../plan/validate.js';
import { EXIT } from '../../shared/errors.js';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { maxEntries, numberFlag } from '../options.js';
import { serialise } from '../views/output.js';

interface ValidateArgs {
  plan: string;
  'max-bytes': number;
  'max-entries': number;
}

/** `bascule validate PLAN`: every problem of a plan file at once; exit 2 on any error. */
export const validateCommand = defineCommand<ValidateArgs>({
  command: 'validate <plan>',
  describe: 'Check a plan file against the plan schema and rules, and list every problem',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('plan', { type: 'string', demandOption: true, describe: 'the plan file (JSON)' })
      .option(
        'max-bytes',
        numberFlag('max-bytes', {
          min: 1,
          max: 4 * 1024 * 1024 * 1024,
          default: DEFAULT_MAX_BYTES,
          describe: 'refuse plan files larger than this',
        }),
      )
      .option('max-entries', maxEntries) as unknown as Argv<ValidateArgs>,
  async run(args, ctx) {
    const result = await validatePlanFile(args.plan, { maxBytes: args['max-bytes'], maxEntries: args['max-entries'] });
    const failed = hasErrors(result.issues);
    if (ctx.format === 'table') {
      ctx.stdout(formatIssues(result.issues, { file: args.plan }));
    } else {
      const errors = result.issues.filter((i) => i.severity === 'error').length;
      ctx.stdout(
        serialise(
          {
            file: args.plan,
            valid: !failed,
            errors,
            warnings: result.issues.length - errors,
            resources: result.plan?.resources.length ?? null,
            issues: result.issues,
          },
          ctx.format,
        ),
      );
    }
    return failed ? EXIT.USAGE : EXIT.OK;
  },
});
