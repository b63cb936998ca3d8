import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { Journal, journalState, readJournal, sanitizeEntry, type JournalRecord } from '../../src/engine/journal.js';
import type { PlanResource } from '../../src/plan/types.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'bascule-journal-')), 'j.jsonl');
const run: JournalRecord = {
  t: 'run',
  format: 'bascule.journal/v1',
  run: 'r1',
  at: 'now',
  mode: 'apply',
  plan_digest: 'd',
  target: { cloud: 'c', project_id: 'p' },
  source_project: 's',
};
const intent = (seq: number, key: string, op: 'create' | 'update' | 'delete' = 'create'): JournalRecord => ({
  t: 'intent',
  run: 'r1',
  seq,
  at: 'now',
  key,
  kind: 'network',
  op,
  marker: `m-${key}`,
  rank: seq,
});
const result = (seq: number, key: string, ok: boolean, extra: object = {}): JournalRecord => ({
  t: 'result',
  run: 'r1',
  seq,
  at: 'now',
  key,
  kind: 'network',
  op: 'create',
  ok,
  ...extra,
});

describe('journal', () => {
  it('appends fsync-ed JSON lines, mode 0600, continuing the sequence on reopen', async () => {
    const path = file();
    const j = await Journal.open(path, 'r1');
    await j.append(run);
    await j.append(intent(j.nextSeq(), 'network:a'));
    await j.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const records = await readJournal(path);
    expect(records).toHaveLength(2);
    const again = await Journal.open(path, 'r2', records);
    expect(again.nextSeq()).toBe(2);
    await again.close();
  });

  it('appends made while a write is on disk are written together, in order, with one fsync (group commit)', async () => {
    const path = file();
    const j = await Journal.open(path, 'r1');
    const probe = await open(path, 'r');
    const datasync = vi.spyOn(Object.getPrototypeOf(probe) as { datasync(): Promise<void> }, 'datasync');
    await probe.close();
    try {
      await j.append(run);
      const keys = Array.from({ length: 40 }, (_, i) => `network:n${i}`);
      const durable: string[] = [];
      await Promise.all(keys.map((key) => j.append(intent(j.nextSeq(), key)).then(() => durable.push(key))));
      expect(durable.sort()).toEqual([...keys].sort());
      // 41 records, far fewer fsyncs: the first alone, then the 40 that came during it in one or two batches.
      expect(datasync.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      datasync.mockRestore();
      await j.close();
    }
    const records = await readJournal(path);
    expect(records.map((r) => (r.t === 'intent' ? r.key : r.t))).toEqual([
      'run',
      ...Array.from({ length: 40 }, (_, i) => `network:n${i}`),
    ]);
  });

  it('ignores a last line cut short by a kill, refuses a damaged line elsewhere', async () => {
    const path = file();
    writeFileSync(path, `${JSON.stringify(run)}\n${JSON.stringify(intent(1, 'network:a'))}\n{"t":"resu`);
    expect(await readJournal(path)).toHaveLength(2);
    writeFileSync(path, `${JSON.stringify(run)}\n{"t":"resu\n${JSON.stringify(intent(1, 'network:a'))}\n`);
    await expect(readJournal(path)).rejects.toMatchObject({ code: 'JOURNAL_INVALID' });
    await expect(readJournal(join(tmpdir(), 'nope-bascule.jsonl'))).rejects.toMatchObject({
      code: 'JOURNAL_UNREADABLE',
    });
    expect(await readJournal(join(tmpdir(), 'nope-bascule.jsonl'), { missingOk: true })).toEqual([]);
  });

  it('state: created with ids, creates in doubt, refused creates forgotten, deletes remove', () => {
    const state = journalState([
      run,
      intent(1, 'network:a'),
      result(1, 'network:a', true, { id: 'A' }),
      intent(2, 'network:b'),
      intent(3, 'network:c'),
      result(3, 'network:c', false, { error: { code: 'OS_BAD_REQUEST', message: 'no' } }),
      intent(4, 'network:d'),
      result(4, 'network:d', false, { error: { code: 'OS_NETWORK', message: 'reset' } }),
      intent(5, 'network:e'),
      result(5, 'network:e', true, { id: 'E' }),
      { ...intent(6, 'network:e', 'delete') },
      { t: 'result', run: 'r1', seq: 6, at: 'now', key: 'network:e', kind: 'network', op: 'delete', ok: true, id: 'E' },
    ]);
    expect(state.created.get('network:a')).toMatchObject({ id: 'A', inDoubt: false });
    expect(state.created.get('network:b')).toMatchObject({ inDoubt: true });
    expect(state.created.has('network:c')).toBe(false);
    expect(state.created.get('network:d')).toMatchObject({ inDoubt: true });
    expect(state.created.has('network:e')).toBe(false);
    expect(state.inDoubt.map((i) => (i as { key: string }).key)).toEqual(['network:b']);
    expect(state.finished).toBe(false);
  });

  it('never writes sensitive fields', () => {
    const entry = {
      kind: 'server',
      key: 'server:a',
      spec: { name: 'a', user_data: 'c2VjcmV0' },
      sensitive: ['user_data'],
    } as PlanResource;
    expect(sanitizeEntry(entry).spec).toEqual({ name: 'a' });
    expect(entry.spec).toHaveProperty('user_data');
  });
});
