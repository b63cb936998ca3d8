/**
 * Rollback: undoes what one journal says Bascule did on the target, in reverse dependency order. Only objects the
 * journal records as created AND that still carry their marker (or, for kinds without a marker field, still match
 * their entry exactly) are deleted; pre-existing objects Bascule updated get their previous values back; anything
 * else is never touched. Every delete is journaled (intent, result) in the same file, so a rollback can resume too.
 */
import { randomUUID } from 'node:crypto';
import type { KindWriter, ResolvedEntry } from '../kinds/kind.js';
import type { PlanResource } from '../plan/types.js';
import { BasculeError, UsageError } from '../shared/errors.js';
import { diffEntry, targetView } from './compare.js';
import { readContextFor, type EngineDeps } from './context.js';
import { descriptorOf } from '../kinds/registry.js';
import { errorInfo, NO_EVENTS } from './events.js';
import { cleanupWorkload, type CleanupResult } from './cleanup.js';
import {
  fileJournal,
  journaled,
  journalState,
  readJournal,
  type CreatedObject,
  type JournalStore,
  type UpdatedObject,
} from './journal.js';

export interface RollbackItem {
  key: string;
  kind: string;
  id?: string;
  outcome: 'deleted' | 'restored' | 'gone' | 'kept' | 'failed';
  reason?: string;
}

export interface RollbackResult {
  ok: boolean;
  /** A dry run: nothing was deleted or restored; `deleted` and `restored` say what would be. */
  dryRun?: true;
  items: RollbackItem[];
  /** Workload data: temporaries removed on both clouds, source servers started again (when the journal has any). */
  workload?: CleanupResult;
}

export interface RollbackOptions {
  journalPath: string;
  /** Where the journal lives when not in `journalPath` (a campaign database); `journalPath` then only names it. */
  journalStore?: JournalStore;
  /** Only say what would be done. */
  dryRun?: boolean;
}

/** Whether a target object is the one Bascule created for this entry. */
async function owns(deps: EngineDeps, writer: KindWriter, wire: unknown, object: CreatedObject): Promise<boolean> {
  if (writer.hasMarker(wire, object.marker) || writer.provisional?.(wire, object.marker) === true) return true;
  if (!descriptorOf(object.kind).markerless || !object.entry) return false;
  const view = targetView(wire, deps.readerFor?.(object.kind), readContextFor(deps.target), object.entry);
  return diffEntry(object.entry, object.refs ?? {}, view, {}).length === 0;
}

function resolvedOf(object: {
  entry?: PlanResource;
  refs?: Record<string, string | string[]>;
  marker?: string;
}): ResolvedEntry | undefined {
  if (!object.entry) return undefined;
  return { entry: object.entry, refs: object.refs ?? {}, marker: object.marker ?? '' };
}

