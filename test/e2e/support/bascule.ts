// Run Bascule's own CLI, and the e2e seed scripts, as child processes against the e2e cloud: one runner for the e2e
// files instead of a copy of the same execFile preamble in each.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { cloudEnv, cloudsFile, REPO_ROOT } from './env.js';

export interface Run {
  /** The exit code (1 when the process was killed or could not start). */
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for an assertion's message. */
  out: string;
}

/** Run FILE ARGS... with the e2e cloud's environment; resolves with the exit code and the output, never rejects. */
export function runProcess(file: string, args: readonly string[], timeoutMs = 900_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: cloudEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, out: `${stdout}\n${stderr}` });
      },
    );
  });
}

/**
 * Bascule's CLI from its TypeScript sources (test/support/ts-register.mjs, so no build is needed), with
 * `--clouds-yaml` set to the e2e clouds.yaml.
 */
export function bascule(args: readonly string[], timeoutMs = 900_000): Promise<Run> {
  return runProcess(
    process.execPath,
    [
      '--import',
      join(REPO_ROOT, 'test/support/ts-register.mjs'),
      join(REPO_ROOT, 'src/bin.ts'),
      '--clouds-yaml',
      cloudsFile(),
      ...args,
    ],
    timeoutMs,
  );
}

/** Run a script of test/e2e (a seed, a clean-up) with bash; rejects with its last lines when it fails. */
export async function runScript(path: string, args: readonly string[] = [], timeoutMs = 900_000): Promise<string> {
  const run = await runProcess('/bin/bash', [join(REPO_ROOT, path), ...args], timeoutMs);
  if (run.code !== 0) {
    const tail = (run.stderr || run.stdout).trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${path} ${args.join(' ')} failed (exit ${run.code}): ${tail}`);
  }
  return run.stdout;
}
