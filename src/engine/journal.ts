/**
 * The apply journal: append-only JSON lines, each one written and fsync'ed before the engine goes on. Before every
 * mutating step the engine writes an `intent` (what it is about to do, with the entry's marker); after it, a
 * `result` (the target ID, or the error). A run killed at any point leaves at most one step per entry "in doubt"
 * (an intent without a result); a resumed run replays the plan, and the writers' find-by-marker locates whatever
 * that step created, so nothing is created twice. Rollback reads the same file.
 *
 * The journal never holds a secret: entries are written without their sensitive fields (user_data).
 */
import { appendFile, open, readFile, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { PlanKind } from '../plan/kinds.js';
import type { PlanResource } from '../plan/types.js';
import type { WorkloadObjectType } from '../transfer/workload.js';
import { sensitiveFields } from '../plan/schema.js';
import { BasculeError, UsageError } from '../shared/errors.js';
import { errorInfo } from './events.js';

export const JOURNAL_FORMAT = 'bascule.journal/v1';

export type JournalOp = 'create' | 'update' | 'delete' | 'temporary';

export interface RunRecord {
  t: 'run';
  format: typeof JOURNAL_FORMAT;
  run: string;
  at: string;
  mode: 'apply' | 'resume' | 'rollback' | 'cleanup';
  plan_digest: string;
  /** The target cloud's name and project. */
  target: { cloud: string; project_id: string };
  /** The source project the markers derive from. */
  source_project: string;
  /** The source cloud workload data came from (apply --from), for rollback and cleanup of its temporaries. */
  source?: { cloud: string; project_id: string };
}

/**
 * Workload data state on either cloud, journaled as it happens (before the call for a stop, as soon as an ID is
 * known for a temporary): a temporary snapshot, image or volume Bascule made (`temporary`) or removed (`removed`),
 * a source server it stopped for a consistent copy (`stopped`) or started again (`started`).
 */
export interface WorkloadRecord {
  t: 'workload';
  run: string;
  at: string;
  event: 'temporary' | 'removed' | 'stopped' | 'started';
  side: 'source' | 'target';
  type: WorkloadObjectType;
  id: string;
  /** What a temporary carries ("snapshot of server web-1"), or a server's name. */
  what?: string;
}

export interface IntentRecord {
  t: 'intent';
  run: string;
  seq: number;
  at: string;
  key: string;
  kind: PlanKind;
  op: JournalOp;
  marker: string;
  /** Position of the entry in the graph's topological order (rollback goes in reverse). */
  rank: number;
  /** The target object an update or delete is about. */
  target_id?: string;
  /** The entry (without sensitive fields) and its resolved refs: enough for rollback to find what a create made. */
  entry?: PlanResource;
  refs?: Record<string, string | string[]>;
  /** For updates: the target's values before (rollback restores them). */
  before?: Record<string, unknown>;
}

export interface ResultRecord {
  t: 'result';
  run: string;
  seq: number;
  at: string;
  key: string;
  kind: PlanKind;
  op: JournalOp;
  ok: boolean;
  id?: string;
  error?: { code: string; message: string };
  /** What the call could not do and went on without (an object listed on the source and gone when it was read). */
  warnings?: { code: string; message: string }[];
}

export interface EndRecord {
  t: 'end';
  run: string;
  at: string;
  ok: boolean;
  interrupted: boolean;
  counts: Record<string, number>;
}

export type JournalRecord = RunRecord | IntentRecord | ResultRecord | EndRecord | WorkloadRecord;

/** Drops sensitive spec fields (user_data) so the journal can be kept and shared. */
export function sanitizeEntry(entry: PlanResource): PlanResource {
  const secret = new Set([...sensitiveFields(entry.kind), ...(entry.sensitive ?? [])]);
  if (secret.size === 0) return entry;
  const spec = { ...(entry.spec as unknown as Record<string, unknown>) };
  for (const field of secret) delete spec[field];
  return { ...entry, spec } as unknown as PlanResource;
}

/** What a journaled call is about: its intent record without the run, sequence number and time. */
export type Intent = Omit<IntentRecord, 't' | 'run' | 'seq' | 'at'>;

/**
 * One journaled mutating call, the way apply and rollback make every one: the intent (durable before the call),
 * the call, then its result (ok with the object's ID, or the error). `before` runs between the intent and the call,
 * `after` between the call and its result (a test's kill points), outside the result: what they throw is theirs.
 * `failed` sees the call's error before its result is written.
 */
export async function journaled<T>(
  journal: Pick<JournalWriter, 'run' | 'nextSeq' | 'append'>,
  intent: Intent,
  call: () => Promise<T>,
  options: {
    idOf?: (value: T) => string | undefined;
    before?: (seq: number) => Promise<void>;
    after?: (seq: number, id: string | undefined) => Promise<void>;
    failed?: (error: unknown) => void;
    /** The warnings the call gave (read when its result is written). */
    warnings?: () => readonly { code: string; message: string }[];
  } = {},
): Promise<T> {
  const warned = () => {
    const list = options.warnings?.() ?? [];
    return list.length > 0 ? { warnings: [...list] } : {};
  };
  const seq = journal.nextSeq();
  const result = { run: journal.run, seq, key: intent.key, kind: intent.kind, op: intent.op };
  await journal.append({ t: 'intent', run: journal.run, seq, at: new Date().toISOString(), ...intent });
  await options.before?.(seq);
  let value: T;
  try {
    value = await call();
  } catch (error) {
    options.failed?.(error);
    await journal.append({
      t: 'result',
      ...result,
      at: new Date().toISOString(),
      ok: false,
      error: errorInfo(error),
      ...warned(),
    });
    throw error;
  }
  const id = options.idOf?.(value);
  await options.after?.(seq, id);
  await journal.append({
    t: 'result',
    ...result,
    at: new Date().toISOString(),
    ok: true,
    ...(id !== undefined ? { id } : {}),
    ...warned(),
  });
  return value;
}

/** An open journal, as the engine writes it: records appended in order, each durable before its promise resolves. */
export interface JournalWriter {
  /** Where the records go (a file path, or a database location), for messages. */
  readonly path: string;
  readonly run: string;
  nextSeq(): number;
  append(record: JournalRecord): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where a journal lives: a file (the default, `fileJournal`), or rows in the campaign database when workers on
 * several hosts share a campaign (src/campaign/postgres/journal.ts). The records are the same either way.
 */
export interface JournalStore {
  readonly path: string;
  /** Every record in write order ([] for a journal not written yet). */
  read(): Promise<JournalRecord[]>;
  /** Opens the journal for appending; `seq` continues after the highest one in `existing`. */
  open(run: string, existing: readonly JournalRecord[]): Promise<JournalWriter>;
  /** Keeps the journal aside once what it records was rolled back (a file journal is renamed by its caller). */
  keepAside?(): Promise<void>;
}

/** The journal file at `path`. */
export function fileJournal(path: string): JournalStore {
  return {
    path,
    read: () => readJournal(path, { missingOk: true }),
    open: (run, existing) => Journal.open(path, run, existing),
  };
}

/** An open journal. Appends are written in order, and each is fsync'ed before its promise resolves. */
export class Journal implements JournalWriter {
  readonly path: string;
  readonly run: string;
  #handle: FileHandle;
  #seq: number;
  #tail: Promise<void> = Promise.resolve();
  /** The lines waiting for the write in progress to end, written together next (see append). */
  #pending: { lines: string[]; done: Promise<void> } | undefined;
  #closed = false;

  private constructor(path: string, handle: FileHandle, run: string, seq: number) {
    this.path = path;
    this.#handle = handle;
    this.run = run;
    this.#seq = seq;
  }

  /**
   * Opens (creating, mode 0600) a journal for appending. `seq` continues after the highest one in the file. A last
   * line cut short by a kill (no newline after it; never acknowledged, and ignored by readJournal) is cut off first:
   * appending after it would glue the next record onto it and make the whole journal unreadable.
   */
  static async open(path: string, run: string, existing: readonly JournalRecord[] = []): Promise<Journal> {
    await dropTornTail(path);
    const handle = await open(path, 'a', 0o600);
    let seq = 0;
    for (const record of existing)
      if ((record.t === 'intent' || record.t === 'result') && record.seq > seq) seq = record.seq;
    return new Journal(path, handle, run, seq);
  }

  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /**
   * Appends one record; resolves once it is on disk. Records appended while a write is in progress are written
   * together by the next one, in order, with one fdatasync for all of them (group commit): each promise still
   * resolves only after its own line is durable, but 16 nodes in flight no longer wait for 16 fsyncs in a row
   * (docs/performance.md, "Apply").
   */
  append(record: JournalRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new BasculeError('JOURNAL_CLOSED', `the journal ${this.path} is closed`));
    const line = `${JSON.stringify(record)}\n`;
    let batch = this.#pending;
    if (batch === undefined) {
      const lines: string[] = [];
      const done = this.#tail.then(async () => {
        // From here on, new appends start the next batch.
        this.#pending = undefined;
        await this.#handle.write(lines.join(''));
        await this.#handle.datasync();
      });
      batch = { lines, done };
      this.#pending = batch;
      this.#tail = done.catch(() => undefined);
    }
    batch.lines.push(line);
    return batch.done;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#handle.close();
  }
}

