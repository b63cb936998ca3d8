/**
 * A defensive JSON reader for plans. Before JSON.parse ever sees the text, a single linear scan checks the grammar
 * and refuses what JSON.parse would accept silently or handle badly: nesting deeper than a limit, `__proto__`,
 * `constructor` and `prototype` keys, duplicate keys (JSON.parse keeps the last one), strings of megabytes and
 * numbers that do not fit a double or lose precision. Every problem comes with its JSON pointer, line and column.
 */
import { INVALID_UNICODE_HINT, invalidCodePoint, mayHoldInvalidCodePoint } from '../shared/unicode.js';
import type { Issue } from './types.js';

export interface ScanLimits {
  /** Deepest nesting of arrays and objects (default 32; a plan needs about 8). */
  maxDepth?: number;
  /** Longest string in characters (default 1 MiB). */
  maxStringLength?: number;
  /** Stop after this many problems (default 100). */
  maxIssues?: number;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Up to this many keys, an object's keys are checked for duplicates in an array (no Set per object for the GC). */
const SMALL_OBJECT = 16;

/** JSON pointer (RFC 6901) from path segments. */
export function toPointer(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) out += `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return out;
}

/** 1-based line and column (in UTF-16 code units) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

class Fatal extends Error {}

function describeChar(code: number): string {
  if (Number.isNaN(code)) return 'end of input';
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  return `'${String.fromCharCode(code)}'`;
}

class Scanner {
  readonly issues: Issue[] = [];
  #pos = 0;
  readonly #text: string;
  readonly #path: (string | number)[] = [];
  readonly #maxDepth: number;
  readonly #maxString: number;
  readonly #maxIssues: number;
  /** Whether any string may hold a lone surrogate or a noncharacter (else the per-string check is skipped). */
  readonly #suspect: boolean;
  /**
   * The quick pass of safeParseJson: a string without a backslash is skipped to its closing quote by indexOf, not
   * read character by character, so a control character in it is not seen here (JSON.parse refuses it, and then the
   * careful pass reports it). Only whether there is any problem counts: the careful pass gives the issues.
   */
  readonly #quick: boolean;
  /** In the quick pass, the position of the next backslash at or after the last one looked for (the text's length if none). */
  #backslash = -1;

  constructor(text: string, limits: ScanLimits, quick = false) {
    this.#text = text;
    this.#quick = quick;
    this.#suspect = mayHoldInvalidCodePoint(text);
    this.#maxDepth = limits.maxDepth ?? 32;
    this.#maxString = limits.maxStringLength ?? 1024 * 1024;
    this.#maxIssues = limits.maxIssues ?? 100;
  }

  run(): void {
    try {
      this.#ws();
      if (this.#pos >= this.#text.length) this.#fail('JSON_SYNTAX', 'the file is empty', 'a plan is a JSON object');
      this.#value(0);
      this.#ws();
      if (this.#pos < this.#text.length) {
        this.#fail(
          'JSON_SYNTAX',
          `unexpected ${describeChar(this.#text.charCodeAt(this.#pos))} after the end of the JSON value`,
        );
      }
    } catch (error) {
      if (!(error instanceof Fatal)) throw error;
    }
  }

  #report(code: string, message: string, at: number, hint?: string, path: string = toPointer(this.#path)): void {
    const { line, column } = lineColumn(this.#text, at);
    const issue: Issue = {
      severity: 'error',
      path,
      code,
      message: `${message} (line ${line}, column ${column})`,
      line,
      column,
    };
    if (hint !== undefined) issue.hint = hint;
    this.issues.push(issue);
    if (this.issues.length >= this.#maxIssues) throw new Fatal();
  }

  #fail(code: string, message: string, hint?: string): never {
    this.#report(code, message, this.#pos, hint);
    throw new Fatal();
  }

  #ws(): void {
    const text = this.#text;
    let pos = this.#pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos += 1;
      else break;
    }
    this.#pos = pos;
  }

  #value(depth: number): void {
    const c = this.#text.charCodeAt(this.#pos);
    if (c === 0x7b) this.#object(depth + 1);
    else if (c === 0x5b) this.#array(depth + 1);
    else if (c === 0x22) this.#string(false);
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) this.#number();
    else if (c === 0x74) this.#literal('true');
    else if (c === 0x66) this.#literal('false');
    else if (c === 0x6e) this.#literal('null');
    else this.#fail('JSON_SYNTAX', `unexpected ${describeChar(c)}, expected a value`);
  }

  #enter(depth: number): void {
    if (depth > this.#maxDepth) {
      this.#fail(
        'JSON_TOO_DEEP',
        `nesting deeper than ${this.#maxDepth} levels`,
        'a plan is never nested this deep; the file is broken or hostile',
      );
    }
  }

  #object(depth: number): void {
    this.#enter(depth);
    const text = this.#text;
    this.#pos += 1;
    this.#ws();
    if (text.charCodeAt(this.#pos) === 0x7d) {
      this.#pos += 1;
      return;
    }
    // The keys seen, for duplicates: an array while the object is small (most are), a set past SMALL_OBJECT keys.
    const seen: string[] = [];
    let keys: Set<string> | undefined;
    for (;;) {
      if (text.charCodeAt(this.#pos) !== 0x22) {
        this.#fail(
          'JSON_SYNTAX',
          `unexpected ${describeChar(text.charCodeAt(this.#pos))}, expected a property name in double quotes`,
        );
      }
      const keyAt = this.#pos;
      const key = this.#string(true)!;
      this.#ws();
      if (text.charCodeAt(this.#pos) !== 0x3a) {
        this.#fail(
          'JSON_SYNTAX',
          `unexpected ${describeChar(text.charCodeAt(this.#pos))}, expected ':' after a property name`,
        );
      }
      this.#pos += 1;
      this.#path.push(key);
      // __proto__ and prototype have 9 characters, constructor 11: other keys are not hashed for the set.
      if ((key.length === 9 || key.length === 11) && FORBIDDEN_KEYS.has(key)) {
        this.#report(
          'JSON_FORBIDDEN_KEY',
          `the key "${key}" is not allowed`,
          keyAt,
          'keys __proto__, constructor and prototype are refused to rule out prototype pollution',
        );
      }
      const duplicate = keys !== undefined ? keys.has(key) : seen.includes(key);
      if (duplicate)
        this.#report(
          'JSON_DUPLICATE_KEY',
          `the key "${key}" appears twice in the same object`,
          keyAt,
          'JSON readers disagree on which one wins; keep one',
        );
      else if (keys !== undefined) keys.add(key);
      else if (seen.push(key) > SMALL_OBJECT) keys = new Set(seen);
      this.#ws();
      this.#value(depth);
      this.#path.pop();
      this.#ws();
      const c = text.charCodeAt(this.#pos);
      if (c === 0x2c) {
        this.#pos += 1;
        this.#ws();
      } else if (c === 0x7d) {
        this.#pos += 1;
        return;
      } else this.#fail('JSON_SYNTAX', `unexpected ${describeChar(c)}, expected ',' or '}'`);
    }
  }

  #array(depth: number): void {
    this.#enter(depth);
    const text = this.#text;
    this.#pos += 1;
    this.#ws();
    if (text.charCodeAt(this.#pos) === 0x5d) {
      this.#pos += 1;
      return;
    }
    for (let index = 0; ; index += 1) {
      this.#path.push(index);
      this.#value(depth);
      this.#path.pop();
      this.#ws();
      const c = text.charCodeAt(this.#pos);
      if (c === 0x2c) {
        this.#pos += 1;
        this.#ws();
      } else if (c === 0x5d) {
        this.#pos += 1;
        return;
      } else this.#fail('JSON_SYNTAX', `unexpected ${describeChar(c)}, expected ',' or ']'`);
    }
  }

  /** Scans a string at #pos (on its opening quote); returns its decoded value when `wanted`. */
  #string(wanted: boolean): string | undefined {
    const text = this.#text;
    const start = this.#pos;
    if (this.#quick && !this.#suspect) {
      const end = text.indexOf('"', start + 1);
      if (this.#backslash < start && this.#backslash !== text.length) {
        const next = text.indexOf('\\', start);
        this.#backslash = next === -1 ? text.length : next;
      }
      if (end !== -1 && this.#backslash > end) {
        this.#pos = end + 1;
        if (end - start - 1 > this.#maxString) this.#fail('JSON_STRING_TOO_LONG', 'a string too long');
        return wanted ? text.slice(start + 1, end) : undefined;
      }
    }
    let pos = start + 1;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        const e = text.charCodeAt(pos + 1);
        if (e === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
            this.#pos = pos;
            this.#fail('JSON_SYNTAX', 'bad \\u escape in a string, expected four hex digits');
          }
          pos += 6;
        } else if (
          e === 0x22 ||
          e === 0x5c ||
          e === 0x2f ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          pos += 2;
        } else {
          this.#pos = pos;
          this.#fail('JSON_SYNTAX', `bad escape '\\${Number.isNaN(e) ? '' : String.fromCharCode(e)}' in a string`);
        }
        continue;
      }
      if (Number.isNaN(c)) {
        this.#pos = start;
        this.#fail('JSON_SYNTAX', 'unterminated string');
      }
      if (c < 0x20) {
        this.#pos = pos;
        this.#fail('JSON_SYNTAX', `${describeChar(c)} inside a string, it must be escaped`);
      }
      pos += 1;
    }
    this.#pos = pos + 1;
    const length = pos - start - 1;
    if (length > this.#maxString) {
      this.#report(
        'JSON_STRING_TOO_LONG',
        `a string of ${length} characters, longer than the limit of ${this.#maxString}`,
        start,
        undefined,
        toPointer(wanted ? [...this.#path, '(key)'] : this.#path),
      );
    }
    if (!wanted && !this.#suspect) return undefined;
    const raw = text.slice(start + 1, pos);
    const value = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
    if (this.#suspect) {
      const bad = invalidCodePoint(value);
      if (bad !== undefined)
        this.#report(
          'STRING_INVALID_UNICODE',
          `the ${wanted ? 'key' : 'string'} holds ${bad.what} at character ${bad.index + 1}: it is not Unicode text`,
          start,
          INVALID_UNICODE_HINT,
          toPointer(wanted ? [...this.#path, value] : this.#path),
        );
    }
    return wanted ? value : undefined;
  }

  #number(): void {
    const text = this.#text;
    const start = this.#pos;
    let pos = start;
    if (text.charCodeAt(pos) === 0x2d) pos += 1;
    const digits = (): number => {
      const from = pos;
      while (text.charCodeAt(pos) >= 0x30 && text.charCodeAt(pos) <= 0x39) pos += 1;
      return pos - from;
    };
    const firstDigit = text.charCodeAt(pos);
    const intDigits = digits();
    if (intDigits === 0) {
      this.#pos = pos;
      this.#fail('JSON_SYNTAX', `unexpected ${describeChar(text.charCodeAt(pos))} in a number`);
    }
    if (firstDigit === 0x30 && intDigits > 1) {
      this.#pos = start;
      this.#fail('JSON_SYNTAX', 'a number with a leading zero');
    }
    let integer = true;
    if (text.charCodeAt(pos) === 0x2e) {
      integer = false;
      pos += 1;
      if (digits() === 0) {
        this.#pos = pos;
        this.#fail('JSON_SYNTAX', 'a number with no digit after the decimal point');
      }
    }
    const e = text.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      pos += 1;
      const sign = text.charCodeAt(pos);
      if (sign === 0x2b || sign === 0x2d) pos += 1;
      if (digits() === 0) {
        this.#pos = pos;
        this.#fail('JSON_SYNTAX', 'a number with no digit in its exponent');
      }
    }
    this.#pos = pos;
    if (!integer || intDigits > 15) {
      const value = Number(text.slice(start, pos));
      if (!Number.isFinite(value)) {
        this.#report(
          'JSON_NUMBER_RANGE',
          `the number ${text.slice(start, Math.min(pos, start + 40))} is out of range`,
          start,
        );
      } else if (integer && !Number.isSafeInteger(value)) {
        this.#report(
          'JSON_NUMBER_RANGE',
          `the integer ${text.slice(start, Math.min(pos, start + 40))} is too large to be exact`,
          start,
          'integers above 2^53-1 lose precision; write IDs as strings',
        );
      }
    }
  }

  #literal(word: string): void {
    if (!this.#text.startsWith(word, this.#pos)) {
      this.#fail('JSON_SYNTAX', `unexpected ${describeChar(this.#text.charCodeAt(this.#pos))}, expected a value`);
    }
    this.#pos += word.length;
  }
}

/** Scans JSON text; returns its problems (empty when it is safe to hand to JSON.parse). */
export function scanJson(text: string, limits: ScanLimits = {}): Issue[] {
  const scanner = new Scanner(text, limits);
  scanner.run();
  return scanner.issues;
}

export interface SafeParseResult {
  value?: unknown;
  issues: Issue[];
}

/**
 * Scans then parses; `value` is set only when there was no problem. A quick scan first (see Scanner's #quick): when it
 * finds nothing and JSON.parse takes the text, the careful scan would have found nothing either; otherwise the
 * careful scan gives the issues, as it always did. A valid plan is read once by the quick scan and once by JSON.parse.
 */
export function safeParseJson(text: string, limits: ScanLimits = {}): SafeParseResult {
  const quick = new Scanner(text, limits, true);
  quick.run();
  if (quick.issues.length === 0) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const issues = scanJson(text, limits);
      if (issues.length > 0) return { issues };
      throw error;
    }
    return { value, issues: [] };
  }
  const issues = scanJson(text, limits);
  if (issues.length > 0) return { issues };
  return { value: JSON.parse(text) as unknown, issues };
}
