import { appendFileSync } from 'node:fs';
import type { CloudConfig } from '../openstack/index.js';
import { UsageError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { createLogger } from '../shared/logger.js';
import type { OutputFormat } from './views/output.js';

export interface GlobalArgs {
  format?: OutputFormat;
  verbose?: boolean;
  quiet?: boolean;
  'log-file'?: string;
  'clouds-yaml'?: string;
  'os-region-name'?: string;
}

/** What every command handler gets: the logger, the output settings and a signal wired to SIGINT/SIGTERM. */
export interface RunContext {
  logger: Logger;
  format: OutputFormat;
  quiet: boolean;
  verbose: boolean;
  /** Show spinners and progress: a TTY on stderr, not quiet, not machine output. */
  interactive: boolean;
  signal: AbortSignal;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Extra clouds.yaml files to search first (from --clouds-yaml). */
  cloudsFiles: string[];
  /** The region for every cloud (--os-region-name, else OS_REGION_NAME), over the clouds.yaml entry's region_name. */
  region?: string;
}

export interface ContextIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  isTTY?: boolean;
  signal?: AbortSignal;
}

export function createContext(args: GlobalArgs, io: ContextIo = {}): RunContext {
  const logFile = args['log-file'];
  if (logFile) {
    // Fail now, as a usage error, rather than on the first log line in the middle of a run.
    try {
      appendFileSync(logFile, '', { mode: 0o600 });
    } catch (error) {
      throw new UsageError(
        'CLI_LOG_FILE',
        `--log-file ${logFile}: cannot write it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  }
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const format = args.format ?? 'table';
  const quiet = args.quiet ?? false;
  const verbose = args.verbose ?? false;
  const logger = createLogger({
    stderrLevel: quiet ? 'error' : verbose ? 'debug' : 'warn',
    ...(args['log-file'] ? { file: args['log-file'] } : {}),
    write: (line) => stderr(`${line}\n`),
  });
  const isTTY = io.isTTY ?? Boolean(process.stderr.isTTY);
  return {
    logger,
    format,
    quiet,
    verbose,
    interactive: isTTY && !quiet && format === 'table',
    signal: io.signal ?? new AbortController().signal,
    stdout,
    stderr,
    cloudsFiles: args['clouds-yaml'] ? [args['clouds-yaml']] : [],
    ...(regionOf(args['os-region-name'], process.env.OS_REGION_NAME) ?? {}),
  };
}

function regionOf(flag: string | undefined, env: string | undefined): { region: string } | undefined {
  const region = (flag ?? env ?? '').trim();
  return region ? { region } : undefined;
}

/**
 * A clouds.yaml entry with the run's region: `region` (a per-side flag such as --to-region) over --os-region-name
 * (or OS_REGION_NAME) over the entry's own region_name, as the openstack CLI does. So one entry serves every region
 * of a cloud.
 */
export async function loadCloud(ctx: RunContext, name: string | undefined, region?: string): Promise<CloudConfig> {
  // Imported here, not at the top: the context is built for every command, and the cloud layer (undici, yaml) is
  // start-up cost that `validate` and `--help` do not need (docs/performance.md).
  const { loadCloudConfig } = await import('../openstack/config/clouds-yaml.js');
  const config = await loadCloudConfig(name, { files: ctx.cloudsFiles });
  const wanted = region?.trim() || ctx.region;
  return wanted ? { ...config, regionName: wanted } : config;
}
