/**
 * The campaign's state in PostgreSQL, for a campaign run by workers on several hosts: the campaign's
 * `CampaignStore` (src/campaign/store.ts) on rows that every host reads: where each project stands, the event
 * log, the report's files, each project's apply journal (PgJournal, the same records as the journal files) and
 * its artifacts (plan.json, the saved dry run, the audit), which a worker copies to a local work directory
 * before a stage and back after it. A store bound to a job's lease (`withLease`) fences every write with it: a
 * worker that lost the job cannot overwrite what the new owner records.
 *
 * Nothing secret is stored: a project's state and events carry names, counts and messages only (scrubbed of every
 * known secret, the database password included), and the clouds are clouds.yaml entry names that each worker
 * resolves with its own clouds.yaml.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { JournalRecord, JournalStore } from '../../engine/journal.js';
import { atomicWriteFile } from '../../shared/fs.js';
import { scrubText } from '../../shared/secret.js';
import { UsageError } from '../../shared/errors.js';
import type { CampaignStore, ProjectFiles } from '../store.js';
import type { OperatorJournal } from '../operator.js';
import type { CampaignEvent, ProjectState } from '../types.js';
import { PgJournal, readPgJournal } from './journal.js';
import { fenced, type Lease } from './lease.js';
import type { StoreUrl } from './connection.js';

/** A project's state as the campaign keeps it (id and wave at least; the rest is the campaign's own shape). */
export interface StoredProjectState {
  id: string;
  wave: string;
  [field: string]: unknown;
}

/** A campaign event (type and time at least; `project` when it is about one). */
export interface StoredEvent {
  type: string;
  at: string;
  project?: string;
  [field: string]: unknown;
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The project files that are kept in the database (the journal is rows of its own). */
export const ARTIFACTS = [
  'plan.json',
  'changes.json',
  'operator.json',
  'audit.json',
  'audit.md',
  'audit.html',
] as const;

export interface PgStoreOptions {
  /** Where this host keeps its copy of the projects' files while it works on them (default: a temporary dir). */
  workDir?: string;
  /** Every write is fenced by this lease (a job's). */
  lease?: Lease;
  /** The worker's name, recorded with its events. */
  worker?: string;
}

export class PgCampaignStore implements CampaignStore {
  /** The database URL without its password, and the campaign. */
  readonly location: string;
  readonly campaign: string;
  readonly workDir: string;
  readonly #db: pg.Pool;
  readonly #url: StoreUrl;
  readonly #lease: Lease | undefined;
  readonly #worker: string | undefined;

  constructor(db: pg.Pool, url: StoreUrl, campaign: string, options: PgStoreOptions = {}) {
    if (!SAFE.test(campaign)) throw new UsageError('CAMPAIGN_UNSAFE_NAME', `unsafe campaign name ${campaign}`);
    this.#db = db;
    this.#url = url;
    this.location = `${url.display}#${campaign}`;
    this.campaign = campaign;
    this.workDir = options.workDir ?? join(tmpdir(), `bascule-worker-${process.getuid?.() ?? 'u'}`, campaign);
    this.#lease = options.lease;
    this.#worker = options.worker;
  }

