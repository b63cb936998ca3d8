/** Reading and writing plan files: bounded, defensive parsing in, canonical atomic 0600 files out. */
import { isUtf8 } from 'node:buffer';
import { open, stat } from 'node:fs/promises';
import { UsageError } from '../shared/errors.js';
import { atomicWriteFile } from '../shared/fs.js';
import { serializePlan } from './canonical.js';
import { safeParseJson, type ScanLimits } from './json.js';
import type { Issue, Plan } from './types.js';
import { append, checkPlan, formatIssues, hasErrors, type CheckOptions } from './validate.js';

/** Default largest plan file: 256 MiB (a 100,000-resource plan is about 60 MiB). */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export interface ParseOptions extends ScanLimits, CheckOptions {
  /** Largest input in bytes (default 256 MiB). */
  maxBytes?: number;
}

export interface ParseResult {
  /** Set only when there is no error. */
  plan?: Plan;
  issues: Issue[];
}

/** A plan with errors: exit code 2, nothing changed. Carries every issue. */
export class PlanInvalidError extends UsageError {
  readonly issues: Issue[];

  constructor(issues: Issue[], file?: string) {
    const errors = issues.filter((i) => i.severity === 'error');
    const first = errors[0];
    const summary =
      first === undefined
        ? ''
        : `: ${first.path || '(document)'} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
    super('PLAN_INVALID', `${file ?? 'the plan'} is not a valid plan${summary}`, {
      hint:
        file === undefined ? 'validate it with bascule validate' : `see every problem with: bascule validate ${file}`,
    });
    this.name = 'PlanInvalidError';
    this.issues = issues;
  }

  /** The full report, as formatIssues gives it. */
  report(): string {
    return formatIssues(this.issues);
  }
}

function tooLarge(size: number, maxBytes: number): Issue {
  return {
    severity: 'error',
    path: '',
    code: 'PLAN_TOO_LARGE',
    message: `the plan is ${size} bytes, more than the limit of ${maxBytes}`,
    hint: 'raise the limit (--max-bytes) if the plan is genuine',
  };
}

/**
 * Parses and validates plan text. A UTF-8 byte order mark is removed with a warning (JSON_BOM); invalid JSON gives
 * JSON_SYNTAX with line and column; see json.ts for the other limits.
 */
export function parsePlan(text: string, options: ParseOptions = {}): ParseResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // Cheap bound first (a UTF-16 code unit is at most 3 UTF-8 bytes), exact count only when close to the limit.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes)) {
    return { issues: [tooLarge(Buffer.byteLength(text, 'utf8'), maxBytes)] };
  }
  const issues: Issue[] = [];
  let body = text;
  if (body.charCodeAt(0) === 0xfeff) {
    body = body.slice(1);
    issues.push({
      severity: 'warning',
      path: '',
      code: 'JSON_BOM',
      message: 'the file starts with a byte order mark, which JSON does not allow; it was ignored',
      hint: 'save the file as UTF-8 without BOM',
    });
  }
  const parsed = safeParseJson(body, options);
  append(issues, parsed.issues);
  if (hasErrors(parsed.issues)) return { issues };
  const checked = checkPlan(parsed.value, options);
  append(issues, checked.issues);
  return checked.plan === undefined ? { issues } : { plan: checked.plan, issues };
}

/**
 * Reads a JSON file as text, bounded and strict about its encoding: FILE_UNREADABLE, PLAN_TOO_LARGE (never read past
 * maxBytes), JSON_ENCODING (UTF-16, invalid UTF-8). Used for plans and saved dry runs alike.
 */
export async function readJsonText(
  path: string,
  maxBytes: number = DEFAULT_MAX_BYTES,
): Promise<{ text?: string; issues: Issue[] }> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile())
      return {
        issues: [{ severity: 'error', path: '', code: 'FILE_UNREADABLE', message: `${path} is not a regular file` }],
      };
    if (info.size > maxBytes) return { issues: [tooLarge(info.size, maxBytes)] };
    const handle = await open(path, 'r');
    try {
      // Read at most maxBytes + 1, so a file that grows after stat still cannot exceed the limit.
      const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length === buffer.length) break;
      }
      if (length > maxBytes) return { issues: [tooLarge(length, maxBytes)] };
      bytes = buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    return {
      issues: [{ severity: 'error', path: '', code: 'FILE_UNREADABLE', message: `cannot read ${path} (${code})` }],
    };
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return {
      issues: [
        {
          severity: 'error',
          path: '',
          code: 'JSON_ENCODING',
          message: 'the file is UTF-16; plans are UTF-8',
          hint: 'convert it to UTF-8',
        },
      ],
    };
  }
  // isUtf8 + toString: the same strict check as a fatal TextDecoder (a BOM is kept, as with ignoreBOM), about 3x
  // cheaper on a large plan (docs/performance.md).
  if (!isUtf8(bytes)) {
    return {
      issues: [
        {
          severity: 'error',
          path: '',
          code: 'JSON_ENCODING',
          message: 'the file is not valid UTF-8',
          hint: 'plans are UTF-8 text',
        },
      ],
    };
  }
  return { text: bytes.toString('utf8'), issues: [] };
}

/**
 * Reads and validates a plan file; never throws for a bad plan or an unreadable file: every problem is an issue
 * (FILE_UNREADABLE, PLAN_TOO_LARGE, JSON_ENCODING, ...). The file is never read past maxBytes.
 */
export async function validatePlanFile(path: string, options: ParseOptions = {}): Promise<ParseResult> {
  const read = await readJsonText(path, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (read.text === undefined) return { issues: read.issues };
  return parsePlan(read.text, options);
}

/**
 * Reads a plan for use: returns the plan and its warnings, or throws PlanInvalidError (code PLAN_INVALID, exit code 2)
 * carrying every issue when there is an error.
 */
export async function readPlan(path: string, options: ParseOptions = {}): Promise<{ plan: Plan; issues: Issue[] }> {
  const result = await validatePlanFile(path, options);
  if (result.plan === undefined || hasErrors(result.issues)) throw new PlanInvalidError(result.issues, path);
  return { plan: result.plan, issues: result.issues };
}

export interface WriteOptions {
  /** Validate before writing and refuse an invalid plan (default true). */
  validate?: boolean;
}

/**
 * Writes a plan in canonical form (sorted keys, resources by kind order then key, 2-space indentation, final
 * newline), atomically, mode 0600. Refuses (PlanInvalidError) to write a plan with errors unless validate is false.
 */
export async function writePlan(path: string, plan: Plan, options: WriteOptions = {}): Promise<void> {
  const text = serializePlan(plan);
  if (options.validate !== false) {
    const checked = checkPlan(JSON.parse(text));
    if (hasErrors(checked.issues)) throw new PlanInvalidError(checked.issues);
  }
  await atomicWriteFile(path, text, 0o600);
}
