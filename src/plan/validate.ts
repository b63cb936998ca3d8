/** Validation of a parsed plan: version (with upgrade), JSON Schema, then the semantic rules; every problem at once. */
import { checkRules } from './rules.js';
import { planValidator } from './schema.js';
import { schemaIssues } from './schema-issues.js';
import type { Issue, Plan } from './types.js';
import { upgradePlan } from './upgrade.js';

export interface CheckResult {
  /** The plan in the current format, set only when there is no error (warnings allowed). */
  plan?: Plan;
  /** Every problem found, errors and warnings. */
  issues: Issue[];
  /** The format version the document was in (0 when it was upgraded from v0). */
  from?: number;
}

/** Default largest number of entries in a plan's `resources` (raise it with --max-entries). */
export const DEFAULT_MAX_ENTRIES = 100_000;

export interface CheckOptions {
  /** Largest number of entries in `resources` (default DEFAULT_MAX_ENTRIES). */
  maxEntries?: number;
}

/** Appends without spreading: `push(...list)` overflows the call stack past about 100,000 items. */
export function append<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}

/** Orders issues by path (numeric segments as numbers), keeping the original order within a path. */
function byPath(a: Issue, b: Issue): number {
  const x = a.path.split('/');
  const y = b.path.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    const m = /^[0-9]+$/.test(p) ? Number(p) : NaN;
    const n = /^[0-9]+$/.test(q) ? Number(q) : NaN;
    if (!Number.isNaN(m) && !Number.isNaN(n)) return m - n;
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

const RESOURCE_PATH = /^\/resources\/([0-9]+)(?:\/|$)/;

/**
 * Checks a parsed document: detects its version (upgrading an older plan in memory with a PLAN_UPGRADED warning),
 * validates the schema, then runs the semantic rules on the resources the schema accepted.
 */
export function checkPlan(value: unknown, options: CheckOptions = {}): CheckResult {
  const upgraded = upgradePlan(value);
  const issues = [...upgraded.issues];
  if (upgraded.plan === undefined || issues.some((i) => i.severity === 'error')) {
    return upgraded.from === undefined ? { issues } : { issues, from: upgraded.from };
  }
  const document = upgraded.plan;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const entries = (document as { resources?: unknown }).resources;
  if (Array.isArray(entries) && entries.length > maxEntries) {
    issues.push({
      severity: 'error',
      path: '/resources',
      code: 'PLAN_TOO_MANY_ENTRIES',
      message: `the plan has ${entries.length} entries, more than the limit of ${maxEntries}`,
      hint: 'raise the limit with --max-entries N if the plan is genuine (docs/plan-format.md, "Limits")',
    });
    return { issues, from: upgraded.from! };
  }
  const validate = planValidator();
  const ok = validate(document);
  const schema = ok ? [] : schemaIssues(validate.errors);
  append(issues, schema);
  const resources = (document as { resources?: unknown }).resources;
  const topLevelBroken = schema.some(
    (i) => !RESOURCE_PATH.test(i.path) && (i.path === '' || i.path.startsWith('/resources')),
  );
  if (Array.isArray(resources) && !topLevelBroken) {
    const invalid = new Set<number>();
    for (const issue of schema) {
      const match = RESOURCE_PATH.exec(issue.path);
      if (match) invalid.add(Number(match[1]));
    }
    const regions = (document as { provenance?: { regions?: unknown } }).provenance?.regions;
    append(issues, checkRules({ resources, invalid, regions: Array.isArray(regions) && regions.length > 0 }));
  }
  issues.sort(byPath);
  const result: CheckResult = { issues, from: upgraded.from! };
  if (!issues.some((i) => i.severity === 'error')) result.plan = document as Plan;
  return result;
}

/** All problems of a parsed plan document (see checkPlan). */
export function validatePlan(plan: unknown): Issue[] {
  return checkPlan(plan).issues;
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

export interface FormatIssuesOptions {
  /** Show at most this many issues (default 200); the rest are counted. */
  limit?: number;
  /** A name for the file, shown in the summary line. */
  file?: string;
}

/** Human-readable text of issues, one block per issue, then a summary line. Ends with a newline. */
export function formatIssues(issues: readonly Issue[], options: FormatIssuesOptions = {}): string {
  const limit = options.limit ?? 200;
  const lines: string[] = [];
  for (const issue of issues.slice(0, limit)) {
    lines.push(
      `${issue.severity === 'error' ? 'error  ' : 'warning'} ${issue.path === '' ? '(document)' : issue.path}  ${issue.code}`,
    );
    lines.push(`        ${issue.message}`);
    if (issue.hint !== undefined) lines.push(`        hint: ${issue.hint}`);
  }
  if (issues.length > limit) lines.push(`... and ${issues.length - limit} more`);
  const errors = issues.filter((i) => i.severity === 'error').length;
  const warnings = issues.length - errors;
  const where = options.file === undefined ? '' : `${options.file}: `;
  const summary =
    errors === 0 && warnings === 0
      ? `${where}valid`
      : `${where}${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  lines.push(summary);
  return `${lines.join('\n')}\n`;
}
