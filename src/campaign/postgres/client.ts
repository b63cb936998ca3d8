import type pg from 'pg';

/**
 * Runs `fn` on a client of the pool (it opens and commits its own transactions); when `fn` throws, a transaction
 * it left open is rolled back before the error goes on. The client always goes back to the pool, or is closed
 * when its session broke.
 *
 * A session the server ends while the client is out of the pool (idle_in_transaction_session_timeout after the
 * worker was stopped, a server restart) is reported by the driver as an 'error' event outside any query. The pool
 * listens for it only on idle clients: on a client taken out of it, with no listener, that event crashes the
 * process. Here it fails the work at hand instead (the next query on the client fails), never the process.
 */
export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (error) {
    broken ??= await client.query('ROLLBACK').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
