/**
 * Reading mapping files: YAML 1.2 or JSON (read with the same YAML parser, JSON being a subset), bounded, with the
 * line and column of every problem; MappingInvalidError (exit code 2) when there is an error.
 */
import { readFile, stat } from 'node:fs/promises';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { Issue } from '../plan/types.js';
import { formatIssues, hasErrors } from '../plan/validate.js';
import { UsageError } from '../shared/errors.js';
import { loadYaml } from '../shared/yaml.js';
import { findInvalidUnicode, INVALID_UNICODE_HINT } from '../shared/unicode.js';
import { toPointer } from '../plan/json.js';
import type { Mapping } from './types.js';
import { validateMapping } from './validate.js';

/** Largest mapping file: 4 MiB (a mapping of thousands of rules is a few hundred KiB). */
export const MAX_MAPPING_BYTES = 4 * 1024 * 1024;

export interface MappingParseResult {
  /** Set only when there is no error (warnings allowed). */
  mapping?: Mapping;
  issues: Issue[];
}

/** A mapping with errors: exit code 2, nothing changed. Carries every issue. */
export class MappingInvalidError extends UsageError {
  readonly issues: Issue[];
  readonly file: string | undefined;

  constructor(issues: Issue[], file?: string) {
    const errors = issues.filter((i) => i.severity === 'error');
    const first = errors[0];
    const where = first?.line === undefined ? '' : ` (line ${first.line})`;
    const summary =
      first === undefined
        ? ''
        : `: ${first.path || '(document)'}${where} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
    super('MAPPING_INVALID', `${file ?? 'the mapping'} is not a valid mapping${summary}`, {
      hint:
        file === undefined
          ? 'check it with bascule mapping validate'
          : `see every problem with: bascule mapping validate ${file}`,
    });
    this.name = 'MappingInvalidError';
    this.issues = issues;
    this.file = file;
  }

  /** The full report, as formatMappingIssues gives it. */
  report(): string {
    return formatMappingIssues(this.issues, this.file);
  }
}

/** Issues as text, with line:col when known. Ends with a newline. */
export function formatMappingIssues(issues: readonly Issue[], file?: string): string {
  const located = issues.map((i) =>
    i.line === undefined
      ? i
      : { ...i, path: `${i.path === '' ? '(document)' : i.path} (line ${i.line}, column ${i.column ?? 1})` },
  );
  return formatIssues(located, file === undefined ? {} : { file });
}

function unescape(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * The offset in the source of what a JSON pointer designates: the value when it exists, else the key or the closest
 * existing parent (a missing field points at the object that lacks it).
 */
function offsetOf(root: Node | null, path: string, atKey: boolean): number | undefined {
  let node: unknown = root;
  let best: number | undefined = (root as Node | null)?.range?.[0];
  for (const segment of path.split('/').slice(1).map(unescape)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === segment);
      if (pair === undefined) return best;
      const keyStart = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      best = keyStart ?? best;
      node = pair.value;
      const valueStart = (pair.value as Node | null)?.range?.[0];
      if (valueStart !== undefined && !isMap(node) && !isSeq(node) && !atKey) best = valueStart;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (item === undefined) return best;
      node = item;
      best = item.range?.[0] ?? best;
    } else return best;
  }
  return best;
}

export interface StrictYamlOptions {
  /** Largest text in bytes, and the code of the issue when it is larger. */
  maxBytes: number;
  tooLargeCode: string;
  what: string;
  /** The code and hint when the document is empty. */
  emptyCode: string;
  emptyHint: string;
  /** Every problem of the parsed value (schema, then semantics); pointers into the value. */
  validate: (value: unknown) => Issue[];
}

/**
 * Parses YAML 1.2 or JSON text strictly (unique keys, no merge keys, bounded aliases) and validates it; every issue
 * carries the line and column of what its pointer designates. Shared by mappings and campaign files.
 */
export function parseStrictYaml(text: string, options: StrictYamlOptions): { value?: unknown; issues: Issue[] } {
  if (Buffer.byteLength(text, 'utf8') > options.maxBytes) {
    return {
      issues: [
        {
          severity: 'error',
          path: '',
          code: options.tooLargeCode,
          message: `the ${options.what} is larger than ${options.maxBytes} bytes`,
        },
      ],
    };
  }
  const loaded = loadYaml(text);
  const position = loaded.position;
  const syntax: Issue[] = loaded.problems.map((p) => ({
    severity: p.severity,
    path: '',
    code: p.code === 'YAML_DUPLICATE_KEY' ? 'MAPPING_DUPLICATE_KEY' : p.code,
    message: p.message,
    ...(p.line === undefined ? {} : { line: p.line, column: p.column ?? 1 }),
  }));
  if (hasErrors(syntax)) return { issues: syntax };
  const value = loaded.value;
  const doc = loaded.doc;
  if (value === null || value === undefined) {
    return {
      issues: [
        ...syntax,
        {
          severity: 'error',
          path: '',
          code: options.emptyCode,
          message: `the ${options.what} file is empty`,
          hint: options.emptyHint,
        },
      ],
    };
  }
  // Strings that are not Unicode text (a lone surrogate from a `"\ud800"` escape, a noncharacter) are refused with
  // their pointer before the schema runs, as in a plan (src/shared/unicode.ts).
  const unicode: Issue[] = findInvalidUnicode(value).map(({ path, inKey, problem }) => ({
    severity: 'error',
    path: toPointer(path),
    code: 'STRING_INVALID_UNICODE',
    message: `the ${inKey ? 'key' : 'string'} holds ${problem.what} at character ${problem.index + 1}: it is not Unicode text`,
    hint: INVALID_UNICODE_HINT,
    ...position(offsetOf(doc.contents, toPointer(path), inKey)),
  }));
  if (unicode.length > 0) return { issues: [...syntax, ...unicode] };
  const issues = [
    ...syntax,
    ...options.validate(value).map((issue) => ({
      ...issue,
      ...position(offsetOf(doc.contents, issue.path, issue.code === 'SCHEMA_UNKNOWN_FIELD')),
    })),
  ];
  return hasErrors(issues) ? { issues } : { value, issues };
}

/** Parses and validates mapping text (YAML or JSON). `path` is only used in messages. */
export function parseMapping(text: string, path?: string): MappingParseResult {
  void path;
  const { value, issues } = parseStrictYaml(text, {
    maxBytes: MAX_MAPPING_BYTES,
    tooLargeCode: 'MAPPING_TOO_LARGE',
    what: 'mapping',
    emptyCode: 'MAPPING_EMPTY',
    emptyHint: 'start it with: format: bascule.mapping/v1',
    validate: validateMapping,
  });
  return value === undefined ? { issues } : { mapping: value as Mapping, issues };
}

/** Reads and validates a mapping file; never throws: an unreadable file is a FILE_UNREADABLE issue. */
export async function validateMappingFile(path: string): Promise<MappingParseResult> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile())
      return {
        issues: [{ severity: 'error', path: '', code: 'FILE_UNREADABLE', message: `${path} is not a regular file` }],
      };
    if (info.size > MAX_MAPPING_BYTES)
      return {
        issues: [
          {
            severity: 'error',
            path: '',
            code: 'MAPPING_TOO_LARGE',
            message: `${path} is ${info.size} bytes, more than the limit of ${MAX_MAPPING_BYTES}`,
          },
        ],
      };
    const bytes = await readFile(path);
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    if (error instanceof TypeError)
      return {
        issues: [
          {
            severity: 'error',
            path: '',
            code: 'MAPPING_ENCODING',
            message: `${path} is not valid UTF-8`,
            hint: 'mapping files are UTF-8 text',
          },
        ],
      };
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    return {
      issues: [{ severity: 'error', path: '', code: 'FILE_UNREADABLE', message: `cannot read ${path} (${code})` }],
    };
  }
  return parseMapping(text, path);
}

/** Reads a mapping for use, or throws MappingInvalidError (code MAPPING_INVALID, exit code 2) with every issue. */
export async function loadMapping(path: string): Promise<Mapping> {
  const result = await validateMappingFile(path);
  if (result.mapping === undefined || hasErrors(result.issues)) throw new MappingInvalidError(result.issues, path);
  return result.mapping;
}
