/**
 * The campaign's state in PostgreSQL, for a campaign run by workers on several hosts: the same operations as the
 * campaign's file store (where each project stands, the event log, the report's files), on rows that every host
 * reads. Writes made for a job pass its lease, and are then fenced like the journal: a worker that lost the job
 * cannot overwrite what the new owner records.
 *
 * Nothing secret is stored: a project's state and events carry names, counts and messages only (scrubbed of every
 * known secret, the database password included), and the clouds are clouds.yaml entry names that each worker
 * resolves with its own clouds.yaml.
 */
import type pg from 'pg';
import { scrubText } from '../../shared/secret.js';
import { UsageError } from '../../shared/errors.js';
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

export class PgCampaignStore {
  /** The database URL without its password. */
  readonly location: string;
  readonly campaign: string;
  readonly #db: pg.Pool;

  constructor(db: pg.Pool, url: StoreUrl, campaign: string) {
    if (!SAFE.test(campaign)) throw new UsageError('CAMPAIGN_UNSAFE_NAME', `unsafe campaign name ${campaign}`);
    this.#db = db;
    this.location = `${url.display}#${campaign}`;
    this.campaign = campaign;
  }

  /** Records the campaign (its definition: names and options, never a credential); idempotent. */
  async register(definition: unknown): Promise<void> {
    await this.#db.query(
      `INSERT INTO bascule.campaigns (id, definition) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition`,
      [this.campaign, scrubText(JSON.stringify(definition ?? {}))],
    );
  }

  async get(projectId: string): Promise<StoredProjectState | undefined> {
    const { rows } = await this.#db.query<{ state: StoredProjectState }>(
      `SELECT state FROM bascule.project_states WHERE campaign = $1 AND project = $2`,
      [this.campaign, projectId],
    );
    return rows[0]?.state;
  }

  /** Saves a project's state; with `lease`, only while that lease is still the job's (LEASE_LOST otherwise). */
  async put(state: StoredProjectState, lease?: Lease): Promise<void> {
    if (!SAFE.test(state.id)) throw new UsageError('CAMPAIGN_UNSAFE_NAME', `unsafe project id ${state.id}`);
    const write = async (db: pg.Pool | pg.PoolClient) => {
      await db.query(
        `INSERT INTO bascule.project_states (campaign, project, wave, state) VALUES ($1, $2, $3, $4)
         ON CONFLICT (campaign, project) DO UPDATE SET wave = EXCLUDED.wave, state = EXCLUDED.state, updated_at = now()`,
        [this.campaign, state.id, state.wave, scrubText(JSON.stringify(state))],
      );
    };
    if (lease) await fenced(this.#db, lease, write);
    else await write(this.#db);
  }

  async all(): Promise<StoredProjectState[]> {
    const { rows } = await this.#db.query<{ state: StoredProjectState }>(
      `SELECT state FROM bascule.project_states WHERE campaign = $1 ORDER BY project`,
      [this.campaign],
    );
    return rows.map((r) => r.state);
  }

  /** Appends to the campaign's event log; with `lease`, fenced like `put`. */
  async record(event: StoredEvent, options: { lease?: Lease; worker?: string } = {}): Promise<void> {
    const write = async (db: pg.Pool | pg.PoolClient) => {
      await db.query(`INSERT INTO bascule.events (campaign, project, type, worker, data) VALUES ($1, $2, $3, $4, $5)`, [
        this.campaign,
        event.project ?? null,
        event.type,
        options.worker ?? null,
        scrubText(JSON.stringify(event)),
      ]);
    };
    if (options.lease) await fenced(this.#db, options.lease, write);
    else await write(this.#db);
  }

  async events(): Promise<StoredEvent[]> {
    const { rows } = await this.#db.query<{ data: StoredEvent }>(
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
}
