// A worker process for the fencing tests: takes the lease of one job, then appends a journal record every
// 50 ms and says so on stdout ("ok N"), until a write is refused ("refused LEASE_LOST", exit 3) or fails
// otherwise ("error CODE", exit 4). Arguments: store URL (from the environment), job key, lease seconds.
import { openPool, parseStoreUrl } from '../../../src/campaign/postgres/connection.js';
import { claimLease, isLeaseLost } from '../../../src/campaign/postgres/lease.js';
import { PgJournal } from '../../../src/campaign/postgres/journal.js';
import { seedCampaign } from './seed.js';

const [jobKey, ttl] = process.argv.slice(2);
const url = parseStoreUrl(process.env.BASCULE_STORE!);
const pool = await openPool(url, { idleInTransactionSeconds: 1 });
const ref = { campaign: 'c1', project: 'p1' };
await seedCampaign(pool, ref);
const lease = await claimLease(pool, jobKey!, `writer-${process.pid}`, Number(ttl));
const journal = new PgJournal(pool, ref, lease, `run-${process.pid}`);
process.stdout.write(`ready ${lease.generation}\n`);
for (let n = 1; ; n++) {
  try {
    await journal.append({
      t: 'end',
      run: journal.run,
      at: new Date().toISOString(),
      ok: true,
      interrupted: false,
      counts: { n },
    });
    process.stdout.write(`ok ${n}\n`);
  } catch (error) {
    const code = isLeaseLost(error) ? 'LEASE_LOST' : ((error as { code?: string }).code ?? 'error');
    process.stdout.write(`${isLeaseLost(error) ? 'refused' : 'error'} ${code}\n`);
    await pool.end().catch(() => undefined);
    process.exit(isLeaseLost(error) ? 3 : 4);
  }
  await new Promise((r) => setTimeout(r, 50));
}
