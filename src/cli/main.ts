import { setMaxListeners } from 'node:events';
import yargs from 'yargs';
import type { Argv, CommandModule } from 'yargs';
import { BasculeError, EXIT, UsageError } from '../shared/errors.js';
import { scrubText } from '../shared/secret.js';
import { VERSION } from '../version.js';
import type { LazyCommand, RunState } from './command.js';
import { group, toModule } from './command.js';
import type { ContextIo, GlobalArgs } from './context.js';
import { OUTPUT_FORMATS, missingNumberValue } from './options.js';

const EPILOGUE = `Exit codes:
  0    success (audit: no difference)
  1    failure (a cloud call or a resource failed; a dry run found blocked or conflicting actions)
  2    usage or validation error: bad flags, clouds.yaml, plan or mapping; nothing was changed
  3    audit found differences
  130  interrupted (Ctrl-C); the journal is consistent, resume with --resume

Clouds come from clouds.yaml and secure.yaml (./, ~/.config/openstack/, /etc/openstack/), OS_CLOUD,
or the plain OS_* variables. Docs: docs/ in the source tree.`;

/**
 * The registered commands, in help order (explicit list, no discovery). Each names its module, imported only when
 * that command runs or shows its help; test/cli/main.test.ts checks that `command` and `describe` here are the
 * module's own.
 */
export const COMMANDS: readonly LazyCommand[] = [
  // The three steps first, then what surrounds them.
  {
    command: 'export',
    describe: 'Read a project through the APIs and write it as a plan (JSON)',
    load: async () => (await import('./commands/export.js')).exportCommand,
  },
  {
    command: 'validate <plan>',
    describe: 'Check a plan file against the plan schema and rules, and list every problem',
    load: async () => (await import('./commands/validate.js')).validateCommand,
  },
  {
    command: 'apply <plan>',
    describe:
      'Replay a plan (or a saved dry run) on a target cloud: dry run, confirmation, then a journaled, resumable apply',
    load: async () => (await import('./commands/apply.js')).applyCommand,
  },
  {
    command: 'audit',
    describe: 'Compare two live projects, or a plan with a live project (exit 3 when they differ)',
    load: async () => (await import('./commands/audit.js')).auditCommand,
  },
  {
    command: 'rollback',
    describe: 'Delete, in reverse dependency order, what a journal says Bascule created (and still carries its marker)',
    load: async () => (await import('./commands/rollback.js')).rollbackCommand,
  },
  {
    command: 'cleanup',
    describe: 'Remove the temporary snapshots, images and volumes a journal says Bascule left on either cloud',
    load: async () => (await import('./commands/cleanup.js')).cleanupCommand,
  },
];

export const BATCH_COMMANDS: readonly LazyCommand[] = [
  {
    command: 'plan <campaign>',
    describe: 'Export each project and save its dry run for review (nothing is changed on any target)',
    load: async () => (await import('./commands/batch.js')).batchPlan,
  },
  {
    command: 'run <campaign>',
    describe: 'Apply what batch plan saved (refusing stale dry runs), then audit; waves in order',
    load: async () => (await import('./commands/batch.js')).batchRun,
  },
  {
    command: 'status <campaign>',
    describe: 'Where the campaign stands, from its files (or its --store, from any host)',
    load: async () => (await import('./commands/batch.js')).batchStatus,
  },
  {
    command: 'report <campaign>',
    describe: 'Write the campaign report (report.json, report.md, report.html in the campaign directory)',
    load: async () => (await import('./commands/batch.js')).batchReport,
  },
  {
    command: 'rollback <campaign>',
    describe: 'Undo what the campaign created for one project (--project) or a wave (--wave), from their journals',
    load: async () => (await import('./commands/batch.js')).batchRollback,
  },
];

export const WORKER_COMMAND: LazyCommand = {
  command: 'worker',
  describe: 'Run the jobs of campaigns queued in a PostgreSQL store (batch run --store), until SIGTERM',
  load: async () => (await import('./commands/worker.js')).workerCommand,
};

