/**
 * Export speed: a project of about 10,000 resources on the simulator (zed profile, in a worker thread) at 20 ms per
 * request, exported by exportProject. Prints the time, the requests and the peak RSS against the lower bound of the issue:
 * (list pages x latency / concurrency), and against the critical path (the longest chain of requests that must
 * follow each other: authentication, discovery, then the pages of the longest list one after the other).
 * Size: BENCH_EXPORT_SCALE (default 1 = about 10,000 resources).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { exportProject } from '../src/export/export.js';
import { connect } from '../src/openstack/cloud.js';
import { loadCloudConfig } from '../src/openstack/config/clouds-yaml.js';
import type { SeedFile } from '../src/sim/index.js';
import { silentLogger } from '../src/shared/logger.js';
import type { BenchResult } from './run.js';
import { timeRunAsync, type Timing } from './startup.js';
import { fileURLToPath } from 'node:url';

const LATENCY_MS = 20;
const CONCURRENCY = 10;
const MIB = 1024 ** 2;

/** The median of each field of several runs (each field on its own). */
function medianTiming(runs: readonly Timing[]): Timing {
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
  const waits = runs.flatMap((r) => (r.waitS === undefined ? [] : [r.waitS]));
  return {
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    maxRssMiB: median(runs.map((r) => r.maxRssMiB)),
    ...(waits.length > 0 ? { waitS: median(waits) } : {}),
  };
}

interface Shape {
  networks: number;
  securityGroups: number;
  standalonePorts: number;
  servers: number;
  volumes: number;
  snapshots: number;
  keypairs: number;
  images: number;
  serverGroups: number;
  floatingIps: number;
  routers: number;
}

export function shape(scale: number): Shape {
  const n = (x: number) => Math.max(1, Math.round(x * scale));
  return {
    networks: n(100),
    securityGroups: n(400),
    standalonePorts: n(3500),
    servers: n(1000),
    volumes: n(1500),
    snapshots: n(200),
    keypairs: n(50),
    images: n(20),
    serverGroups: n(20),
    floatingIps: n(500),
    routers: n(50),
  };
}