  /** The same store, its writes fenced by a job's lease. */
  withLease(lease: Lease, worker?: string): PgCampaignStore {
    return new PgCampaignStore(this.#db, this.#url, this.campaign, {
      workDir: this.workDir,
      lease,
      ...((worker ?? this.#worker) !== undefined ? { worker: worker ?? this.#worker } : {}),
    });
  }

  /** Several workers share the campaign through the queue: nothing to lock. */
  async acquire(): Promise<void> {}
  async release(): Promise<void> {}

  /** The project's files in this host's work directory (copies of the database's; see load/saveArtifacts). */
  files(projectId: string): ProjectFiles {
    if (!SAFE.test(projectId)) throw new UsageError('CAMPAIGN_UNSAFE_NAME', `unsafe project id ${projectId}`);
    const dir = join(this.workDir, 'projects', projectId);
    return {
      dir,
      plan: join(dir, 'plan.json'),
      changes: join(dir, 'changes.json'),
      journal: `postgres:${this.campaign}/${projectId}`,
      audit: join(dir, 'audit'),
      log: join(dir, 'log.jsonl'),
    };
  }

  /** The project's journal rows; appends need the store's lease (LEASE_LOST once another worker took the job). */
  journal(projectId: string): JournalStore {
    const ref = { campaign: this.campaign, project: projectId };
    const db = this.#db;
    const lease = this.#lease;
    return {
      path: `postgres:${this.campaign}/${projectId}`,
      read: () => readPgJournal(db, ref),
      open: async (run: string, existing: readonly JournalRecord[]) => {
        if (!lease)
          throw new UsageError('STORE_NO_LEASE', `the journal of ${projectId} is written under a job's lease`);
        return new PgJournal(db, ref, lease, run, existing);
      },
      // After a rollback: its rows move to `<project>~rolled-back-<time>`, so that a new run starts afresh.
      keepAside: () =>
        this.#write(async (db) => {
          await db.query(`UPDATE bascule.journal SET project = $3 WHERE campaign = $1 AND project = $2`, [
            this.campaign,
            projectId,
            `${projectId}~rolled-back-${new Date().toISOString()}`,
          ]);
        }),
    };
  }

