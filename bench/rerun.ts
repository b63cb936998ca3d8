/**
 * A re-run (issue #18): the dry run of a plan whose every entry is already on the target, as a second apply starts.
 * The plan of bench/apply.ts (BENCH_RERUN_RESOURCES, default 10,000 entries) is applied once on the simulator with no
 * latency, then the target is given 20 ms per request and dry-run twice, in turn: with the lookups read from one
 * listing per collection (src/engine/lookups.ts, the default), and with one lookup per entry (as before). The bound
 * is the listing's pages, one after the other, times the latency. A second plan (BENCH_RERUN_SERVERS servers, default
 * 500, each on a port of its own, and as many volumes) is measured the same way: Nova's servers and Cinder's volumes
 * are read from one listing each too.
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
import type { Plan, PlanResource } from '../src/plan/types.js';
import type { BenchResult } from './run.js';

const LATENCY_MS = 20;
const CONCURRENCY = 16;

/** `servers` servers, each booted on a port of its own from a public image, and as many volumes. */
export function computePlan(servers: number): Plan {
  const resources: PlanResource[] = [
    { kind: 'flavor', key: 'flavor:m1.tiny', external: true, spec: { name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 } },
    { kind: 'image', key: 'image:cirros', external: true, spec: { name: 'cirros' } },
    { kind: 'network', key: 'network:n', spec: { name: 'n' } },
    {
      kind: 'subnet',
      key: 'subnet:s',
      refs: { network: 'network:n' },
      spec: { name: 's', cidr: '10.64.0.0/16', ip_version: 4 },
    },
  ];
  for (let i = 0; i < servers; i++) {
    resources.push(
      {
        kind: 'port',
        key: `port:vm${i}`,
        refs: { network: 'network:n', fixed_ips: ['subnet:s'] },
        spec: { name: `vm${i}` },
      },
      {
        kind: 'server',
        key: `server:vm${i}`,
        refs: { flavor: 'flavor:m1.tiny', image: 'image:cirros', ports: [`port:vm${i}`] },
        spec: { name: `vm${i}`, disk_strategy: 'base-image' },
      },
      { kind: 'volume', key: `volume:v${i}`, spec: { name: `v${i}`, size: 1 } },
    );
  }
  return { ...benchPlan(0), resources } as Plan;
}

export async function run(): Promise<BenchResult[]> {
  const total = Number(process.env['BENCH_RERUN_RESOURCES'] ?? 10_000);
  const servers = Number(process.env['BENCH_RERUN_SERVERS'] ?? 500);
  const out: BenchResult[] = [];
  if (total > 0) out.push(...(await rerun(benchPlan(total), 'entries')));
  if (servers > 0) out.push(...(await rerun(computePlan(servers), `entries (${servers} servers, ${servers} volumes)`)));
  return out;
}

async function rerun(plan: Plan, what: string): Promise<BenchResult[]> {
  const sim = await startSimulator({
    clouds: [
      {
        name: 'dst',
        profile: 'zed',
        delays: { serverBuildMs: 0, serverPowerMs: 0, volumeCreateMs: 0, volumeAttachMs: 0, imageActiveMs: 0 },
        seed: {
          projects: [{ name: 'bench' }],
          users: [{ name: 'u', password: 'u-pw' }],
          role_assignments: [{ user: 'u', project: 'bench', role: 'member' }],
          flavors: [{ id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }],
          quotas: [
            {
              project: 'bench',
              network: { network: -1, subnet: -1, port: -1, security_group: -1, security_group_rule: -1 },
              compute: { instances: -1, cores: -1, ram: -1 },
              volume: { volumes: -1, gigabytes: -1 },
            },
          ],
          resources: {
            bench: {
              images: [{ name: 'cirros', data: { size: '64KiB' }, visibility: 'public', disk_format: 'qcow2' }],
            },
          },
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
      // BENCH_RERUN_PER_ENTRY=0 leaves out the per-entry dry run (141 s for 10k entries at 20 ms).
      const perEntry = process.env['BENCH_RERUN_PER_ENTRY'] === '0' ? undefined : await dryRun(false);
      // The bound: every page of every listing, one after the other.
      const bound = listed.requests * LATENCY_MS;
      const entries = plan.resources.length;
      const pages = Math.ceil(entries / LISTING_PAGE_SIZE);
      const s = (ms: number) => ms / 1000;
      return [
        {
          name: `rerun: dry run of ${entries.toLocaleString('en-US')} ${what} all there, ${LATENCY_MS} ms/request, one listing per collection (${listed.requests} requests)`,
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
        ...(perEntry === undefined
          ? []
          : [
              {
                name: `  as before: one lookup per entry (${perEntry.requests} requests), vs the listings`,
                value: s(perEntry.ms),
                unit: 's',
                baseline_or_limit: s(listed.ms),
                ratio: perEntry.ms / listed.ms,
              },
            ]),
      ];
    } finally {
      await cloud.close();
    }
  } finally {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
