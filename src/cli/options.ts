import type { Options } from 'yargs';

/** Shared option groups, so every command spells them the same way. */
export const osCloud: Options = {
  type: 'string',
  describe: 'cloud name in clouds.yaml (default: OS_CLOUD, else plain OS_* variables)',
};
export const fromCloud: Options = { type: 'string', describe: 'source cloud name in clouds.yaml', demandOption: false };
export const toCloud: Options = { type: 'string', describe: 'target cloud name in clouds.yaml', demandOption: false };
export const concurrency: Options = {
  type: 'number',
  default: 8,
  describe: 'API calls in flight at once, per cloud and service',
};

/** The output formats of `--format` (here rather than in views/output.ts, which loads yaml: start-up stays light). */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
