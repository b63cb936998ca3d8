import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import {
  formatMappingIssues,
  invertMapping,
  stringifyMapping,
  validateMappingFile,
  type MappedPlan,
} from '../../mapping/index.js';
import { applyMappingByRegion } from '../../mapping/regions.js';
import { readPlan } from '../../plan/io.js';
import { hasErrors } from '../../plan/validate.js';
import { EXIT, UsageError } from '../../shared/errors.js';
import { atomicWriteFile } from '../../shared/fs.js';
import { defineCommand } from '../command.js';
import type { GlobalArgs } from '../context.js';
import { maxEntries } from '../options.js';
import { serialise, table } from '../views/output.js';

interface FileArgs {
  file: string;
}

interface ValidateArgs extends FileArgs {
  plan?: string;
  'max-entries': number;
}

interface InvertArgs extends FileArgs {
  output?: string;
}

/** What a mapping does to a plan, as text: changes, how externals are found, what is left out or pulled in. */
function describeApplied(mapped: MappedPlan): string {
  const parts: string[] = [];
  const show = (value: unknown) =>
    value === null ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
  if (mapped.notes.length > 0) {
    parts.push(
      `changes (${mapped.notes.length}):\n${table(
        ['key', 'field', 'from', 'to', 'rule'],
        mapped.notes.map((n) => [n.key, n.field, show(n.from), show(n.to), n.rule]),
      )}`,
    );
  }
  const externals = Object.entries(mapped.resolution);
  if (externals.length > 0) {
    parts.push(
      `external references (${externals.length}):\n${table(
        ['key', 'find on the target', 'rule'],
        externals.map(([key, r]) => [
          key,
          r.strategy === 'shape'
            ? `smallest fit for ${r.shape === undefined ? '?' : `${r.shape.vcpus} vCPU, ${r.shape.ram} MiB, ${r.shape.disk} GiB`}${r.within === undefined ? '' : ` among /${r.within}/`}`
            : r.strategy === 'checksum'
              ? `image with ${r.checksum?.os_hash_value !== undefined ? `${r.checksum.os_hash_algo ?? 'hash'} ${r.checksum.os_hash_value.slice(0, 16)}...` : `md5 ${r.checksum?.md5 ?? '?'}`}`
              : `${r.name}${r.strategy === 'unchanged' ? ' (no rule)' : ''}`,
          r.rule ?? '',
        ]),
      )}`,
    );
  }
  if (mapped.filtered.length > 0) {
    parts.push(
      `left out (${mapped.filtered.length}):\n${table(
        ['key', 'reason', 'because of'],
        mapped.filtered.map((f) => [f.key, f.reason, f.rule ?? f.via ?? '']),
      )}`,
    );
  }
  if (mapped.pulledIn.length > 0) {
    parts.push(
      `pulled in by include (${mapped.pulledIn.length}):\n${table(
        ['key', 'reason', 'of'],
        mapped.pulledIn.map((p) => [p.key, p.reason, p.of]),
      )}`,
    );
  }
  if (parts.length === 0) parts.push('the mapping changes nothing in this plan\n');
  return parts.join('\n');
}

/**
 * `bascule mapping validate FILE [--plan P]`: every problem of a mapping file at once, and with --plan what the
 * mapping does to that plan. Exit 0 when valid, 2 when not (or when it cannot be applied to the plan).
 */
export const mappingValidate = defineCommand<ValidateArgs>({
  command: 'validate <file>',
  describe:
    'Check a mapping file (YAML or JSON) and list every problem with its path, line and a hint; with --plan, show what it does to a plan',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'the mapping file' })
      .option('plan', {
        type: 'string',
        describe: 'also apply the mapping to this plan and show the result (nothing is written)',
      })
      .option('max-entries', maxEntries) as unknown as Argv<ValidateArgs>,
  async run(args, ctx) {
    const result = await validateMappingFile(args.file);
    let valid = !hasErrors(result.issues);
    let mapped: MappedPlan | undefined;
    if (valid && result.mapping !== undefined && args.plan !== undefined) {
      const { plan } = await readPlan(args.plan, { maxEntries: args['max-entries'] });
      // A plan of several regions is mapped region by region (rules scoped with `region` apply to their region).
      mapped = applyMappingByRegion(plan, result.mapping);
      valid = !hasErrors(mapped.issues);
    }
    if (ctx.format !== 'table') {
      const applied =
        mapped === undefined
          ? {}
          : {
              plan: args.plan,
              applied: {
                issues: mapped.issues,
                notes: mapped.notes,
                resolution: mapped.resolution,
                filtered: mapped.filtered,
                pulledIn: mapped.pulledIn,
              },
            };
      ctx.stdout(serialise({ file: args.file, valid, issues: result.issues, ...applied }, ctx.format));
      return valid ? EXIT.OK : EXIT.USAGE;
    }
    ctx.stdout(formatMappingIssues(result.issues, args.file));
    if (mapped !== undefined) {
      ctx.stdout(`\napplied to ${args.plan}:\n${describeApplied(mapped)}`);
      if (mapped.issues.length > 0)
        ctx.stdout(`\n${formatMappingIssues(mapped.issues, `${args.file} on ${args.plan}`)}`);
    }
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
    y.positional('file', { type: 'string', demandOption: true, describe: 'the mapping file' }).option('output', {
      type: 'string',
      alias: 'o',
      describe: 'write the inverse to this file (.json for JSON, else YAML) instead of stdout',
    }) as unknown as Argv<InvertArgs>,
  async run(args, ctx) {
    const result = await validateMappingFile(args.file);
    if (result.mapping === undefined || hasErrors(result.issues)) {
      ctx.stderr(formatMappingIssues(result.issues, args.file));
      return EXIT.USAGE;
    }
    if (args.output !== undefined && resolve(args.output) === resolve(args.file)) {
      throw new UsageError('MAPPING_OUTPUT_IS_INPUT', `--output ${args.output} is the mapping being inverted`, {
        hint: 'write the inverse to another file',
      });
    }
    if (result.issues.length > 0) ctx.stderr(formatMappingIssues(result.issues, args.file));
    const { mapping, problems } = invertMapping(result.mapping);
    const format =
      args.output !== undefined
        ? args.output.endsWith('.json')
          ? 'json'
          : 'yaml'
        : ctx.format === 'json'
          ? 'json'
          : 'yaml';
    const text = stringifyMapping(mapping, format);
    if (args.output !== undefined) await atomicWriteFile(args.output, text, 0o644);
    else ctx.stdout(text);
    for (const problem of problems)
      ctx.stderr(
        `${problem.severity === 'error' ? 'not inverted' : 'approximate '}  ${problem.path}  ${problem.code}\n    ${problem.message}\n`,
      );
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    const where = args.output === undefined ? '' : ` written to ${args.output}`;
    if (!ctx.quiet || errors > 0) {
      ctx.stderr(
        errors === 0 && warnings === 0
          ? `inverse${where}: every rule inverted\n`
          : `inverse${where}: ${errors} rule${errors === 1 ? '' : 's'} not inverted, ${warnings} approximate\n`,
      );
    }
    return errors > 0 ? EXIT.FAILED : EXIT.OK;
  },
});
