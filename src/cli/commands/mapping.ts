import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { formatMappingIssues, invertMapping, stringifyMapping, validateMappingFile } from '../../mapping/index.js';
import { hasErrors } from '../../plan/validate.js';
import { EXIT, UsageError } from '../../shared/errors.js';
import { atomicWriteFile } from '../../shared/fs.js';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { serialise } from '../views/output.js';

interface FileArgs {
  file: string;
}

interface InvertArgs extends FileArgs {
  output?: string;
}

/** `bascule mapping validate FILE`: every problem of a mapping file at once; exit 0 when valid, 2 when not. */
export const mappingValidate = defineCommand<FileArgs>({
  command: 'validate <file>',
  describe: 'Check a mapping file (YAML or JSON) and list every problem with its path, line and a hint',
  builder: (y: Argv<GlobalArgs>) => y.positional('file', { type: 'string', demandOption: true, describe: 'the mapping file' }) as unknown as Argv<FileArgs>,
  async run(args, ctx) {
    const result = await validateMappingFile(args.file);
    const valid = !hasErrors(result.issues);
    if (ctx.format === 'table') ctx.stdout(formatMappingIssues(result.issues, args.file));
    else ctx.stdout(serialise({ file: args.file, valid, issues: result.issues }, ctx.format));
    return valid ? EXIT.OK : EXIT.USAGE;
  },
});

/**
 * `bascule mapping invert FILE [--output F]`: the mapping for the way back. The inverse goes to stdout (or F), the
 * problems to stderr; exit 0 when every rule inverted, 1 when some could not, 2 when the mapping is invalid.
 */
export const mappingInvert = defineCommand<InvertArgs>({
  command: 'invert <file>',
  describe: 'Write the mapping for the way back (B to A) and name every rule that cannot be inverted',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'the mapping file' })
      .option('output', { type: 'string', alias: 'o', describe: 'write the inverse to this file (.json for JSON, else YAML) instead of stdout' }) as unknown as Argv<InvertArgs>,
  async run(args, ctx) {
    const result = await validateMappingFile(args.file);
    if (result.mapping === undefined || hasErrors(result.issues)) {
      ctx.stderr(formatMappingIssues(result.issues, args.file));
      return EXIT.USAGE;
    }
    if (args.output !== undefined && resolve(args.output) === resolve(args.file)) {
      throw new UsageError('MAPPING_OUTPUT_IS_INPUT', `--output ${args.output} is the mapping being inverted`, { hint: 'write the inverse to another file' });
    }
    const { mapping, problems } = invertMapping(result.mapping);
    const format = args.output !== undefined ? (args.output.endsWith('.json') ? 'json' : 'yaml') : ctx.format === 'json' ? 'json' : 'yaml';
    const text = stringifyMapping(mapping, format);
    if (args.output !== undefined) await atomicWriteFile(args.output, text, 0o644);
    else ctx.stdout(text);
    for (const problem of problems) ctx.stderr(`${problem.severity === 'error' ? 'not inverted' : 'approximate '}  ${problem.path}  ${problem.code}\n    ${problem.message}\n`);
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    const where = args.output === undefined ? '' : ` written to ${args.output}`;
    if (!ctx.quiet || errors > 0) {
      ctx.stderr(errors === 0 && warnings === 0 ? `inverse${where}: every rule inverted\n` : `inverse${where}: ${errors} rule${errors === 1 ? '' : 's'} not inverted, ${warnings} approximate\n`);
    }
    return errors > 0 ? EXIT.FAILED : EXIT.OK;
  },
});