/** Rolls back what the journal records. Throws UsageError for a journal of another target. */
export async function rollback(deps: EngineDeps, options: RollbackOptions): Promise<RollbackResult> {
  const emit = deps.onEvent ?? NO_EVENTS;
  // A journal file must exist (JOURNAL_UNREADABLE otherwise); another store reads [] for none (JOURNAL_EMPTY).
  const records = options.journalStore ? await options.journalStore.read() : await readJournal(options.journalPath);
  const state = journalState(records);
  const first = state.runs[0];
  if (!first) throw new UsageError('JOURNAL_EMPTY', `${options.journalPath} records no run: nothing to roll back`);
  if (first.target.project_id !== deps.target.projectId) {
    throw new UsageError(
      'JOURNAL_TARGET_CHANGED',
      `${options.journalPath} was written for project ${first.target.project_id} on ${first.target.cloud}, not ${deps.target.projectId}`,
    );
  }
  const ctx = deps.target;
  const items: RollbackItem[] = [];
  const journal = options.dryRun
    ? undefined
    : await (options.journalStore ?? fileJournal(options.journalPath)).open(randomUUID(), records);
  if (journal) {
    await journal.append({
      t: 'run',
      format: 'bascule.journal/v1',
      run: journal.run,
      at: new Date().toISOString(),
      mode: 'rollback',
      plan_digest: first.plan_digest,
      target: first.target,
      source_project: first.source_project,
    });
  }
  const record = async (
    key: string,
    kind: CreatedObject['kind'],
    op: 'delete' | 'update',
    marker: string,
    rank: number,
    targetId: string,
    call: () => Promise<void>,
  ) => {
    if (!journal) return;
    await journaled(journal, { key, kind, op, marker, rank, target_id: targetId }, call, { idOf: () => targetId });
  };

  type Work = { rank: number; created?: CreatedObject; updated?: UpdatedObject };
  const work: Work[] = [
    ...[...state.created.values()].map((c) => ({ rank: c.rank, created: c })),
    ...[...state.updated.values()].map((u) => ({ rank: u.rank, updated: u })),
  ];
  work.sort((a, b) => b.rank - a.rank);
  let failed = false;
  let workload: CleanupResult | undefined;
  try {
    // Workload data first: the temporaries of both clouds (a clone's Cinder snapshot, snapshot and upload images,
    // disk copies), and the source servers Bascule stopped are started again.
    if (state.temporaries.size > 0 || state.stopped.size > 0) {
      workload = await cleanupWorkload(
        { target: ctx.cloud, ...(ctx.source ? { source: ctx.source.cloud } : {}) },
        {
          journalPath: options.journalPath,
          ...(options.journalStore ? { journalStore: options.journalStore } : {}),
          restartSource: true,
          ...(options.dryRun ? { dryRun: true } : {}),
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          ...(journal ? { journal } : {}),
        },
      );
      if (!workload.ok) failed = true;
    }
    for (const item of work) {
      if (ctx.signal?.aborted) throw new BasculeError('ABORTED', 'rollback interrupted', { exitCode: 130 });
      const object = item.created ?? item.updated!;
      const writer = deps.writerFor(object.kind);
      if (!writer) continue;
      try {
        if (item.created) {
          const created = item.created;
          let targets: { id: string; wire: unknown }[] = [];
          if (created.id !== undefined) {
            const wire = writer.get ? await writer.get(ctx, created.id) : undefined;
            if (wire === undefined) {
              items.push({ key: created.key, kind: created.kind, id: created.id, outcome: 'gone' });
              continue;
            }
            targets = [{ id: created.id, wire }];
          } else {
            // The create is in doubt: whatever carries its marker is what it made.
            const resolved = resolvedOf(created);
            if (!resolved) continue;
            targets = (await writer.find(ctx, resolved)).map((wire) => ({ id: writer.idOf(wire), wire }));
            if (targets.length === 0) {
              // Said, not skipped in silence: the create either made nothing or made something nothing points to.
              items.push({
                key: created.key,
                kind: created.kind,
                outcome: 'gone',
                reason: 'its create was in doubt and nothing on the target carries its marker',
              });
              continue;
            }
          }
          for (const { id, wire } of targets) {
            if (!(await owns(deps, writer, wire, created))) {
              const reason =
                created.id === undefined
                  ? 'found by name but not carrying the marker: not known to be ours'
                  : 'it no longer carries the marker (changed since): left alone';
              items.push({ key: created.key, kind: created.kind, id, outcome: 'kept', reason });
              emit({ type: 'rollback.keep', key: created.key, kind: created.kind, targetId: id, reason });
              continue;
            }
            emit({ type: 'rollback.delete', key: created.key, kind: created.kind, targetId: id });
            if (!options.dryRun)
              await record(created.key, created.kind, 'delete', created.marker, created.rank, id, () =>
                writer.remove(ctx, id),
              );
            items.push({ key: created.key, kind: created.kind, id, outcome: 'deleted' });
          }
        } else {
          const updated = item.updated!;
          const wire = writer.get ? await writer.get(ctx, updated.id) : undefined;
          if (wire === undefined || !updated.entry || !writer.update) {
            items.push({
              key: updated.key,
              kind: updated.kind,
              id: updated.id,
              outcome: wire === undefined ? 'gone' : 'kept',
              reason: 'cannot restore',
            });
            continue;
          }
          const spec = { ...(updated.entry.spec as unknown as Record<string, unknown>) };
          const refs = { ...(updated.refs ?? {}) };
          for (const [field, value] of Object.entries(updated.before)) {
            if (field.startsWith('refs.')) refs[field.slice(5)] = value as string | string[];
            else spec[field] = value ?? undefined;
          }
          const resolved: ResolvedEntry = {
            entry: { ...updated.entry, spec } as unknown as PlanResource,
            refs,
            marker: '',
          };
          if (!options.dryRun)
            await record(
              updated.key,
              updated.kind,
              'update',
              '',
              updated.rank,
              updated.id,
              async () => void (await writer.update!(ctx, wire, resolved, Object.keys(updated.before))),
            );
          items.push({ key: updated.key, kind: updated.kind, id: updated.id, outcome: 'restored' });
        }
      } catch (error) {
        failed = true;
        items.push({ key: object.key, kind: object.kind, outcome: 'failed', reason: errorInfo(error).message });
        emit({
          type: 'warning',
          key: object.key,
          code: errorInfo(error).code,
          message: `rollback of ${object.key} failed: ${errorInfo(error).message}`,
        });
      }
    }
  } finally {
    if (journal) {
      await journal.append({
        t: 'end',
        run: journal.run,
        at: new Date().toISOString(),
        ok: !failed,
        interrupted: ctx.signal?.aborted ?? false,
        counts: {},
      });
      await journal.close();
    }
  }
  return {
    ok: !failed,
    items,
    ...(options.dryRun ? { dryRun: true as const } : {}),
    ...(workload ? { workload } : {}),
  };
}
