/** Human renderings of a dry run (actions, differences, preflight), an apply's progress and summary, a rollback. */
import { formatBytes } from './workload.js';
import type { PlannedAction } from '../../engine/actions.js';
import { countActions } from '../../engine/actions.js';
import type { ApplyResult } from '../../engine/apply.js';
import { blockingCause, type ChangeSet } from '../../engine/dry-run.js';
import type { EngineEvent } from '../../engine/events.js';
import type { CleanupItem, CleanupResult } from '../../engine/cleanup.js';
import type { Plan } from '../../plan/types.js';
import type { RollbackResult } from '../../engine/rollback.js';
import { PLACED_KINDS } from '../../mapping/kinds.js';
import { redact } from '../../shared/secret.js';
import { table } from './output.js';

const SYMBOL: Record<string, string> = {
  create: '+',
  lossy: '+~',
  update: '~',
  'no-op': '=',
  conflict: '!',
  blocked: 'x',
};

function short(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(redact(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function detail(a: PlannedAction): string {
  const parts: string[] = [];
  if (a.reason) parts.push(a.reason);
  if (a.lossy?.length)
    parts.push(`not kept: ${a.lossy.map((f) => (a.unsupported?.[f] ? `${f} (${a.unsupported[f]})` : f)).join(', ')}`);
  if (a.candidates?.length) parts.push(`candidates: ${a.candidates.join(', ')}`);
  if (a.rewrites?.length)
    parts.push(`rewrites ${a.rewrites.map((r) => `${r.field} ${r.from} -> ${r.to} (${r.via})`).join(', ')}`);
  if (a.targetId && !a.reason && a.action !== 'update' && a.action !== 'conflict') parts.push(a.targetId);
  return parts.join('; ');
}

/**
 * Where each server of the dry run goes: its availability zone after the mapping (none: the target's scheduler
 * chooses) and the preflight's check of that zone on the target (PREFLIGHT_AVAILABILITY_ZONE). Servers that exist
 * already are not created, so their zone is not checked.
 */
export function renderPlacement(changes: ChangeSet, plan: Plan | undefined): string {
  const servers = changes.actions.filter((a) => PLACED_KINDS.has(a.kind));
  if (servers.length === 0 || plan === undefined) return '';
  const zoneOf = new Map(
    plan.resources.map((r) => [r.key, (r.spec as { availability_zone?: unknown }).availability_zone]),
  );
  const issues = changes.preflight.issues;
  const unreadable = issues.some((i) => i.code === 'PREFLIGHT_ZONES_UNREADABLE');
  const rows = servers.map((a) => {
    const zone = zoneOf.get(a.key);
    const named = typeof zone === 'string' && zone !== '';
    let check: string;
    if (a.action !== 'create' && a.action !== 'lossy') check = `not created (${a.action})`;
    else if (!named) check = 'scheduler chooses';
    else if (issues.some((i) => i.code === 'PREFLIGHT_AVAILABILITY_ZONE' && i.key === a.key)) check = 'NOT ON TARGET';
    else check = unreadable ? 'not checked' : 'ok';
    return [a.key, named ? zone : '(none)', check];
  });
  return `\nplacement:\n${table(['entry', 'zone', 'on target'], rows)}`;
}

/**
 * The dry run as a table: one line per entry, then the differences, the placement of servers (given the plan), the
 * preflight and the counts.
 */
export function renderChangesTable(changes: ChangeSet, options: { showNoop?: boolean; plan?: Plan } = {}): string {
  const shown = changes.actions.filter((a) => options.showNoop !== false || a.action !== 'no-op');
  let out = table(
    ['', 'action', 'key', 'detail'],
    shown.map((a) => [SYMBOL[a.action] ?? '', a.action, a.key, detail(a)]),
  );
  const diffs = changes.actions.filter((a) => a.changes?.length);
  if (diffs.length > 0) {
    out += '\ndifferences (target -> plan):\n';
    for (const a of diffs) {
      out += `  ${a.key} (${a.targetId ?? ''})\n`;
      for (const c of a.changes ?? [])
        out += `    ${c.updatable ? '~' : '!'} ${c.field}: ${short(c.from)} -> ${short(c.to)}${c.updatable ? '' : '  (cannot be updated in place)'}\n`;
    }
  }
  out += renderPlacement(changes, options.plan ?? changes.plan);
  const pf = changes.preflight;
  if (pf.checks.length > 0) {
    out += '\nquotas:\n';
    out += table(
      ['service', 'resource', 'needed', 'available', 'limit', 'used', ''],
      pf.checks.map((c) => [
        c.service,
        c.resource,
        c.need,
        c.available ?? 'unlimited',
        c.limit ?? 'unlimited',
        c.used,
        c.ok ? 'ok' : 'NOT ENOUGH',
      ]),
    );
  }
  if (pf.issues.length > 0) {
    out += '\npreflight:\n';
    for (const i of pf.issues) out += `  ${i.severity === 'error' ? 'error  ' : 'warning'} ${i.message} [${i.code}]\n`;
  }
  const counts = countActions(changes.actions);
  out += `\n${
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([a, n]) => `${n} ${a}`)
      .join(', ') || 'nothing'
  } on ${changes.target.cloud} (project ${changes.target.project_id})\n`;
  // The verdict stays the last line (a blocked dry run ends with its cause); the digest comes just before it.
  out += `Digest: ${changes.digest} (approve with apply --expect-digest)\n`;
  out += changes.ok ? 'Everything can be applied.\n' : `Cannot be applied: ${blockingCause(changes)}.\n`;
  return out;
}

/** One line per engine event worth a line on a non-interactive log (the interactive view uses a spinner). */
export function renderEventLine(event: EngineEvent): string | undefined {
  switch (event.type) {
    case 'node.done':
      return event.action === 'no-op'
        ? undefined
        : `${event.action === 'update' ? 'updated' : 'created'} ${event.key}${event.targetId ? ` (${event.targetId})` : ''}`;
    case 'node.failed':
      return `FAILED ${event.key}: ${event.error.message} [${event.error.code}]`;
    case 'node.skipped':
      return `skipped ${event.key} (upstream ${event.upstream} failed)`;
    case 'rollback.delete':
      return `deleting ${event.key} (${event.targetId})`;
    case 'rollback.keep':
      return `kept ${event.key} (${event.targetId}): ${event.reason}`;
    case 'warning':
      return `warning: ${event.message}`;
    default:
      return undefined;
  }
}

export function renderApplySummary(result: ApplyResult): string {
  const s = result.summary;
  let out = '';
  const failed = result.nodes.filter((n) => n.outcome === 'failed');
  if (failed.length > 0) {
    out += '\nfailed:\n';
    for (const n of failed) out += `  ${n.key}: ${n.error?.message ?? ''} [${n.error?.code ?? ''}]\n`;
  }
  const skipped = result.nodes.filter((n) => n.outcome === 'skipped');
  if (skipped.length > 0) out += `\nskipped (a dependency failed): ${skipped.map((n) => n.key).join(', ')}\n`;
  const warned = result.nodes.filter((n) => (n.warnings?.length ?? 0) > 0);
  if (warned.length > 0) {
    out += '\nwarnings (what was not done):\n';
    for (const n of warned) for (const w of n.warnings!) out += `  ${n.key}: ${w.message} [${w.code}]\n`;
  }
  out += `\n${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.failed} failed, ${s.skipped} skipped${s.cancelled ? `, ${s.cancelled} not started` : ''} in ${(s.elapsedMs / 1000).toFixed(1)} s\n`;
  const w = result.workload;
  if (w) {
    const objects = w.objects_copied ? ` (${w.objects_copied} object${w.objects_copied === 1 ? '' : 's'})` : '';
    out += `data: ${formatBytes(w.bytes_moved)}${objects} moved; source servers: ${w.source_stopped.length} stopped, ${w.source_restarted.length} restarted`;
    out +=
      w.source_still_stopped.length > 0
        ? `, ${w.source_still_stopped.length} still stopped (${w.source_still_stopped.join(', ')})`
        : '';
    out += `; temporaries: ${w.temporaries_removed} removed, ${w.temporaries_left} left\n`;
    if (w.source_still_stopped.length > 0)
      out += 'Start the stopped source servers with --resume --restart-source (or by hand).\n';
    if (w.temporaries_left > 0) out += `Remove the temporaries with: bascule cleanup --journal ${result.journal}\n`;
  }
  out += `journal: ${result.journal}\n`;
  if (result.interrupted) out += 'Interrupted: continue with --resume (the journal is consistent).\n';
  else if (!result.ok) out += 'Fix the failures and run the same command with --resume.\n';
  return out;
}

/** What a cleanup did (or would do, with --dry-run) to the temporaries and stopped source servers of a journal. */
export function renderCleanupTable(result: CleanupResult): string {
  if (result.items.length === 0) return 'no temporary and no stopped source server recorded in the journal\n';
  let out = table(
    ['outcome', 'cloud', 'type', 'id', 'what', 'reason'],
    result.items.map((i) => [i.outcome, i.side, i.type, i.id, i.what ?? '', i.reason ?? '']),
  );
  const count = (o: CleanupItem['outcome']) => result.items.filter((i) => i.outcome === o).length;
  const parts = (
    [
      ['removed', 'removed'],
      ['would remove', 'would be removed'],
      ['gone', 'already gone'],
      ['restarted', 'restarted'],
      ['would restart', 'would be restarted'],
      ['left', 'left'],
      ['failed', 'failed'],
    ] as const
  )
    .filter(([o]) => count(o) > 0)
    .map(([o, label]) => `${count(o)} ${label}`);
  out += `\n${parts.join(', ')}\n`;
  return out;
}

/** What a dry run says instead of an outcome that did not happen. */
const WOULD: Readonly<Record<string, string>> = { deleted: 'would delete', restored: 'would restore' };

export function renderRollbackTable(result: RollbackResult): string {
  const outcome = (o: string) => (result.dryRun ? (WOULD[o] ?? o) : o);
  let out = table(
    ['outcome', 'key', 'id', 'reason'],
    result.items.map((i) => [outcome(i.outcome), i.key, i.id ?? '', i.reason ?? '']),
  );
  const count = (o: string) => result.items.filter((i) => i.outcome === o).length;
  const [deleted, restored] = result.dryRun ? ['would be deleted', 'would be restored'] : ['deleted', 'restored'];
  out += `\n${count('deleted')} ${deleted}, ${count('restored')} ${restored}, ${count('gone')} already gone, ${count('kept')} kept, ${count('failed')} failed\n`;
  if (result.dryRun) out += 'Dry run: nothing was deleted.\n';
  if (result.workload)
    out += `\nworkload data (temporaries, stopped source servers):\n${renderCleanupTable(result.workload)}`;
  return out;
}