export const MAPPING_COMMANDS: readonly LazyCommand[] = [
  {
    command: 'validate <file>',
    describe:
      'Check a mapping file (YAML or JSON) and list every problem with its path, line and a hint; with --plan, show what it does to a plan',
    load: async () => (await import('./commands/mapping.js')).mappingValidate,
  },
  {
    command: 'invert <file>',
    describe: 'Write the mapping for the way back (B to A) and name every rule that cannot be inverted',
    load: async () => (await import('./commands/mapping.js')).mappingInvert,
  },
];

export const CLOUD_COMMANDS: readonly LazyCommand[] = [
  {
    command: 'info',
    describe: 'Show the token scope, endpoints, API versions, microversions and Neutron extensions of a cloud',
    load: async () => (await import('./commands/cloud.js')).cloudInfo,
  },
];

export const TOOL_COMMANDS: readonly LazyCommand[] = [
  {
    command: 'demo',
    describe:
      "Quick start: migrate a sample project between two simulated clouds (PI's HPE Helion 8 to its new platform)",
    load: async () => (await import('./commands/demo.js')).demoCommand(main),
  },
  {
    command: 'sim',
    describe: 'Run a simulated OpenStack cloud (Keystone, Nova, Neutron, Glance, Cinder) until Ctrl-C',
    load: async () => (await import('./commands/sim.js')).simCommand,
  },
];

/** The global options that take a value (the token after them is not a command). */
const VALUE_OPTIONS = new Set(['--format', '--log-file', '--clouds-yaml', '--os-region-name']);

/** The groups and their sub-command names, for the unknown-command message. */
const GROUPS: Readonly<Record<string, readonly LazyCommand[]>> = {
  batch: BATCH_COMMANDS,
  mapping: MAPPING_COMMANDS,
  cloud: CLOUD_COMMANDS,
};

const nameOf = (c: LazyCommand): string => c.command.split(' ')[0]!;

/** Edit distance with adjacent transpositions (optimal string alignment): "wroker" is 1 from "worker". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j += 1) d[0]![j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** "did you mean X?" for the nearest name (at most 3 edits, and fewer than the word's length), else the list. */
function suggest(word: string, names: readonly string[], group = ''): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const distance = editDistance(word.toLowerCase(), name);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  if (best !== undefined && bestDistance <= Math.min(3, word.length - 1)) return `did you mean "${group}${best}"?`;
  return `the ${group}commands are: ${names.join(', ')}`;
}

/**
 * The message for an unknown command or sub-command in `argv`, or undefined when the command words are known.
 * yargs' own recommendCommands only looks 3 edits away and is then overwritten by strict()'s "Unknown argument".
 */
export function unknownCommand(argv: readonly string[]): string | undefined {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i += 1) {
    const token = argv[i]!;
    if (token === '--') break;
    if (token.startsWith('-')) {
      if (VALUE_OPTIONS.has(token)) i += 1;
      continue;
    }
    words.push(token);
  }
  const [first, second] = words;
  if (first === undefined) return undefined;
  const top = [...COMMANDS, ...TOOL_COMMANDS].map(nameOf);
  const names = [
    ...top.slice(0, COMMANDS.length),
    ...Object.keys(GROUPS),
    nameOf(WORKER_COMMAND),
    ...top.slice(COMMANDS.length),
  ];
  if (!names.includes(first)) return `unknown command "${first}": ${suggest(first, names)}`;
  const children = GROUPS[first];
  if (children === undefined || second === undefined) return undefined;
  const sub = children.map(nameOf);
  if (!sub.includes(second)) return `unknown command "${first} ${second}": ${suggest(second, sub, `${first} `)}`;
  return undefined;
}