/**
 * Ends a journal on a complete line: a last line without its newline is cut off when it is not a whole record (the
 * kill came mid-write), or given its newline when it is (readJournal reads it either way). A missing file stays so.
 */
async function dropTornTail(path: string): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return;
  const start = bytes.lastIndexOf(0x0a) + 1;
  if (parseRecord(bytes.subarray(start).toString('utf8')) !== undefined) await appendFile(path, '\n');
  else await truncate(path, start);
}

function parseRecord(line: string): JournalRecord | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    if (typeof value !== 'object' || value === null || typeof (value as { t?: unknown }).t !== 'string')
      return undefined;
    return value as JournalRecord;
  } catch {
    return undefined;
  }
}

/**
 * Reads a journal. A last line cut short by a kill is ignored (it was never acknowledged); any other bad line is
 * an error (UsageError JOURNAL_INVALID with the line number). A missing file gives [] when `missingOk`.
 */
export async function readJournal(path: string, options: { missingOk?: boolean } = {}): Promise<JournalRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.missingOk) return [];
    throw new UsageError(
      'JOURNAL_UNREADABLE',
      `cannot read the journal ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const lines = text.split('\n');
  const records: JournalRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
    const value = parseRecord(line);
    if (value) records.push(value);
    else {
      if (isLast && !text.endsWith('\n')) break;
      throw new UsageError('JOURNAL_INVALID', `${path}:${i + 1}: not a journal record`, {
        hint: 'a journal is written by bascule apply; do not edit it',
      });
    }
  }
  if (records.length > 0 && records[0]!.t !== 'run')
    throw new UsageError('JOURNAL_INVALID', `${path}:1: a journal starts with a run record`);
  return records;
}

export interface CreatedObject {
  key: string;
  kind: PlanKind;
  marker: string;
  rank: number;
  /** Known when the create's result was recorded. */
  id?: string;
  /** The create's intent has no result: the object may or may not exist (find it by marker). */
  inDoubt: boolean;
  entry?: PlanResource;
  refs?: Record<string, string | string[]>;
}

export interface UpdatedObject {
  key: string;
  kind: PlanKind;
  rank: number;
  id: string;
  before: Record<string, unknown>;
  entry?: PlanResource;
  refs?: Record<string, string | string[]>;
}

export interface JournalState {
  runs: RunRecord[];
  /** What Bascule created (or may have created), by key; deleted objects are removed. */
  created: Map<string, CreatedObject>;
  /** Pre-existing objects Bascule updated, with their values before the first update. */
  updated: Map<string, UpdatedObject>;
  /** Intents without a result. */
  inDoubt: IntentRecord[];
  /** Whether the last run ended (an end record after the last run record). */
  finished: boolean;
  /** Temporaries recorded and not (yet) recorded as removed, by `side/type/id`. */
  temporaries: Map<string, WorkloadRecord>;
  /** Source servers recorded as stopped by Bascule and not (yet) as started again, by ID. */
  stopped: Map<string, WorkloadRecord>;
}

/** Error codes meaning the service refused a request, so it changed nothing. */
const DEFINITIVE = new Set([
  'OS_BAD_REQUEST',
  'OS_UNAUTHORIZED',
  'OS_FORBIDDEN',
  'OS_NOT_FOUND',
  'OS_NOT_ACCEPTABLE',
  'OS_CONFLICT',
  'OS_OVER_QUOTA',
  'OS_TOO_LARGE',
  'OS_VERSION_UNSUPPORTED',
]);

export function isDefinitiveFailure(code: string | undefined): boolean {
  return code !== undefined && DEFINITIVE.has(code);
}

/** Replays the records into the state they describe. */
export function journalState(records: readonly JournalRecord[]): JournalState {
  const runs: RunRecord[] = [];
  const created = new Map<string, CreatedObject>();
  const updated = new Map<string, UpdatedObject>();
  const open = new Map<string, IntentRecord>();
  const temporaries = new Map<string, WorkloadRecord>();
  const stopped = new Map<string, WorkloadRecord>();
  let finished = false;
  for (const record of records) {
    switch (record.t) {
      case 'workload': {
        const id = `${record.side}/${record.type}/${record.id}`;
        if (record.event === 'temporary') temporaries.set(id, record);
        else if (record.event === 'removed') temporaries.delete(id);
        else if (record.event === 'stopped') stopped.set(record.id, record);
        else if (record.event === 'started') stopped.delete(record.id);
        break;
      }
      case 'run':
        runs.push(record);
        finished = false;
        break;
      case 'end':
        finished = true;
        break;
      case 'intent': {
        open.set(`${record.run}/${record.seq}`, record);
        if (record.op === 'create' && !created.has(record.key)) {
          const object: CreatedObject = {
            key: record.key,
            kind: record.kind,
            marker: record.marker,
            rank: record.rank,
            inDoubt: true,
          };
          if (record.entry) object.entry = record.entry;
          if (record.refs) object.refs = record.refs;
          created.set(record.key, object);
        }
        break;
      }
      case 'result': {
        const intent = open.get(`${record.run}/${record.seq}`);
        open.delete(`${record.run}/${record.seq}`);
        if (record.op === 'create') {
          const object = created.get(record.key);
          if (object && record.ok && record.id !== undefined) {
            object.id = record.id;
            object.inDoubt = false;
          } else if (object && !record.ok && object.id === undefined && isDefinitiveFailure(record.error?.code)) {
            // The service refused the create: it made nothing. Any other failure (a reset connection, a timeout,
            // an interruption, a failed step after the create) leaves the create in doubt.
            created.delete(record.key);
          }
        } else if (record.op === 'delete' && record.ok) {
          created.delete(record.key);
          updated.delete(record.key);
        } else if (
          record.op === 'update' &&
          record.ok &&
          intent?.before &&
          intent.target_id &&
          !created.has(record.key) &&
          !updated.has(record.key)
        ) {
          const object: UpdatedObject = {
            key: record.key,
            kind: record.kind,
            rank: intent.rank,
            id: intent.target_id,
            before: intent.before,
          };
          if (intent.entry) object.entry = intent.entry;
          if (intent.refs) object.refs = intent.refs;
          updated.set(record.key, object);
        }
        break;
      }
    }
  }
  return { runs, created, updated, inDoubt: [...open.values()], finished, temporaries, stopped };
}
