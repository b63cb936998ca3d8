import type pg from 'pg';

/**
 * Runs `fn` on a client of the pool (it opens and commits its own transactions); when `fn` throws, a transaction
 * it left open is rolled back before the error goes on. The client always goes back to the pool.
 */
export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
