/**
 * The apply journal's fsync cost, on its own (issue #18): every record is fdatasync'ed before the engine goes on (an
 * intent before its call, a result after). Measured in the directory of BENCH_JOURNAL_DIR (default the system's temp
 * directory; give the disk the journals live on):
 *   - one record at a time, each awaited (what one node in flight pays per record);
 *   - 2,000 records (a 1k apply: an intent and a result each) from 16 writers at once, as an apply at concurrency 16
 *     appends them: with the group commit of src/engine/journal.ts, against the same records one fsync each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, type JournalRecord } from '../src/engine/journal.js';
import type { BenchResult } from './run.js';

const RECORDS = 2000;
const WRITERS = 16;

function record(seq: number): JournalRecord {
  return {
    t: 'intent',
    run: 'bench',
    seq,
    at: new Date().toISOString(),
    key: `network:n${seq}`,
    kind: 'network',
    op: 'create',
    marker: `bascule:bench/network:n${seq}`,
  } as JournalRecord;
}

export async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(process.env['BENCH_JOURNAL_DIR'] ?? tmpdir(), 'bascule-bench-journal-'));
  try {
    // One at a time: each append awaited before the next (one fdatasync each).
    const single = await Journal.open(join(dir, 'single.jsonl'), 'bench');
    const ones = 200;
    let started = performance.now();
    for (let i = 1; i <= ones; i++) await single.append(record(i));
    const perRecord = (performance.now() - started) / ones;
    await single.close();

    // 16 writers at once, each awaiting its own append before the next, as nodes in flight do.
    const grouped = await Journal.open(join(dir, 'grouped.jsonl'), 'bench');
    let seq = 0;
    started = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (seq < RECORDS) await grouped.append(record(++seq));
      }),
    );
    const groupedMs = performance.now() - started;
    await grouped.close();
    const oneByOne = perRecord * RECORDS;
    return [
      {
        name: `journal: one record appended and fdatasync'ed, awaited (mean of ${ones} in a row)`,
        value: perRecord,
        unit: 'ms',
        baseline_or_limit: null,
        ratio: null,
      },
      {
        name: `journal: ${RECORDS} records from ${WRITERS} writers at once (group commit), vs one fsync each`,
        value: groupedMs / 1000,
        unit: 's',
        baseline_or_limit: oneByOne / 1000,
        ratio: groupedMs / oneByOne,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
