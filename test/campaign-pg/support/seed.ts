import type pg from 'pg';

/** A campaign row, enough for the journal's and states' rows to belong somewhere. */
export async function seedCampaign(pool: pg.Pool, ref: { campaign: string; project: string }): Promise<void> {
  await pool.query(`INSERT INTO bascule.campaigns (id, definition) VALUES ($1, '{}') ON CONFLICT DO NOTHING`, [
    ref.campaign,
  ]);
}
