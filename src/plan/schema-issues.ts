/** Turns ajv's errors into plan Issues: one per problem, with a JSON pointer, a stable code, a message and a hint. */
import type { ErrorObject } from 'ajv';
import { PLAN_KINDS } from './kinds.js';
import { sensitiveFields } from './schema.js';
import type { Issue } from './types.js';

function codeFor(keyword: string): string {
  return `SCHEMA_${keyword.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

function escapeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Edit distance, for "did you mean" hints on unknown fields. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function allowedProperties(parent: unknown): string[] {
  if (typeof parent !== 'object' || parent === null) return [];
  const properties = (parent as { properties?: Record<string, unknown> }).properties;
  return properties === undefined ? [] : Object.keys(properties);
}

function describeAnyOf(siblings: ErrorObject[]): string {
  const parts = siblings.map((error) => error.message ?? error.keyword);
  return parts.length > 0 ? parts.join(', or ') : 'must match one of the allowed forms';
}

let sensitiveNames: Set<string> | undefined;

/** Whether an instance path ends in a sensitive field (its value must never appear in a message). */
function isSensitivePath(path: string): boolean {
  sensitiveNames ??= new Set(PLAN_KINDS.flatMap((kind) => sensitiveFields(kind)));
  return sensitiveNames.has(path.slice(path.lastIndexOf('/') + 1));
}

function single(raw: ErrorObject, siblings: ErrorObject[]): Issue {
  const error = isSensitivePath(raw.instancePath) ? { ...raw, data: '(sensitive value)' } : raw;
  const base = { severity: 'error' as const, path: error.instancePath, code: codeFor(error.keyword) };
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
    case 'dependentRequired': {
      const missing = String(params.missingProperty);
      const issue: Issue = {
        ...base,
        code: 'SCHEMA_REQUIRED',
        path: `${error.instancePath}/${escapeSegment(missing)}`,
        message: `missing required field "${missing}"`,
      };
      if (error.keyword === 'dependentRequired') issue.message += ` (needed with "${String(params.property)}")`;
      return issue;
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = allowedProperties(error.parentSchema);
      const issue: Issue = {
        ...base,
        code: 'SCHEMA_UNKNOWN_FIELD',
        path: `${error.instancePath}/${escapeSegment(extra)}`,
        message: `unknown field "${extra}"`,
      };
      const near = allowed.filter((name) => distance(name, extra) <= 2);
      if (near.length > 0) issue.hint = `did you mean "${near[0]!}"?`;
      else if (allowed.length > 0) issue.hint = `allowed here: ${allowed.join(', ')}`;
      else issue.hint = 'no field is allowed here';
      return issue;
    }
    case 'discriminator': {
      if (params.error === 'tag' && params.tagValue === undefined) {
        return {
          ...base,
          code: 'KIND_MISSING',
          path: `${error.instancePath}/kind`,
          message: 'the resource has no "kind"',
          hint: `one of: ${PLAN_KINDS.join(', ')}`,
        };
      }
      return {
        ...base,
        code: 'KIND_UNKNOWN',
        path: `${error.instancePath}/kind`,
        message: `unknown kind ${show(params.tagValue)}`,
        hint: `one of: ${PLAN_KINDS.join(', ')}`,
      };
    }
    case 'type':
      return {
        ...base,
        message: `must be of type ${String(params.type).replaceAll(',', ' or ')}, not ${describeType(error.data)}`,
      };
    case 'format':
      return { ...base, message: `${show(error.data)} is not a valid ${String(params.format)}` };
    case 'enum':
      return {
        ...base,
        message: `${show(error.data)} is not one of ${(params.allowedValues as unknown[]).map(show).join(', ')}`,
      };
    case 'const':
      return { ...base, message: `must be ${show(params.allowedValue)}` };
    case 'pattern': {
      const issue: Issue = {
        ...base,
        message: `${truncate(show(error.data))} does not match the pattern ${String(params.pattern)}`,
      };
      if (/\/key$/.test(error.instancePath))
        issue.hint = 'a key is "<kind>:<name>" with the kind of its entry, e.g. "network:private"';
      return issue;
    }
    case 'maxLength':
    case 'minLength':
      return {
        ...base,
        message: `${error.message ?? ''} (it has ${typeof error.data === 'string' ? error.data.length : '?'})`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { ...base, code: 'SCHEMA_RANGE', message: `${show(error.data)} is out of range: ${error.message ?? ''}` };
    case 'anyOf':
    case 'oneOf':
      return { ...base, message: `${truncate(show(error.data))} is invalid: ${describeAnyOf(siblings)}` };
    default:
      return { ...base, message: error.message ?? error.keyword };
  }
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

const FOLDED = new Set(['type', 'format', 'pattern', 'const', 'enum', 'maxLength', 'minLength']);

/**
 * Maps ajv errors to issues. Errors that only restate another are folded: the branches of an anyOf are merged into one
 * issue at the anyOf; an if/then/else reports only the failing branch's own errors.
 */
export function schemaIssues(errors: readonly ErrorObject[] | null | undefined): Issue[] {
  if (!errors) return [];
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const byPath = new Map<string, ErrorObject[]>();
  const issues: Issue[] = [];
  for (const error of errors) {
    if (anyOfPaths.has(error.instancePath) && FOLDED.has(error.keyword)) {
      const list = byPath.get(error.instancePath) ?? [];
      list.push(error);
      byPath.set(error.instancePath, list);
    }
  }
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (anyOfPaths.has(error.instancePath) && FOLDED.has(error.keyword)) continue;
    issues.push(single(error, byPath.get(error.instancePath) ?? []));
  }
  return issues;
}
