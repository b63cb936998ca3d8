// Run the official `openstack` CLI (python3-openstackclient) against the e2e cloud: the independent
// witness of what Bascule did. Each call is a fresh Python process (about 1-2 s), so tests should ask for
// lists once and look inside rather than `show` every item.
import { execFile } from 'node:child_process';
import { cloudEnv, requireCloud } from './env.js';
import type { CloudName } from './env.js';

export interface CliOptions {
  /** Nova microversion, e.g. '2.52' to read server tags. */
  computeApiVersion?: string;
  /** Cinder microversion, e.g. '3.59'. */
  volumeApiVersion?: string;
  /** Kill the CLI after this long (default 180 s). */
  timeoutMs?: number;
}

/** A failed `openstack` call: the arguments (never secrets), the exit code and what it wrote on stderr. */
export class OpenStackCliError extends Error {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(args: readonly string[], exitCode: number | null, stderr: string) {
    super(
      `openstack ${args.join(' ')} failed (exit ${exitCode ?? 'killed'}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
    this.name = 'OpenStackCliError';
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

function fullArgs(cloud: CloudName, args: readonly string[], opts: CliOptions): string[] {
  const all = ['--os-cloud', cloud];
  if (opts.computeApiVersion !== undefined) all.push('--os-compute-api-version', opts.computeApiVersion);
  if (opts.volumeApiVersion !== undefined) all.push('--os-volume-api-version', opts.volumeApiVersion);
  return [...all, ...args];
}

/** Run `openstack --os-cloud CLOUD ARGS...` and return its stdout. Rejects with OpenStackCliError. */
export function osRun(cloud: CloudName, args: readonly string[], opts: CliOptions = {}): Promise<string> {
  requireCloud();
  const argv = fullArgs(cloud, args, opts);
  return new Promise((resolveRun, reject) => {
    execFile(
      '/usr/bin/openstack',
      argv,
      { env: cloudEnv(), timeout: opts.timeoutMs ?? 180_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === 'number' ? error.code : null;
          reject(new OpenStackCliError(argv, code, stderr || error.message));
          return;
        }
        resolveRun(stdout);
      },
    );
  });
}

/** Run `openstack --os-cloud CLOUD ARGS... -f json` and return the parsed JSON. */
export async function osJson<T = unknown>(
  cloud: CloudName,
  args: readonly string[],
  opts: CliOptions = {},
): Promise<T> {
  const out = await osRun(cloud, [...args, '-f', 'json'], opts);
  try {
    return JSON.parse(out) as T;
  } catch (cause) {
    throw new Error(`openstack ${args.join(' ')}: output is not JSON: ${out.slice(0, 200)}`, { cause });
  }
}

/** Like osJson for a `show`, but resolves undefined when the resource does not exist. */
export async function osShow<T = Record<string, unknown>>(
  cloud: CloudName,
  args: readonly string[],
  opts: CliOptions = {},
): Promise<T | undefined> {
  try {
    return await osJson<T>(cloud, args, opts);
  } catch (err) {
    if (err instanceof OpenStackCliError && /No .* found|could not be found|NotFound|404/i.test(err.stderr))
      return undefined;
    throw err;
  }
}

/**
 * The CLI prints some fields as Python-ish text ("key='value', other='x'") depending on the command and
 * the client version; this reads both that form and real JSON objects into a flat record of strings.
 */
export function cliProperties(value: unknown): Record<string, string> {
  if (value === null || value === undefined || value === '') return {};
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  const out: Record<string, string> = {};
  for (const m of String(value).matchAll(/([\w:.-]+)='((?:[^'\\]|\\.)*)'/g)) out[m[1]!] = m[2]!;
  return out;
}
