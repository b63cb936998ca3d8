/**
 * Cleanup of workload data: what a journal says Bascule left on either cloud. Every temporary it recorded (a source
 * snapshot image, a volume upload image, a Cinder snapshot and volume of a clone, a target disk copy) and not yet
 * recorded as removed is removed, and with it any image carrying this journal's `bascule_journal` property (one made
 * in the instant before its journal line); with `restartSource`, the source servers it stopped and did not start
 * again are started. Nothing else is touched: a temporary of another journal (kept with --keep-temporary) stays.
 * Each removal and start is a journal line, so cleanup can be run again.
 */
import { randomUUID } from 'node:crypto';
import type { Cloud } from '../openstack/cloud.js';
import * as servers from '../openstack/compute/servers/requests.js';
import { isNotFound } from '../openstack/errors.js';
import { waitOrThrow } from '../openstack/waiter.js';
import { UsageError } from '../shared/errors.js';
import {
  findTemporaryImages,
  orderForRemoval,
  removeTemporary,
  WORKLOAD_OBJECT,
  workloadObjectExists,
  type WorkloadObjectType,
} from '../transfer/workload.js';
import { errorInfo } from './events.js';
import {
  fileJournal,
  journalState,
  readJournal,
  type JournalStore,
  type JournalWriter,
  type WorkloadRecord,
} from './journal.js';

export interface CleanupItem {
  side: 'source' | 'target';
  type: WorkloadObjectType;
  id: string;
  what?: string;
  outcome: 'removed' | 'would remove' | 'gone' | 'restarted' | 'would restart' | 'running' | 'left' | 'failed';
  reason?: string;
}

export interface CleanupResult {
  ok: boolean;
  items: CleanupItem[];
}

export interface CleanupOptions {
  journalPath: string;
  dryRun?: boolean;
  /** Start the source servers the journal says Bascule stopped and did not start again. */
  restartSource?: boolean;
  signal?: AbortSignal;
  /** An open journal to write to (rollback's); else cleanup opens the file itself. */
  journal?: JournalWriter;
  /** Where the journal lives when not in `journalPath` (a campaign database); `journalPath` then only names it. */
  journalStore?: JournalStore;
}

