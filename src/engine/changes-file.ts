/**
 * Saved dry runs (`bascule.changes/v1`, written by `apply --dry-run --out FILE`): read with the same strict JSON
 * reader as plans (size, depth, duplicate and prototype keys, encoding), checked against their own JSON Schema, the
 * embedded plan checked as any plan, and the digest recomputed from what the file holds.
 *
 * The digest (changesDigest, in dry-run.ts) covers everything the apply will send: the mapped plan, how externals were matched, the
 * actions the dry run found and the target. It is not a signature: anyone who edits the file can recompute it. What it
 * gives is a short value a reviewer approves; `apply --expect-digest HEX` refuses any file whose content does not hash
 * to it (docs/apply.md, "Saved dry runs").
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { compileRegex } from '../mapping/match.js';
import { safeParseJson } from '../plan/json.js';
import { isPlanKind } from '../plan/kinds.js';
import { schemaIssues } from '../plan/schema-issues.js';
import type { Issue, Plan } from '../plan/types.js';
import { checkPlan, formatIssues, hasErrors, type CheckOptions } from '../plan/validate.js';
import { UsageError } from '../shared/errors.js';
import { planDigest } from './context.js';
import type { ChangeSet } from './dry-run.js';
import { CHANGES_FORMAT, changesDigest } from './dry-run.js';
import schemaJson from './schema/changes.schema.json' with { type: 'json' };

export const CHANGES_SCHEMA: Readonly<Record<string, unknown>> = schemaJson as Record<string, unknown>;

let compiled: ValidateFunction | undefined;

function changesValidator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, verbose: true });
    compiled = ajv.compile(CHANGES_SCHEMA);
  }
  return compiled;
}

/** A saved dry run with errors: exit code 2, nothing sent to any cloud. Carries every issue. */
export class ChangesInvalidError extends UsageError {
  readonly issues: Issue[];

  constructor(issues: Issue[], file: string) {
    const errors = issues.filter((i) => i.severity === 'error');
    const first = errors[0];
    const summary =
      first === undefined
        ? ''
        : `: ${first.path || '(document)'} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
    super('CHANGES_INVALID', `${file} is not a valid saved dry run${summary}`, {
      hint: 'make a new one with: bascule apply PLAN --to CLOUD --dry-run --out FILE',
    });
    this.name = 'ChangesInvalidError';
    this.issues = issues;
  }

  report(): string {
    return formatIssues(this.issues);
  }
}

/** Whether JSON text claims to be a saved dry run (its `format`), before it is parsed. */
export function looksLikeChanges(text: string): boolean {
  return /"format"\s*:\s*"bascule\.changes\//.test(text.slice(0, 4096)) || text.includes(`"${CHANGES_FORMAT}"`);
}

export interface ChangesParseResult {
  changes?: ChangeSet & { plan: Plan };
  issues: Issue[];
}

/** Parses and checks a saved dry run. Never throws for bad input; `changes` is set only when there is no error. */
export function parseChanges(text: string, options: CheckOptions = {}): ChangesParseResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parsed = safeParseJson(body);
  if (hasErrors(parsed.issues)) return { issues: parsed.issues };
  const value = parsed.value;
  const validate = changesValidator();
  if (!validate(value)) return { issues: schemaIssues(validate.errors) };
  const doc = value as unknown as ChangeSet & { plan: unknown };
  const issues: Issue[] = [];
  doc.actions.forEach((action, index) => {
    if (!isPlanKind(action.kind))
      issues.push({
        severity: 'error',
        path: `/actions/${index}/kind`,
        code: 'CHANGES_UNKNOWN_KIND',
        message: `unknown kind ${JSON.stringify(action.kind)}`,
      });
  });
  for (const [key, resolution] of Object.entries(doc.resolution ?? {})) {
    if (resolution.within === undefined) continue;
    const compiled = compileRegex(resolution.within);
    if (typeof compiled === 'string')
      issues.push({
        severity: 'error',
        path: `/resolution/${key.replaceAll('~', '~0').replaceAll('/', '~1')}/within`,
        code: 'CHANGES_REGEX_INVALID',
        message: `${JSON.stringify(resolution.within)} is not a valid regular expression: ${compiled}`,
      });
  }
  const checked = checkPlan(doc.plan, options);
  for (const issue of checked.issues) issues.push({ ...issue, path: `/plan${issue.path}` });
  if (hasErrors(issues) || checked.plan === undefined) return { issues };
  const plan = checked.plan;
  const keys = new Set(plan.resources.map((r) => r.key));
  doc.actions.forEach((action, index) => {
    if (!keys.has(action.key))
      issues.push({
        severity: 'error',
        path: `/actions/${index}/key`,
        code: 'CHANGES_UNKNOWN_KEY',
        message: `the action names ${JSON.stringify(action.key)}, which the embedded plan does not hold`,
      });
  });
  if (doc.plan_digest !== planDigest(plan))
    issues.push({
      severity: 'error',
      path: '/plan_digest',
      code: 'CHANGES_DIGEST_MISMATCH',
      message: 'the embedded plan does not match plan_digest: the file was changed after the dry run',
    });
  const digest = changesDigest({ plan, resolution: doc.resolution, actions: doc.actions, target: doc.target });
  if (doc.digest !== digest)
    issues.push({
      severity: 'error',
      path: '/digest',
      code: 'CHANGES_DIGEST_MISMATCH',
      message: 'the content does not match the digest: the file was changed after the dry run',
    });
  if (hasErrors(issues)) return { issues };
  return { changes: { ...doc, plan }, issues };
}

/** A saved dry run for use, or ChangesInvalidError (exit 2) with every issue. */
export function readChanges(text: string, file: string, options: CheckOptions = {}): ChangeSet & { plan: Plan } {
  const result = parseChanges(text, options);
  if (result.changes === undefined) throw new ChangesInvalidError(result.issues, file);
  return result.changes;
}
