import yargs from 'yargs';
import type { Argv, CommandModule } from 'yargs';
import { BasculeError, EXIT, UsageError } from '../shared/errors.js';
import { scrubText } from '../shared/secret.js';
import { VERSION } from '../version.js';
import type { Command, RunState } from './command.js';
import { group, toModule } from './command.js';
import { applyCommand } from './commands/apply.js';
import { auditCommand } from './commands/audit.js';
import { batchCommand } from './commands/batch.js';
import { cloudInfo } from './commands/cloud.js';
import { demoCommand } from './commands/demo.js';
import { exportCommand } from './commands/export.js';
import { mappingInvert, mappingValidate } from './commands/mapping.js';
import { rollbackCommand } from './commands/rollback.js';
import { simCommand } from './commands/sim.js';
import { validateCommand } from './commands/validate.js';
import type { ContextIo, GlobalArgs } from './context.js';
import { OUTPUT_FORMATS } from './views/output.js';

const EPILOGUE = `Exit codes:
  0    success (audit: no difference)
  1    failure (a cloud call or a resource failed; a dry run found blocked or conflicting actions)
  2    usage or validation error: bad flags, clouds.yaml, plan or mapping; nothing was changed
  3    audit found differences
  130  interrupted (Ctrl-C); the journal is consistent, resume with --resume

Clouds come from clouds.yaml and secure.yaml (./, ~/.config/openstack/, /etc/openstack/), OS_CLOUD,
or the plain OS_* variables. Docs: docs/ in the source tree.`;

/** The registered commands, in help order (explicit list, no discovery). */
function commands(state: RunState): CommandModule<GlobalArgs, unknown>[] {
  // The three steps first, then what surrounds them.
  const steps: Command[] = [exportCommand, validateCommand, applyCommand, auditCommand, rollbackCommand, batchCommand];
  const modules = steps.map((c) => toModule(c, state));
  modules.push(
    group('mapping', 'Check mapping files and invert them for the way back', [mappingValidate, mappingInvert], state),
  );
  modules.push(group('cloud', 'Inspect a cloud: credentials, endpoints, versions', [cloudInfo], state));
  modules.push(toModule(demoCommand(main), state), toModule(simCommand, state));
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
      if (error) throw error;
      usageFailure = message;
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
