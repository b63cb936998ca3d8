import ora from 'ora';
import type { Ora } from 'ora';
import type { RunContext } from '../context.js';

/** A spinner on a TTY, nothing otherwise (no TTY, --quiet, or machine output). */
export interface Progress {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

const none: Progress = { update() {}, succeed() {}, fail() {}, stop() {} };

export function startProgress(ctx: RunContext, text: string): Progress {
  // A terminal that reports no width (a pty without a window size, as `script` or some CI runners give) would make
  // ora clear lines forever: no spinner there.
  if (!ctx.interactive || !((process.stderr.columns ?? 0) > 0)) return none;
  const spinner: Ora = ora({ text, stream: process.stderr }).start();
  return {
    update: (t) => {
      spinner.text = t;
    },
    succeed: (t) => void spinner.succeed(t),
    fail: (t) => void spinner.fail(t),
    stop: () => void spinner.stop(),
  };
}