export function seed(s: Shape): SeedFile {
  const pad = (i: number) => String(i).padStart(5, '0');
  const networks = Array.from({ length: s.networks }, (_, i) => ({
    name: `net-${pad(i)}`,
    subnets: [{ name: `subnet-${pad(i)}`, cidr: `10.${Math.floor(i / 200)}.${i % 200}.0/24`, ip_version: 4 }],
  }));
  return {
    projects: [{ name: 'bench' }],
    users: [{ name: 'bench-user', password: 'bench-password', default_project: 'bench' }],
    role_assignments: [{ user: 'bench-user', project: 'bench', role: 'member' }],
    flavors: [{ name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 }],
    volume_types: [{ name: 'standard' }],
    quotas: [
      {
        project: 'bench',
        compute: { instances: -1, cores: -1, ram: -1, key_pairs: -1, server_groups: -1, server_group_members: -1 },
        network: {
          network: -1,
          subnet: -1,
          port: -1,
          router: -1,
          floatingip: -1,
          security_group: -1,
          security_group_rule: -1,
        },
        volume: { volumes: -1, gigabytes: -1, snapshots: -1 },
      },
    ],
    external_networks: [{ name: 'public', subnets: [{ name: 'public-v4', cidr: '172.16.0.0/16', ip_version: 4 }] }],
    resources: {
      bench: {
        keypairs: Array.from({ length: s.keypairs }, (_, i) => ({
          name: `key-${pad(i)}`,
          public_key: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBench${pad(i)} key-${i}`,
        })),
        security_groups: Array.from({ length: s.securityGroups }, (_, i) => ({
          name: `sg-${pad(i)}`,
          rules: [
            {
              direction: 'ingress',
              ethertype: 'IPv4',
              protocol: 'tcp',
              port_range_min: 22,
              port_range_max: 22,
              remote_ip_prefix: '10.0.0.0/8',
            },
            {
              direction: 'ingress',
              ethertype: 'IPv4',
              protocol: 'tcp',
              port_range_min: 443,
              port_range_max: 443,
              remote_ip_prefix: '0.0.0.0/0',
            },
          ],
        })),
        networks,
        routers: Array.from({ length: s.routers }, (_, i) => ({
          name: `router-${pad(i)}`,
          external_gateway: 'public',
          interfaces: i < s.networks ? [`subnet-${pad(i)}`] : [],
        })),
        ports: Array.from({ length: s.standalonePorts }, (_, i) => ({
          name: `port-${pad(i)}`,
          network: `net-${pad(i % s.networks)}`,
        })),
        // Floating IPs on ports whose network has a router to the external network.
        floating_ips: Array.from({ length: s.standalonePorts }, (_, i) => i)
          .filter((i) => i % s.networks < s.routers)
          .slice(0, s.floatingIps)
          .map((i) => ({ network: 'public', port: `port-${pad(i)}` })),
        images: Array.from({ length: s.images }, (_, i) => ({
          name: `image-${pad(i)}`,
          disk_format: 'raw',
          container_format: 'bare',
          data: { size: 1024 },
        })),
        volumes: Array.from({ length: s.volumes }, (_, i) => ({
          name: `vol-${pad(i)}`,
          size: 1,
          volume_type: 'standard',
        })),
        snapshots: Array.from({ length: s.snapshots }, (_, i) => ({ name: `snap-${pad(i)}`, volume: `vol-${pad(i)}` })),
        server_groups: Array.from({ length: s.serverGroups }, (_, i) => ({
          name: `group-${pad(i)}`,
          policy: 'affinity',
        })),
        servers: Array.from({ length: s.servers }, (_, i) => ({
          name: `server-${pad(i)}`,
          flavor: 'm1.small',
          image: `image-${pad(i % s.images)}`,
          networks: [{ network: `net-${pad(i % s.networks)}` }],
          key_name: `key-${pad(i % s.keypairs)}`,
          security_groups: [`sg-${pad(i % s.securityGroups)}`],
          metadata: { index: String(i) },
          ...(i < s.volumes ? { volumes: [`vol-${pad(s.volumes - 1 - i)}`] } : {}),
          ...(i < s.serverGroups * 5 ? { group: `group-${pad(i % s.serverGroups)}` } : {}),
        })),
      },
    },
  };
}

/** Starts the simulator in a worker thread and talks to it by messages. */
async function simulatorThread(
  scale: number,
  cloudsFile: string,
): Promise<{ ask<T>(message: string, answer: string): Promise<T>; stop(): Promise<void> }> {
  const worker = new Worker(new URL('./export-sim-worker.js', import.meta.url), {
    workerData: { scale, cloudsFile, latencyMs: LATENCY_MS },
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (message.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(message);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  await next('ready');
  return {
    async ask<T>(message: string, answer: string) {
      const reply = next(answer);
      worker.postMessage(message);
      return (await reply) as T;
    },
    async stop() {
      const reply = next('stopped');
      worker.postMessage('stop');
      await reply;
      await worker.terminate();
    },
  };
}

export async function run(): Promise<BenchResult[]> {
  const scale = Number(process.env['BENCH_EXPORT_SCALE'] ?? '1');
  const dir = await mkdtemp(join(tmpdir(), 'bascule-bench-export-'));
  const cloudsFile = join(dir, 'clouds.yaml');
  const seeding = Date.now();
  const sim = await simulatorThread(scale, cloudsFile);
  console.error(`  seeded in ${((Date.now() - seeding) / 1000).toFixed(1)} s (simulator in a worker thread)`);
  try {
    const cloud = await connect(await loadCloudConfig('bench', { files: [cloudsFile] }), {
      concurrency: { perService: CONCURRENCY },
    });
    await sim.ask('clear', 'cleared');
    let peak = process.memoryUsage.rss();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    let heapAtAssembled = heapBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 20);
    const started = performance.now();
    const phases: string[] = [];
    const result = await exportProject(cloud, {
      dependencies: true,
      includeUserData: false,
      allowPartial: false,
      signal: new AbortController().signal,
      logger: silentLogger,
      onProgress: (event) => {
        if (event.type !== 'kind-start')
          phases.push(
            `${event.type === 'kind-done' ? event.kind : event.type} ${Math.round(performance.now() - started)} ms`,
          );
        // The exporter's own heap (this thread's isolate; the simulator's worker has its own) as assembly ends.
        if (event.type === 'assembled') heapAtAssembled = process.memoryUsage().heapUsed;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    await cloud.close();
    const { routes } = await sim.ask<{ routes: string[] }>('log', 'log');
    const requests = routes.length;
    const perRoute = new Map<string, number>();
    for (const route of routes) perRoute.set(route, (perRoute.get(route) ?? 0) + 1);
    // List pages: the GETs of collections (routes without an {id}, or .../detail).
    const listPages = [...perRoute.entries()]
      .filter(([route]) => !route.includes('{id}') || route.endsWith('/detail'))
      .reduce((a, [, n]) => a + n, 0);
    const lowerBound = (listPages * LATENCY_MS) / CONCURRENCY / 1000;
    // Critical path: authentication, discovery, extensions, then the longest chain of pages of one list.
    const longestChain = Math.max(...perRoute.values());
    const criticalPath = ((3 + longestChain) * LATENCY_MS) / 1000;
    const bound = Math.max(lowerBound, criticalPath);
    const resources = result.plan.resources.length;
    console.error(
      `  ${resources} resources, ${requests} requests (${listPages} list pages; per resource: ${requests - listPages}), ${seconds.toFixed(2)} s, peak RSS ${(peak / MIB).toFixed(0)} MiB (exporter's thread and heap; the simulator runs in a worker)`,
    );
    console.error(`  phases: ${phases.join(', ')}`);
    console.error(
      `  exporter's heap (its isolate only): ${(heapBefore / MIB).toFixed(0)} MiB before, ${(heapAtAssembled / MIB).toFixed(0)} MiB when assembled, peak ${(heapPeak / MIB).toFixed(0)} MiB (sampled every 20 ms)`,
    );
    console.error(
      `  lower bound: pages x latency / concurrency = ${lowerBound.toFixed(2)} s; critical path ${criticalPath.toFixed(2)} s`,
    );
    // The CLI as an operator runs it, in a process of its own (the simulator's memory is not in its RSS): wall, CPU
    // time and peak RSS, against the targets (2x the bound, 150 MiB).
    const out = join(dir, 'plan.json');
    // BENCH_EXPORT_NODE_FLAGS: V8 flags for the CLI process (e.g. --max-semi-space-size=4), to see what its RSS is made of.
    const flags = (process.env['BENCH_EXPORT_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
    const exportArgs = (bin: string) => [
      ...flags,
      bin,
      'export',
      '--os-cloud',
      'bench',
      '--clouds-yaml',
      cloudsFile,
      '--concurrency',
      String(CONCURRENCY),
      '--output',
      out,
      '--quiet',
    ];
    const env = { ...process.env, OS_CLOUD: '' };
    const ours = fileURLToPath(new URL('../src/bin.js', import.meta.url));
    // BENCH_EXPORT_BASELINE=/path/to/dist/src/bin.js: another build (the trunk before a change) exported in turn with
    // this one, BENCH_EXPORT_ROUNDS times (default 3 with a baseline, else 1), against the same simulator; medians.
    const baseline = process.env['BENCH_EXPORT_BASELINE'];
    const rounds = Number(process.env['BENCH_EXPORT_ROUNDS'] ?? (baseline ? 3 : 1));
    const runs: Timing[] = [];
    const baseRuns: Timing[] = [];
    for (let round = 0; round < rounds; round += 1) {
      if (baseline) baseRuns.push(await timeRunAsync(exportArgs(baseline), env));
      runs.push(await timeRunAsync(exportArgs(ours), env));
    }
    const cli = medianTiming(runs);
    if (baseline) {
      const base = medianTiming(baseRuns);
      console.error(
        `  baseline ${baseline} (median of ${rounds}, in turn): ${base.wall.toFixed(2)} s, CPU ${base.cpu.toFixed(2)} s, peak RSS ${base.maxRssMiB.toFixed(0)} MiB; CPU of each run: ${baseRuns.map((r) => r.cpu.toFixed(2)).join(', ')} (this build: ${runs.map((r) => r.cpu.toFixed(2)).join(', ')})`,
      );
    }
    console.error(
      `  bascule export (CLI process): ${cli.wall.toFixed(2)} s, CPU ${cli.cpu.toFixed(2)} s, peak RSS ${cli.maxRssMiB.toFixed(0)} MiB`,
    );
    return [
      {
        name: `export (CLI process): ${resources} resources at ${LATENCY_MS} ms, vs 2x the bound`,
        value: cli.wall,
        unit: 's',
        baseline_or_limit: 2 * bound,
        ratio: cli.wall / (2 * bound),
      },
      {
        name: '  its CPU time (user + system, all threads), vs 2x the bound',
        value: cli.cpu,
        unit: 's',
        baseline_or_limit: 2 * bound,
        ratio: cli.cpu / (2 * bound),
      },
      ...(cli.waitS === undefined
        ? []
        : [
            {
              name: "  its main thread ready but waiting for a core (the machine's load, /proc schedstat)",
              value: cli.waitS,
              unit: 's',
              baseline_or_limit: null,
              ratio: null,
            },
          ]),
      {
        name: '  its peak RSS, vs 150 MiB',
        value: Math.round(cli.maxRssMiB),
        unit: 'MiB',
        baseline_or_limit: 150,
        ratio: cli.maxRssMiB / 150,
      },
      {
        name: `export: ${resources} resources at ${LATENCY_MS} ms, time vs max(lower bound, critical path)`,
        value: seconds,
        unit: 's',
        baseline_or_limit: bound,
        ratio: seconds / bound,
      },
      {
        name: 'export: requests vs list pages',
        value: requests,
        unit: 'requests',
        baseline_or_limit: listPages,
        ratio: requests / listPages,
      },
      {
        name: 'export: peak RSS of the process (with the simulator in a worker thread of it)',
        value: Math.round(peak / MIB),
        unit: 'MiB',
        baseline_or_limit: null,
        ratio: null,
      },
    ];
  } finally {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
