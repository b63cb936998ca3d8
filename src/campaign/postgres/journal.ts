/**
 * A project's apply journal as rows of `bascule.journal`: the same records as the journal files
 * (src/engine/journal.ts), in the order they were written. Every append is fenced by the job's lease, in the
 * same transaction: a worker that lost its job cannot add a record, so the journal a new owner resumes from is
 * never written to behind its back.
 */
import type pg from 'pg';
import type { JournalRecord } from '../../engine/journal.js';
import { BasculeError } from '../../shared/errors.js';
import { fenced, type Lease } from './lease.js';

export interface ProjectRef {
  campaign: string;
  project: string;
}

/** Reads a project's journal records in write order ([] when it has none). */
export async function readPgJournal(db: pg.Pool, ref: ProjectRef): Promise<JournalRecord[]> {
  const { rows } = await db.query<{ record: JournalRecord }>(
    `SELECT record FROM bascule.journal WHERE campaign = $1 AND project = $2 ORDER BY n`,
    [ref.campaign, ref.project],
  );
  return rows.map((r) => r.record);
}

/** An open journal of one project, written under one lease. Same surface as the file journal's writer. */
export class PgJournal {
  readonly run: string;
  readonly path: string;
  #seq: number;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #db: pg.Pool;
  readonly #ref: ProjectRef;
  readonly #lease: Lease;

  constructor(db: pg.Pool, ref: ProjectRef, lease: Lease, run: string, existing: readonly JournalRecord[] = []) {
    this.#db = db;
    this.#ref = ref;
    this.#lease = lease;
    this.run = run;
    this.path = `postgres:${ref.campaign}/${ref.project}`;
    let seq = 0;
    for (const record of existing)
      if ((record.t === 'intent' || record.t === 'result') && record.seq > seq) seq = record.seq;
    this.#seq = seq;
  }

  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** Appends one record, committed before the promise resolves; LEASE_LOST (nothing written) once fenced out. */
  append(record: JournalRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new BasculeError('JOURNAL_CLOSED', `the journal ${this.path} is closed`));
    const write = this.#tail.then(() =>
      fenced(this.#db, this.#lease, async (client) => {
        await client.query(
          `INSERT INTO bascule.journal (campaign, project, record, job_key, generation) VALUES ($1, $2, $3, $4, $5)`,
          [this.#ref.campaign, this.#ref.project, JSON.stringify(record), this.#lease.jobKey, this.#lease.generation],
        );
      }),
    );
    this.#tail = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail;
  }
}
