import { appendFileSync } from 'node:fs';
import { redact, scrubText } from './secret.js';

export const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 } as const;
export type Level = keyof typeof LEVELS;

/** A leveled logger. Every field and message is redacted before it is written. */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface LoggerOptions {
  /** Level written to stderr (human form). */
  stderrLevel?: Level;
  /** A file receiving JSON lines at `fileLevel`. */
  file?: string;
  fileLevel?: Level;
  /** Where human lines go; stderr by default. */
  write?: (line: string) => void;
}

/** A logger writing human lines to stderr and, optionally, redacted JSON lines to a file. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const stderrLevel = LEVELS[options.stderrLevel ?? 'warn'];
  const fileLevel = LEVELS[options.fileLevel ?? 'debug'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (level: Exclude<Level, 'silent'>, event: string, fields: Record<string, unknown> = {}): void => {
    const safe = redact(fields);
    const message = scrubText(event);
    if (options.file && LEVELS[level] >= fileLevel) {
      appendFileSync(
        options.file,
        `${JSON.stringify({ time: new Date().toISOString(), level, event: message, ...safe })}\n`,
        { mode: 0o600 },
      );
    }
    if (LEVELS[level] >= stderrLevel) {
      const extra = Object.entries(safe)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`${level === 'info' ? '' : `${level}: `}${message}${extra ? ` ${extra}` : ''}`);
    }
  };
  return {
    debug: (e, f) => log('debug', e, f),
    info: (e, f) => log('info', e, f),
    warn: (e, f) => log('warn', e, f),
    error: (e, f) => log('error', e, f),
  };
}
