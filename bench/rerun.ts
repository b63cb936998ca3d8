/**
 * A re-run (issue #18): the dry run of a plan whose every entry is already on the target, as a second apply starts.
 * The plan of bench/apply.ts (BENCH_RERUN_RESOURCES, default 10,000 entries) is applied once on the simulator with no
 * latency, then the target is given 20 ms per request and dry-run twice, in turn: with the lookups read from one
 * listing per collection (src/engine/lookups.ts, the default), and with one lookup per entry (as before). The bound
 * is the listing's pages, one after the other, times the latency.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTION } from '../src/engine/actions.js';
import { applyPlan } from '../src/engine/apply.js';
import type { EngineDeps } from '../src/engine/context.js';
import { planChanges } from '../src/engine/dry-run.js';
import { LISTING_PAGE_SIZE } from '../src/engine/lookups.js';
import { readerFor, writerFor } from '../src/kinds/registry.js';
import { connect } from '../src/openstack/cloud.js';
import { loadCloudConfig } from '../src/openstack/config/clouds-yaml.js';
import { silentLogger } from '../src/shared/logger.js';
import { startSimulator } from '../src/sim/index.js';
import { benchPlan } from './apply.js';
import type { BenchResult } from './run.js';

const LATENCY_MS = 20;
const CONCURRENCY = 16;

export async function run(): Promise<BenchResult[]> {
  const total = Number(process.env['BENCH_RERUN_RESOURCES'] ?? 10_000);
  const plan = benchPlan(total);
  const sim = await startSimulator({
    clouds: [
      {
        name: 'dst',
        profile: 'zed',
        seed: {
          projects: [{ name: 'bench' }],
          users: [{ name: 'u', password: 'u-pw' }],
          role_assignments: [{ user: 'u', project: 'bench', role: 'member' }],
          quotas: [
            {
              project: 'bench',
              network: { network: -1, subnet: -1, port: -1, security_group: -1, security_group_rule: -1 },
            },
          ],
        } as never,
      },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'bascule-bench-rerun-'));
  try {
    await sim.writeCloudsYaml(join(dir, 'clouds.yaml'));
    const cloud = await connect(await loadCloudConfig('dst', { files: [join(dir, 'clouds.yaml')], env: {} }), {
      logger: silentLogger,
      concurrency: { perService: CONCURRENCY, writes: CONCURRENCY },
    });
    try {
      const deps: EngineDeps = {
        target: {
          cloud,
          projectId: cloud.projectId,
          signal: new AbortController().signal,
          logger: silentLogger,
          extensions: await cloud.networkExtensions(),
        },
        writerFor,
        readerFor,
        concurrency: CONCURRENCY,
        serviceLimits: { network: CONCURRENCY },
      };
      const first = await applyPlan(plan, deps, { journalPath: join(dir, 'journal.jsonl') });
      if (!first.ok) throw new Error('the first apply failed');
      sim.setLatency('dst', { fixedMs: LATENCY_MS, jitterMs: 0 });
      const dryRun = async (listed: boolean) => {
        sim.clearLog();
        const cpu = process.cpuUsage();
        const started = performance.now();
        const changes = await planChanges(plan, deps, { preflight: false, listedLookups: listed });
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        const changed = changes.actions.filter((a) => a.action !== ACTION.NOOP).length;
        if (changed > 0) throw new Error(`the re-run found ${changed} entries to change`);
        const log = sim.requestLog('dst').filter((e) => !e.route.includes('/auth/tokens'));
        return { ms, cpuMs: (used.user + used.system) / 1000, requests: log.length, routes: log.map((e) => e.route) };
      };
      const listed = await dryRun(true);
      const perEntry = await dryRun(false);
      // The bound: every page of every listing, one after the other.
      const bound = listed.requests * LATENCY_MS;
      const entries = plan.resources.length;
      const pages = Math.ceil(entries / LISTING_PAGE_SIZE);
      const s = (ms: number) => ms / 1000;
      return [
        {
          name: `rerun: dry run of ${entries.toLocaleString('en-US')} entries all there, ${LATENCY_MS} ms/request, one listing per collection (${listed.requests} requests)`,
          value: s(listed.ms),
          unit: 's',
          baseline_or_limit: s(bound),
          ratio: listed.ms / bound,
        },
        {
          name: `  the bound: ${listed.requests} list pages x ${LATENCY_MS} ms, one after the other (entries/page ${LISTING_PAGE_SIZE}, ~${pages} pages per collection at most)`,
          value: s(bound),
          unit: 's',
          baseline_or_limit: null,
          ratio: null,
        },
        {
          name: `  its CPU time (deciding ${entries.toLocaleString('en-US')} entries, and the simulator, in this process)`,
          value: s(listed.cpuMs),
          unit: 's',
          baseline_or_limit: null,
          ratio: null,
        },
        {
          name: `  as before: one lookup per entry (${perEntry.requests} requests), vs the listings`,
          value: s(perEntry.ms),
          unit: 's',
          baseline_or_limit: s(listed.ms),
          ratio: perEntry.ms / listed.ms,
        },
      ];
    } finally {
      await cloud.close();
    }
  } finally {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
