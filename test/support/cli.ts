import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, as a user without a terminal would, and captures what it prints. */
export async function runCli(
  argv: readonly string[],
  signal: AbortSignal = new AbortController().signal,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    signal,
  });
  return { code, stdout, stderr };
}
