import type { Argv, CommandModule } from 'yargs';
import type { ContextIo, GlobalArgs, RunContext } from './context.js';
import { createContext } from './context.js';

/** The outcome of one CLI run, filled by the handler that ran. */
export interface RunState {
  exitCode: number;
  io: ContextIo;
  /** Set when yargs reported bad usage: the command must not run. */
  usageFailure?: string;
}

/**
 * A command: yargs wiring plus a `run` that does the work through the context and returns an exit
 * code. Commands never call process.exit; src/cli/main.ts is the only boundary.
 */
export interface BasculeCommand<A> {
  command: string | readonly string[];
  describe: string;
  builder: (yargs: Argv<GlobalArgs>) => Argv<A>;
  run: (args: A & GlobalArgs, ctx: RunContext) => Promise<number>;
}

/** A command with its argument type erased, for the registry. */
export interface Command {
  readonly command: string | readonly string[];
  readonly describe: string;
  readonly builder: (yargs: Argv<GlobalArgs>) => Argv<unknown>;
  readonly run: (args: unknown, ctx: RunContext) => Promise<number>;
}

/** Declares a command with typed arguments. */
export function defineCommand<A>(cmd: BasculeCommand<A>): Command {
  return cmd as unknown as Command;
}

/**
 * A command as the registry names it: what `--help` lists, and how to load the module that does the work. The module
 * (and everything it imports: ajv, undici, the engine...) is imported only when the command runs or shows its own
 * help, so `bascule --help` and `bascule validate` do not pay for the others (docs/performance.md).
 */
export interface LazyCommand {
  readonly command: string;
  readonly describe: string;
  readonly load: () => Promise<Command>;
}

export function toModule(entry: LazyCommand, state: RunState): CommandModule<GlobalArgs, unknown> {
  let loaded: Promise<Command> | undefined;
  const load = (): Promise<Command> => (loaded ??= entry.load());
  return {
    command: entry.command,
    describe: entry.describe,
    builder: async (yargs) => (await load()).builder(yargs as Argv<GlobalArgs>) as Argv<unknown>,
    handler: async (args) => {
      if (state.usageFailure !== undefined) return;
      const cmd = await load();
      const ctx = createContext(args as GlobalArgs, state.io);
      state.exitCode = await cmd.run(args, ctx);
    },
  };
}

/** A command with sub-commands (`bascule cloud info`, `bascule mapping invert`). */
export function group(
  name: string,
  describe: string,
  children: readonly LazyCommand[],
  state: RunState,
): CommandModule<GlobalArgs, unknown> {
  return {
    command: `${name} <command>`,
    describe,
    builder: (yargs) => {
      let y = yargs as Argv<GlobalArgs>;
      for (const child of children) y = y.command(toModule(child, state)) as Argv<GlobalArgs>;
      return y.demandCommand(1, `${name}: name a sub-command`);
    },
    handler: () => {},
  };
}
