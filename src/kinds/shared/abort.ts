import { AbortedError } from '../../shared/errors.js';
import type { ReadContext } from '../kind.js';

/** An error that stops the run (Ctrl-C) rather than a resource that cannot be read. */
export function isAbortError(error: unknown, ctx: ReadContext): boolean {
  return error instanceof AbortedError || ctx.signal.aborted;
}
