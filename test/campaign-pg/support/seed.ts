import type pg from 'pg';

/** A campaign with one project, enough for the journal's rows to have somewhere to belong. */
export async function seedCampaign(pool: pg.Pool, ref: { campaign: string; project: string }): Promise<void> {
  await pool.query(`INSERT INTO bascule.campaigns (id, definition) VALUES ($1, '{}') ON CONFLICT DO NOTHING`, [
    ref.campaign,
  ]);
  await pool.query(
    `INSERT INTO bascule.projects (campaign, project, wave, source_cloud, target_cloud)
     VALUES ($1, $2, 1, 'src', 'dst') ON CONFLICT DO NOTHING`,
    [ref.campaign, ref.project],
  );
}