  /** The project's operator journal, as an artifact (operator.jsonl); appends are fenced like every write. */
  operatorJournal(projectId: string): OperatorJournal {
    const name = 'operator.jsonl';
    return {
      read: async () => (await this.getArtifact(projectId, name)) ?? '',
      append: async (line) =>
        this.putArtifact(projectId, name, `${(await this.getArtifact(projectId, name)) ?? ''}${line}`),
      started: async () => (await this.getArtifact(projectId, name)) !== undefined,
      keepAside: (aside) =>
        this.#write(async (db) => {
          await db.query(`UPDATE bascule.artifacts SET name = $4 WHERE campaign = $1 AND project = $2 AND name = $3`, [
            this.campaign,
            projectId,
            name,
            aside,
          ]);
        }),
    };
  }

  /** Records the campaign (its definition: names and options, never a credential); idempotent. */
  async register(definition: unknown): Promise<void> {
    await this.#db.query(
      `INSERT INTO bascule.campaigns (id, definition) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition`,
      [this.campaign, scrubText(JSON.stringify(definition ?? {}))],
    );
  }

  /** The campaign's registered definition (undefined when no `batch run --store` registered it). */
  async definition<T>(): Promise<T | undefined> {
    const { rows } = await this.#db.query<{ definition: T }>(`SELECT definition FROM bascule.campaigns WHERE id = $1`, [
      this.campaign,
    ]);
    return rows[0]?.definition;
  }

  async #write(write: (db: pg.Pool | pg.PoolClient) => Promise<void>, lease = this.#lease): Promise<void> {
    if (lease) await fenced(this.#db, lease, write);
    else await write(this.#db);
  }

  async get(projectId: string): Promise<ProjectState | undefined> {
    const { rows } = await this.#db.query<{ state: ProjectState }>(
      `SELECT state FROM bascule.project_states WHERE campaign = $1 AND project = $2`,
      [this.campaign, projectId],
    );
    return rows[0]?.state;
  }

  /** Saves a project's state; under a lease (the store's, or `lease`), only while it is still the job's. */
  async put(state: ProjectState | StoredProjectState, lease?: Lease): Promise<void> {
    // The project's local folder is there for the stage's files, as with the file store.
    await mkdir(this.files(state.id).dir, { recursive: true, mode: 0o700 });
    await this.#write(async (db) => {
      await db.query(
        `INSERT INTO bascule.project_states (campaign, project, wave, state) VALUES ($1, $2, $3, $4)
         ON CONFLICT (campaign, project) DO UPDATE SET wave = EXCLUDED.wave, state = EXCLUDED.state, updated_at = now()`,
        [this.campaign, state.id, state.wave, scrubText(JSON.stringify(state))],
      );
    }, lease ?? this.#lease);
  }

  async all(): Promise<ProjectState[]> {
    const { rows } = await this.#db.query<{ state: ProjectState }>(
      `SELECT state FROM bascule.project_states WHERE campaign = $1 ORDER BY project`,
      [this.campaign],
    );
    return rows.map((r) => r.state);
  }

  /** Appends to the campaign's event log; under a lease, fenced like `put`. */
  async record(event: CampaignEvent | StoredEvent, options: { lease?: Lease; worker?: string } = {}): Promise<void> {
    const project = 'project' in event && typeof event.project === 'string' ? event.project : null;
    await this.#write(async (db) => {
      await db.query(`INSERT INTO bascule.events (campaign, project, type, worker, data) VALUES ($1, $2, $3, $4, $5)`, [
        this.campaign,
        project,
        event.type,
        options.worker ?? this.#worker ?? null,
        scrubText(JSON.stringify(event)),
      ]);
    }, options.lease ?? this.#lease);
  }

  async events(): Promise<CampaignEvent[]> {
    const { rows } = await this.#db.query<{ data: CampaignEvent }>(
      `SELECT data FROM bascule.events WHERE campaign = $1 ORDER BY id`,
      [this.campaign],
    );
    return rows.map((r) => r.data);
  }

  /** Keeps a report artifact (report.json, report.md, ...) for any host to read; returns where it went. */
  async writeReport(name: string, text: string): Promise<string> {
    if (!SAFE.test(name)) throw new UsageError('CAMPAIGN_UNSAFE_NAME', `unsafe report name ${name}`);
    await this.#db.query(
      `INSERT INTO bascule.reports (campaign, name, body) VALUES ($1, $2, $3)
       ON CONFLICT (campaign, name) DO UPDATE SET body = EXCLUDED.body, written_at = now()`,
      [this.campaign, name, scrubText(text)],
    );
    return `${this.location}/${name}`;
  }

  async readReport(name: string): Promise<string | undefined> {
    const { rows } = await this.#db.query<{ body: string }>(
      `SELECT body FROM bascule.reports WHERE campaign = $1 AND name = $2`,
      [this.campaign, name],
    );
    return rows[0]?.body;
  }

  /** Stores one of a project's files by name (an artifact, or an input such as its mapping). */
  async putArtifact(projectId: string, name: string, body: string): Promise<void> {
    if (!SAFE.test(projectId) || !SAFE.test(name))
      throw new UsageError('CAMPAIGN_UNSAFE_NAME', `unsafe artifact ${projectId}/${name}`);
    await this.#write(async (db) => {
      await db.query(
        `INSERT INTO bascule.artifacts (campaign, project, name, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (campaign, project, name) DO UPDATE SET body = EXCLUDED.body, written_at = now()`,
        [this.campaign, projectId, name, scrubText(body)],
      );
    });
  }

  /** Removes one of a project's files (fenced like every write). */
  async removeArtifact(projectId: string, name: string): Promise<void> {
    await this.#write(async (db) => {
      await db.query(`DELETE FROM bascule.artifacts WHERE campaign = $1 AND project = $2 AND name = $3`, [
        this.campaign,
        projectId,
        name,
      ]);
    });
  }

  async getArtifact(projectId: string, name: string): Promise<string | undefined> {
    const { rows } = await this.#db.query<{ body: string }>(
      `SELECT body FROM bascule.artifacts WHERE campaign = $1 AND project = $2 AND name = $3`,
      [this.campaign, projectId, name],
    );
    return rows[0]?.body;
  }

  /** Copies the project's stored artifacts into this host's work directory (before a stage). */
  async loadArtifacts(projectId: string): Promise<void> {
    const dir = this.files(projectId).dir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { rows } = await this.#db.query<{ name: string; body: string }>(
      `SELECT name, body FROM bascule.artifacts WHERE campaign = $1 AND project = $2`,
      [this.campaign, projectId],
    );
    for (const row of rows) if (SAFE.test(row.name)) await atomicWriteFile(join(dir, row.name), row.body, 0o600);
  }

  /** Stores the project's artifacts that this host's work directory has (after a stage). */
  async saveArtifacts(projectId: string): Promise<void> {
    const dir = this.files(projectId).dir;
    for (const name of ARTIFACTS) {
      const body = await readFile(join(dir, name), 'utf8').catch(() => undefined);
      if (body !== undefined) await this.putArtifact(projectId, name, body);
    }
  }
}
