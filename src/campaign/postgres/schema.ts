/**
 * The campaign's tables (schema `bascule`), beside pg-boss's own (schema `pgboss`). Created on first use,
 * under an advisory lock so that several workers starting together do not race.
 *
 *   campaigns   one row per campaign: its definition (names only, never a credential)
 *   project_states  one row per project: the campaign's state of it (stage, status, counts, failure)
 *   artifacts   each project's files (plan.json, changes.json, audit.*; its mapping), copied to and from workers
 *   reports     the report's artifacts (report.json, report.md, ...), readable from any host
 *   journal     the per-project apply journal, one row per record (the records of src/engine/journal.ts)
 *   events      what happened, in order (the report and `batch status` read them)
 *   leases      one row per job key: the lease generation that fences stale workers
 *   queued      every job key ever queued (a key is queued once per campaign)
 *   slots       the caps across all workers: `cap` rows per scope, each held by at most one job
 *   copies      each server disk or volume copy of a project's apply (a copy job): its state, what it did to
 *               either cloud (temporaries, stopped servers) and the target image it made
 */
import type pg from 'pg';
import { withClient } from './client.js';

export const SCHEMA_VERSION = 1;

const DDL = `
CREATE SCHEMA IF NOT EXISTS bascule;
CREATE TABLE IF NOT EXISTS bascule.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS bascule.campaigns (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  definition jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS bascule.journal (
  campaign text NOT NULL,
  project text NOT NULL,
  n bigserial,
  record jsonb NOT NULL,
  job_key text NOT NULL,
  generation bigint NOT NULL,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (campaign, project, n)
);
CREATE TABLE IF NOT EXISTS bascule.events (
  id bigserial PRIMARY KEY,
  campaign text NOT NULL,
  project text,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  type text NOT NULL,
  worker text,
  data jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS events_campaign ON bascule.events (campaign, id);
CREATE TABLE IF NOT EXISTS bascule.project_states (
  campaign text NOT NULL REFERENCES bascule.campaigns(id) ON DELETE CASCADE,
  project text NOT NULL,
  wave text NOT NULL,
  state jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign, project)
);
CREATE TABLE IF NOT EXISTS bascule.reports (
  campaign text NOT NULL REFERENCES bascule.campaigns(id) ON DELETE CASCADE,
  name text NOT NULL,
  body text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign, name)
);
CREATE TABLE IF NOT EXISTS bascule.artifacts (
  campaign text NOT NULL REFERENCES bascule.campaigns(id) ON DELETE CASCADE,
  project text NOT NULL,
  name text NOT NULL,
  body text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign, project, name)
);
CREATE TABLE IF NOT EXISTS bascule.leases (
  job_key text PRIMARY KEY,
  generation bigint NOT NULL,
  owner text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS bascule.queued (
  queue text NOT NULL,
  key text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (queue, key)
);
CREATE TABLE IF NOT EXISTS bascule.copies (
  campaign text NOT NULL,
  project text NOT NULL,
  plan text NOT NULL,
  entry text NOT NULL,
  item jsonb NOT NULL,
  run int NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'pending',
  attempts int NOT NULL DEFAULT 0,
  events jsonb NOT NULL DEFAULT '[]',
  result jsonb,
  error text,
  PRIMARY KEY (campaign, project, plan, entry)
);
CREATE TABLE IF NOT EXISTS bascule.slots (
  scope text NOT NULL,
  slot int NOT NULL,
  holder text,
  expires_at timestamptz,
  PRIMARY KEY (scope, slot)
);
`;

/** Creates what is missing. Safe to call from many processes at once. */
export async function migrate(pool: pg.Pool): Promise<void> {
  await withClient(pool, async (client) => {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['bascule.schema']);
    await client.query(DDL);
    await client.query(
      `INSERT INTO bascule.meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO NOTHING`,
      [String(SCHEMA_VERSION)],
    );
    await client.query('COMMIT');
  });
}
