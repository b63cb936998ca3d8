// A worker process for the queue tests: runs jobs of the queue "projects" with QueueWorker. Each job moves one
// "project" of 5 steps the way apply does: for each step not yet in the project's journal, an intent (fenced),
// a lease check, the effect on the "cloud" (a table, found by its marker first, so a step redone after a kill
// adopts what exists; the write preceded by apply's synchronous lease guard), then a result (fenced). Prints one line per event: "start KEY", "step KEY N",
// "done KEY", "lost KEY", "failed KEY MESSAGE", "handed-back KEY". With STOP_SELF_AT_STEP=1 it sends itself SIGSTOP
// right after its first "step KEY N" line with N in 2..4.
import { openPool, parseStoreUrl } from '../../../src/campaign/postgres/connection.js';
import { assertLease, leaseGuard } from '../../../src/campaign/postgres/lease.js';
import { PgJournal, readPgJournal } from '../../../src/campaign/postgres/journal.js';
import { QueueWorker, startBoss } from '../../../src/campaign/postgres/queue.js';

const STEPS = 5;
const [concurrency, stepMs] = process.argv.slice(2).map(Number);
const url = parseStoreUrl(process.env.BASCULE_STORE!);
const pool = await openPool(url, { idleInTransactionSeconds: 1, max: 6 });
const boss = await startBoss(url, { maintenanceIntervalSeconds: 1 });
const say = (line: string) => process.stdout.write(`${line}\n`);
// The lease check apply runs before each cloud mutation (campaign-queue.ts: a quarter of the lease as margin).
const guard = (lease: Parameters<typeof leaseGuard>[0]) => leaseGuard(lease, 750);
let stopSelf = process.env.STOP_SELF_AT_STEP === '1';

const worker = new QueueWorker(
  boss,
  pool,
  {
    queue: 'projects',
    concurrency: concurrency ?? 2,
    pollingIntervalSeconds: 0.5,
    onEvent: (e) => {
      const name = e.type.replace('job.', '');
      say(`${name} ${e.key}${e.message ? ` ${e.message}` : ''}`);
    },
  },
  async (job) => {
    const ref = { campaign: 'c1', project: job.key };
    const existing = await readPgJournal(pool, ref);
    const journal = new PgJournal(pool, ref, job.lease, `run-${process.pid}`, existing);
    const done = new Set(existing.filter((r) => r.t === 'result').map((r) => (r as { key: string }).key));
    for (let step = 1; step <= STEPS; step++) {
      const key = `step-${step}`;
      if (done.has(key)) continue;
      const seq = journal.nextSeq();
      const at = new Date().toISOString();
      const marker = `${job.key}/${key}`;
      await journal.append({
        t: 'intent',
        run: journal.run,
        seq,
        at,
        key,
        kind: 'network',
        op: 'create',
        marker,
        rank: step,
      });
      say(`step ${job.key} ${step}`);
      // A worker told to stop itself does it here, between the intent and the lease check, at a known point:
      // a SIGSTOP sent by the test after reading this line could land past the lease check on a loaded machine,
      // in the window the lease cannot close (docs/guide: a worker frozen between check and call).
      if (stopSelf && step >= 2 && step <= 4) {
        stopSelf = false;
        process.kill(process.pid, 'SIGSTOP');
      }
      await new Promise((r) => setTimeout(r, stepMs ?? 150));
      job.signal.throwIfAborted();
      await assertLease(pool, job.lease);
      // The "cloud": find by marker, create only when absent.
      const found = await pool.query(`SELECT id FROM test_effects WHERE marker = $1`, [marker]);
      if (found.rows.length === 0) guard(job.lease)(); // as apply does: checked synchronously right before the call
      const id =
        found.rows[0]?.id ??
        (
          await pool.query(`INSERT INTO test_effects (marker, worker) VALUES ($1, $2) RETURNING id`, [
            marker,
            worker.owner,
          ])
        ).rows[0].id;
      await journal.append({
        t: 'result',
        run: journal.run,
        seq,
        at,
        key,
        kind: 'network',
        op: 'create',
        ok: true,
        id: String(id),
      });
    }
  },
);

process.on('SIGTERM', () => {
  void worker.stop(Number(process.env.GRACE_MS ?? 5000)).then(async () => {
    await boss.stop({ graceful: false, wait: true });
    await pool.end();
    say('stopped');
    process.exit(0);
  });
});
say('ready');
await worker.run();
