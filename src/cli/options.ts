import type { Options } from 'yargs';
import { UsageError } from '../shared/errors.js';

export interface NumberFlagSpec {
  min: number;
  max: number;
  /** Whole numbers only (default true). */
  integer?: boolean;
  default?: number;
  describe: string;
}

/** What each numeric flag accepts (`an integer from 1 to 256`), for the message of one given without a value. */
const RANGES = new Map<string, string>();

/**
 * The message for yargs' "Not enough arguments following: <flag>" when the flag is numeric (`--max-entries` alone,
 * which yargs would otherwise fill with the default), or undefined.
 */
export function missingNumberValue(message: string | undefined): string | undefined {
  const flag = /^Not enough arguments following: (\S+)$/.exec(message ?? '')?.[1];
  const range = flag === undefined ? undefined : RANGES.get(flag);
  return range === undefined ? undefined : `--${flag} needs a value: ${range}`;
}

/**
 * A numeric flag checked when the command line is parsed, before any file is read or any cloud contacted: NaN (`abc`),
 * a fraction where a whole number is wanted, a value out of [min, max], a flag given twice or given without a value
 * (`nargs: 1`: yargs would put the default in its place) is a UsageError (exit 2) naming the flag and its range.
 */
export function numberFlag(flag: string, spec: NumberFlagSpec): Options & { coerce: (value: unknown) => number } {
  const integer = spec.integer ?? true;
  const range = `${integer ? 'an integer' : 'a number'} from ${spec.min} to ${spec.max}`;
  RANGES.set(flag, range);
  return {
    type: 'number',
    nargs: 1,
    describe: `${spec.describe} (${spec.min}-${spec.max})`,
    ...(spec.default === undefined ? {} : { default: spec.default }),
    coerce: (value: unknown) => {
      if (Array.isArray(value))
        throw new UsageError('BAD_FLAG_VALUE', `--${flag} is given ${value.length} times: give it once`);
      if (value === undefined) throw new UsageError('BAD_FLAG_VALUE', `--${flag} needs a value: ${range}`);
      const n = value as number;
      if (
        typeof n !== 'number' ||
        !Number.isFinite(n) ||
        (integer && !Number.isInteger(n)) ||
        n < spec.min ||
        n > spec.max
      )
        throw new UsageError('BAD_FLAG_VALUE', `--${flag} ${flagText(n)}: expected ${range}`);
      return n;
    },
  };
}

function flagText(value: unknown): string {
  return typeof value === 'number' && Number.isNaN(value) ? '(not a number)' : String(value);
}

/** Shared option groups, so every command spells them the same way. */
export const osCloud: Options = {
  type: 'string',
  describe: 'cloud name in clouds.yaml (default: OS_CLOUD, else plain OS_* variables)',
};
export const fromCloud: Options = { type: 'string', describe: 'source cloud name in clouds.yaml', demandOption: false };
export const toCloud: Options = { type: 'string', describe: 'target cloud name in clouds.yaml', demandOption: false };
export const concurrency: Options = numberFlag('concurrency', {
  min: 1,
  max: 256,
  default: 8,
  describe: 'API calls in flight at once, per cloud and service',
});

/** `--max-entries`, on every command that reads a plan (or a saved dry run, which embeds one). */
export const maxEntries: Options = numberFlag('max-entries', {
  min: 1,
  max: 10_000_000,
  default: 100_000,
  describe: 'refuse plans with more entries than this',
});

/** The output formats of `--format` (here rather than in views/output.ts, which loads yaml: start-up stays light). */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