/** Removes the temporaries a journal records on both clouds (and restarts stopped source servers when asked). */
export async function cleanupWorkload(
  clouds: { target: Cloud; source?: Cloud },
  options: CleanupOptions,
): Promise<CleanupResult> {
  const store = options.journalStore ?? fileJournal(options.journalPath);
  const records = options.journalStore ? await store.read() : await readJournal(options.journalPath);
  const state = journalState(records);
  const first = state.runs[0];
  if (!first) throw new UsageError('JOURNAL_EMPTY', `${options.journalPath} records no run: nothing to clean up`);
  const signal = options.signal;
  const items: CleanupItem[] = [];
  const cloudOf = (side: 'source' | 'target') => (side === 'source' ? clouds.source : clouds.target);
  const todo: WorkloadRecord[] = [...state.temporaries.values()];
  // Images of this journal made in the instant before their journal line: found by `bascule_journal`.
  for (const side of ['source', 'target'] as const) {
    const cloud = cloudOf(side);
    if (!cloud) continue;
    for (const image of await findTemporaryImages(cloud, undefined, signal, { journal: first.run }))
      if (!todo.some((t) => t.id === image.id))
        todo.push({
          t: 'workload',
          run: first.run,
          at: '',
          event: 'temporary',
          side,
          type: WORKLOAD_OBJECT.image,
          id: image.id,
          what: `found by its journal property (${image.name ?? image.id})`,
        });
  }
  const own = options.dryRun ? undefined : (options.journal ?? (await store.open(randomUUID(), records)));
  const journal = own;
  if (journal && !options.journal)
    await journal.append({
      t: 'run',
      format: 'bascule.journal/v1',
      run: journal.run,
      at: new Date().toISOString(),
      mode: 'cleanup',
      plan_digest: first.plan_digest,
      target: first.target,
      source_project: first.source_project,
      ...(first.source ? { source: first.source } : {}),
    });
  const line = async (e: Omit<WorkloadRecord, 't' | 'run' | 'at'>) => {
    if (journal) await journal.append({ t: 'workload', run: journal.run, at: new Date().toISOString(), ...e });
  };
  let failed = false;
  try {
    for (const t of orderForRemoval(todo)) {
      const base = { side: t.side, type: t.type, id: t.id, ...(t.what ? { what: t.what } : {}) };
      const cloud = cloudOf(t.side);
      if (!cloud) {
        failed = true;
        items.push({
          ...base,
          outcome: 'left',
          reason: `on the source cloud${first.source ? ` ${first.source.cloud}` : ''}: give --from`,
        });
        continue;
      }
      try {
        if (!(await workloadObjectExists(cloud, t, signal))) {
          items.push({ ...base, outcome: 'gone' });
          await line({ event: 'removed', side: t.side, type: t.type, id: t.id });
          continue;
        }
        if (options.dryRun) {
          items.push({ ...base, outcome: 'would remove' });
          continue;
        }
        const type = t.type === WORKLOAD_OBJECT.server ? WORKLOAD_OBJECT.image : t.type;
        if (await removeTemporary(cloud, { imageId: t.id, type })) {
          items.push({ ...base, outcome: 'removed' });
          await line({ event: 'removed', side: t.side, type: t.type, id: t.id });
        } else {
          failed = true;
          items.push({ ...base, outcome: 'failed', reason: 'the cloud did not remove it (see the log)' });
        }
      } catch (error) {
        failed = true;
        items.push({ ...base, outcome: 'failed', reason: errorInfo(error).message });
      }
    }
    for (const s of state.stopped.values()) {
      const base = {
        side: 'source' as const,
        type: WORKLOAD_OBJECT.server,
        id: s.id,
        ...(s.what ? { what: s.what } : {}),
      };
      if (!options.restartSource) {
        items.push({ ...base, outcome: 'left', reason: 'stopped by Bascule: start it with --restart-source' });
        continue;
      }
      const source = clouds.source;
      if (!source) {
        failed = true;
        items.push({ ...base, outcome: 'left', reason: 'on the source cloud: give --from' });
        continue;
      }
      try {
        const server = await servers.get(source.compute, s.id, signal ? { signal } : {});
        if (server.status !== 'SHUTOFF') {
          items.push({ ...base, outcome: 'running', reason: `already ${server.status}` });
          await line({
            event: 'started',
            side: 'source',
            type: WORKLOAD_OBJECT.server,
            id: s.id,
            ...(s.what ? { what: s.what } : {}),
          });
          continue;
        }
        if (options.dryRun) {
          items.push({ ...base, outcome: 'would restart' });
          continue;
        }
        await servers.start(source.compute, s.id, signal);
        await waitOrThrow(`source server ${server.name ?? s.id}, starting again`, {
          poll: () => servers.get(source.compute, s.id, signal ? { signal } : {}),
          status: (v) => v.status,
          ready: ['ACTIVE'],
          failed: ['ERROR'],
          timeoutMs: 10 * 60_000,
          intervalMs: 500,
          ...(signal ? { signal } : {}),
        });
        items.push({ ...base, outcome: 'restarted' });
        await line({
          event: 'started',
          side: 'source',
          type: WORKLOAD_OBJECT.server,
          id: s.id,
          ...(s.what ? { what: s.what } : {}),
        });
      } catch (error) {
        if (isNotFound(error)) {
          items.push({ ...base, outcome: 'gone' });
          await line({ event: 'started', side: 'source', type: WORKLOAD_OBJECT.server, id: s.id });
          continue;
        }
        failed = true;
        items.push({ ...base, outcome: 'failed', reason: errorInfo(error).message });
      }
    }
  } finally {
    if (journal && !options.journal) {
      await journal.append({
        t: 'end',
        run: journal.run,
        at: new Date().toISOString(),
        ok: !failed,
        interrupted: signal?.aborted ?? false,
        counts: {},
      });
      await journal.close();
    }
  }
  return { ok: !failed, items };
}
