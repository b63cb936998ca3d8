/**
 * The error base of Bascule. Every error we throw on purpose carries a stable `code`
 * (SCREAMING_SNAKE with an area prefix, as undici's UND_ERR_*) and the exit code the CLI
 * should end with. Only src/cli/main.ts turns errors into exit codes.
 */
export const EXIT = {
  /** Success; for audit: no difference. */
  OK: 0,
  /** Something failed (a cloud call, a resource, a blocked dry run). */
  FAILED: 1,
  /** Bad input: usage, configuration or validation error. Nothing was changed on any cloud. */
  USAGE: 2,
  /** Audit found differences. */
  DIFFERENCES: 3,
  /** Interrupted by SIGINT/SIGTERM (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BRAND = Symbol.for('bascule.error');

export interface BasculeErrorOptions {
  cause?: unknown;
  /** A hint for the user: what to do about it. */
  hint?: string;
  exitCode?: ExitCode;
}

export class BasculeError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, options: BasculeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BasculeError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT.FAILED;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** `instanceof BasculeError` holds across duplicate copies of the package (undici's brand idea); subclasses use the prototype chain. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== BasculeError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Bad input from the user (flags, files, configuration). Exit code 2; nothing was changed. */
export class UsageError extends BasculeError {
  constructor(code: string, message: string, options: Omit<BasculeErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...options, exitCode: EXIT.USAGE });
    this.name = 'UsageError';
  }
}

/** A bug in Bascule: should never happen. */
export class InternalError extends BasculeError {
  constructor(message: string, options: Omit<BasculeErrorOptions, 'exitCode'> = {}) {
    super('INTERNAL', message, { ...options, exitCode: EXIT.FAILED });
    this.name = 'InternalError';
  }
}

/** The run was aborted (Ctrl-C, SIGTERM, or a caller's AbortSignal). */
export class AbortedError extends BasculeError {
  constructor(message = 'aborted', options: Omit<BasculeErrorOptions, 'exitCode'> = {}) {
    super('ABORTED', message, { ...options, exitCode: EXIT.INTERRUPTED });
    this.name = 'AbortedError';
  }
}

export function isBasculeError(value: unknown): value is BasculeError {
  return value instanceof BasculeError;
}