function commands(state: RunState): CommandModule<GlobalArgs, unknown>[] {
  const modules = COMMANDS.map((c) => toModule(c, state));
  modules.push(
    group(
      'batch',
      'A migration campaign: waves of projects, each exported, dry-run, reviewed, applied and audited',
      BATCH_COMMANDS,
      state,
    ),
    toModule(WORKER_COMMAND, state),
    group('mapping', 'Check mapping files and invert them for the way back', MAPPING_COMMANDS, state),
    group('cloud', 'Inspect a cloud: credentials, endpoints, versions', CLOUD_COMMANDS, state),
    ...TOOL_COMMANDS.map((c) => toModule(c, state)),
  );
  return modules;
}

/**
 * Runs the CLI and returns the exit code. The only place that turns errors into exit codes
 * (changesets' single error boundary).
 */
export async function main(argv: readonly string[], io: ContextIo = {}): Promise<number> {
  const state: RunState = { exitCode: EXIT.OK, io };
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  if (!io.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    state.io = { ...io, signal: controller.signal };
  }
  // Every call in flight listens to the run's signal (a container's objects, a listing per service...): many at once
  // is expected, not a leak, and Node's warning about it would only alarm the user.
  setMaxListeners(0, state.io.signal!);
  let usageFailure: string | undefined;
  let parser: Argv<GlobalArgs> = yargs([...argv])
    .scriptName('bascule')
    .usage('$0 <command> [options]\n\nMove an OpenStack project from one cloud to another, and back.')
    .option('format', {
      choices: OUTPUT_FORMATS,
      default: 'table' as const,
      describe: 'output format where a command prints data',
    })
    .option('verbose', { type: 'boolean', alias: 'v', describe: 'log every API call (redacted) to stderr' })
    .option('quiet', { type: 'boolean', alias: 'q', describe: 'only errors; no progress' })
    .option('log-file', { type: 'string', describe: 'append a JSON-lines log (redacted) to FILE' })
    .option('clouds-yaml', { type: 'string', describe: 'a clouds.yaml to read before the standard places' })
    .option('os-region-name', {
      type: 'string',
      describe: "the region of every cloud, over the clouds.yaml entry's region_name (env: OS_REGION_NAME)",
    })
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .strict()
    .recommendCommands()
    .demandCommand(1, 'name a command (see --help)')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue(EPILOGUE)
    .exitProcess(false)
    .fail((message, error) => {
      // A flag's check (numberFlag's coerce) reaches here as a YError carrying its message: a usage failure too.
      if (error && error.name !== 'YError') throw error;
      usageFailure = unknownCommand(argv) ?? missingNumberValue(message) ?? message ?? error?.message ?? 'bad usage';
      // With exitProcess(false) yargs goes on and would run the command anyway: toModule checks this.
      state.usageFailure = message;
    }) as unknown as Argv<GlobalArgs>;
  for (const module of commands(state)) parser = parser.command(module);
  let helpText = '';
  parser = parser.showHelpOnFail(false);
  try {
    await parser.parseAsync([...argv], {}, (_err, _args, output) => {
      if (output) helpText = output;
    });
    if (usageFailure !== undefined) {
      stderr(`bascule: ${usageFailure}\nRun "bascule --help" for usage.\n`);
      return EXIT.USAGE;
    }
    if (helpText) stdout(`${helpText}\n`);
    return state.exitCode;
  } catch (error) {
    // A flag's own check (numberFlag's coerce) is rethrown by yargs as a YError with the same message: bad usage.
    if (error instanceof Error && error.name === 'YError') {
      stderr(
        `bascule: ${scrubText(missingNumberValue(error.message) ?? error.message)}\nRun "bascule --help" for usage.\n`,
      );
      return EXIT.USAGE;
    }
    return report(error, stderr);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function report(error: unknown, stderr: (text: string) => void): number {
  if (error instanceof BasculeError) {
    const hint = error.hint ? `\n  hint: ${error.hint}` : '';
    stderr(`bascule: ${scrubText(error.message)}${hint}\n`);
    return error.exitCode;
  }
  if (error instanceof UsageError) return EXIT.USAGE;
  const err = error as Error;
  stderr(
    `bascule: internal error: ${scrubText(err.stack ?? String(err))}\nPlease report this with the command you ran (secrets are redacted above).\n`,
  );
  return EXIT.FAILED;
}
