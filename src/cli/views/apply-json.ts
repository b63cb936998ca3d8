/** Machine renderings (JSON) of a dry run, an apply and a rollback: stable shapes, redacted. */
import type { ApplyResult } from '../../engine/apply.js';
import type { ChangeSet } from '../../engine/dry-run.js';
import type { RollbackResult } from '../../engine/rollback.js';
import { serialise } from './output.js';

/** The dry run without the embedded plan (it is in the plan file). */
export function changesDocument(changes: ChangeSet): Omit<ChangeSet, 'plan'> {
  const { plan: _plan, ...rest } = changes;
  return rest;
}

export function renderApplyJson(
  doc: { changes: ChangeSet; result?: ApplyResult; applied: boolean },
  format: 'json' | 'yaml',
): string {
  return serialise(
    { changes: changesDocument(doc.changes), applied: doc.applied, ...(doc.result ? { result: doc.result } : {}) },
    format,
  );
}

export function renderRollbackJson(result: RollbackResult, format: 'json' | 'yaml'): string {
  return serialise(result, format);
}
