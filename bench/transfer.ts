/**
 * Workload data: a multi-GiB image moved between two simulated clouds by transferImage (download from
 * cloud A's Glance, md5 + sha512 in flight, upload to cloud B's Glance, which hashes and stores it too),
 * against a plain copy of the same bytes over loopback in the same run (one HTTP GET streamed into one
 * HTTP PUT that writes a file, no hashing). Reports both throughputs, their ratio, and the peak RSS growth
 * of the transfer. Size: BENCH_TRANSFER_GIB (default 2); rounds: BENCH_TRANSFER_ROUNDS (default 1).
 *
 * BENCH_TRANSFER_BASELINE=/path/to/other/dist (another build, for example the trunk before a change, built in a git
 * worktree) adds, in each round, that build's transfer between that build's two simulated clouds, and this build's
 * transfer between that build's clouds (this Bascule, the other simulator): side by side in one run, the order of the
 * transfers turning from round to round.
 *
 * Then BENCH_TRANSFER_PARALLEL images (default 4; 0 or 1 leaves it out), the same bytes in all, moved at once against
 * one after the other (see parallelTransfers).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { connect } from '../src/openstack/cloud.js';
import { loadCloudConfig } from '../src/openstack/config/clouds-yaml.js';
import * as images from '../src/openstack/image/images/requests.js';
import type { Cloud } from '../src/openstack/cloud.js';
import { startSimulator } from '../src/sim/index.js';
import type { SeedFile, Simulator } from '../src/sim/index.js';
import { transferImage } from '../src/transfer/index.js';
import type { BenchResult } from './run.js';
import { schedNow, schedSince, schedThreadsNow, schedThreadsSince, type Sched } from './sched.js';

const MIB = 1024 ** 2;
const RSS_LIMIT_MIB = 300;

/** `count` images of `size` bytes each, named p0, p1...: the parallel transfers' source. */
function seedMany(count: number, size: number): SeedFile {
  return {
    ...seed(undefined),
    resources: {
      bench: {
        images: Array.from({ length: count }, (_, i) => ({
          name: `p${i}`,
          disk_format: 'raw',
          container_format: 'bare',
          data: { size, seed: `bench-${i}` },
        })),
      },
    },
  } as SeedFile;
}

function seed(withImage: number | undefined): SeedFile {
  return {
    projects: [{ name: 'bench' }],
    users: [{ name: 'bench-user', password: 'bench-password', default_project: 'bench' }],
    role_assignments: [{ user: 'bench-user', project: 'bench', role: 'member' }],
    resources:
      withImage === undefined
        ? {}
        : {
            bench: {
              images: [
                { name: 'big', disk_format: 'raw', container_format: 'bare', data: { size: withImage, seed: 'bench' } },
              ],
            },
          },
  };
}

/** One GET from a loopback server reading the file, streamed into one PUT to a loopback server writing a file. */
async function plainCopy(path: string, out: string): Promise<void> {
  const reader = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  const writer = createServer((req, res) => {
    pipeline(req, createWriteStream(out)).then(
      () => res.writeHead(204).end(),
      () => res.writeHead(500).end(),
    );
  });
  await Promise.all([
    new Promise<void>((r) => reader.listen(0, '127.0.0.1', r)),
    new Promise<void>((r) => writer.listen(0, '127.0.0.1', r)),
  ]);
  try {
    const port = (s: typeof reader) => (s.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      const get = request({ host: '127.0.0.1', port: port(reader), path: '/', method: 'GET' }, (download) => {
        const put = request({ host: '127.0.0.1', port: port(writer), path: '/', method: 'PUT' }, (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 204 ? resolve() : reject(new Error(`PUT answered ${res.statusCode}`)),
          );
        });
        put.on('error', reject);
        download.pipe(put);
      });
      get.on('error', reject);
      get.end();
    });
  } finally {
    reader.close();
    writer.close();
  }
}

/**
 * md5 + sha512 (what Bascule computes in flight, and what the simulated Glance computes again on upload) over `bytes`
 * in 1 MiB chunks, in this thread, alone: MiB per second of CPU time (the machine's load does not change it much).
 */
function hashRate(bytes: number): number {
  const chunk = Buffer.alloc(MIB, 'bascule');
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  const cpu = process.cpuUsage();
  for (let done = 0; done < bytes; done += MIB) {
    md5.update(chunk);
    sha512.update(chunk);
  }
  md5.digest();
  sha512.digest();
  const used = process.cpuUsage(cpu);
  return bytes / MIB / ((used.user + used.system) / 1e6);
}

/** The modules a transfer needs, from this build or another one (BENCH_TRANSFER_BASELINE). */
interface Build {
  startSimulator: typeof startSimulator;
  connect: typeof connect;
  loadCloudConfig: typeof loadCloudConfig;
  images: typeof images;
  transferImage: typeof transferImage;
}

const THIS_BUILD: Build = { startSimulator, connect, loadCloudConfig, images, transferImage };

async function loadBuild(where: string): Promise<Build> {
  const dist = existsSync(join(where, 'dist', 'src', 'transfer', 'index.js')) ? join(where, 'dist') : where;
  const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(dist, path)).href)) as T;
  return {
    startSimulator: (await load<{ startSimulator: Build['startSimulator'] }>('src/sim/index.js')).startSimulator,
    connect: (await load<{ connect: Build['connect'] }>('src/openstack/cloud.js')).connect,
    loadCloudConfig: (await load<{ loadCloudConfig: Build['loadCloudConfig'] }>('src/openstack/config/clouds-yaml.js'))
      .loadCloudConfig,
    images: await load<Build['images']>('src/openstack/image/images/requests.js'),
    transferImage: (await load<{ transferImage: Build['transferImage'] }>('src/transfer/index.js')).transferImage,
  };
}

/** Two simulated clouds of one build, the image seeded on the first. */
async function startClouds(
  build: Build,
  dir: string,
  size: number,
): Promise<{ sim: Simulator; cloudsFile: string; stop: () => Promise<void> }> {
  const sim = await build.startSimulator({
    dataDir: join(dir, 'sim'),
    clouds: [
      { name: 'a', profile: 'zed', seed: seed(size) },
      { name: 'b', profile: 'zed', seed: seed(undefined) },
    ],
  });
  const cloudsFile = join(dir, 'clouds.yaml');
  await sim.writeCloudsYaml(cloudsFile);
  return { sim, cloudsFile, stop: () => sim.stop() };
}

/** One build's transfer of the seeded image between the clouds of `cloudsFile`. */
async function transferer(build: Build, cloudsFile: string, size: number) {
  const source: Cloud = await build.connect(await build.loadCloudConfig('a', { files: [cloudsFile], env: {} }));
  const target: Cloud = await build.connect(await build.loadCloudConfig('b', { files: [cloudsFile], env: {} }));
  let original;
  for await (const image of build.images.list(source.image)) if (image.name === 'big') original = image;
  if (!original) throw new Error('the seeded image is missing');
  const image = original;
  return {
    async run(): Promise<void> {
      const result = await build.transferImage({
        source,
        sourceImageId: image.id,
        target,
        createTargetImage: async () =>
          (await build.images.create(target.image, { name: 'big', disk_format: 'raw', container_format: 'bare' })).id,
        expected: image,
        label: 'image big',
        signal: new AbortController().signal,
      });
      if (result.bytes !== size) throw new Error(`moved ${result.bytes} bytes, expected ${size}`);
      await build.images.remove(target.image, result.targetImageId);
    },
    imageId: image.id,
    async close(): Promise<void> {
      await source.close();
      await target.close();
    },
  };
}

interface Run {
  seconds: number;
  /** The main thread's time on a core and waiting for one. */
  main?: Sched;
  /** Every thread's (main, hashing workers, libuv's pool). */
  all?: Sched;
  /** The busiest thread's time on a core, ms. */
  busiestRunMs?: number;
  /** CPU time of the process (every thread), s. */
  cpu: number;
  /** Peak RSS growth during the run, MiB. */
  growth: number;
  /** The 1-minute load average as the run started. */
  load: number;
}

async function measure(fn: () => Promise<void>): Promise<Run> {
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const load = loadavg()[0]!;
  const main = schedNow();
  const all = schedThreadsNow();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  const run: Run = {
    seconds,
    cpu: (used.user + used.system) / 1e6,
    growth: (peak - baseline) / MIB,
    load,
  };
  const m = schedSince(main);
  const a = schedThreadsSince(all);
  if (m) run.main = m;
  if (a) {
    run.all = a.all;
    run.busiestRunMs = a.busiestRunMs;
  }
  return run;
}

const s2 = (ms: number | undefined) => (ms === undefined ? '?' : (ms / 1000).toFixed(2));
const describeRun = (r: Run) =>
  `${r.seconds.toFixed(2)} s (main on a core ${s2(r.main?.runMs)}, waiting ${s2(r.main?.waitMs)}; all threads on a core ${s2(r.all?.runMs)}, waiting ${s2(r.all?.waitMs)}; busiest thread on a core ${s2(r.busiestRunMs)}; load ${r.load.toFixed(1)})`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
/** The wall time less the main thread's wait for a core: each run as if it had a core whenever it could run. */
const unloaded = (runs: Run[]) =>
  runs.every((r) => r.main) ? median(runs.map((r) => r.seconds - r.main!.waitMs / 1000)) : undefined;
/**
 * What the run's CPU time allows on an idle host of `cores` cores (Infinity: a core for every thread): at least the
 * busiest thread's time on a core, and every thread's time shared out over the cores. An estimate from CPU time,
 * not a wall time: on a loaded host the threads of a pipeline also wait for each other's cores.
 */
const idleHost = (runs: Run[], cores: number) =>
  runs.every((r) => r.all && r.busiestRunMs !== undefined)
    ? median(runs.map((r) => Math.max(r.busiestRunMs!, r.all!.runMs / cores) / 1000))
    : undefined;

/**
 * Several images moved at once against the same moved one after the other (BENCH_TRANSFER_PARALLEL images, default 4,
 * each BENCH_TRANSFER_GIB / that many, so the same bytes as the single transfer), this build only, the order of the
 * two turning per round: what running transfers side by side gains over their sum, and the memory it takes.
 */
async function parallelTransfers(dir: string, count: number, each: number, rounds: number): Promise<BenchResult[]> {
  const sim = await startSimulator({
    dataDir: join(dir, 'sim'),
    clouds: [
      { name: 'a', profile: 'zed', seed: seedMany(count, each) },
      { name: 'b', profile: 'zed', seed: seed(undefined) },
    ],
  });
  const cloudsFile = join(dir, 'clouds.yaml');
  await sim.writeCloudsYaml(cloudsFile);
  const source = await connect(await loadCloudConfig('a', { files: [cloudsFile], env: {} }));
  const target = await connect(await loadCloudConfig('b', { files: [cloudsFile], env: {} }));
  try {
    const originals: Awaited<ReturnType<typeof images.get>>[] = [];
    for await (const image of images.list(source.image)) if (/^p\d+$/.test(image.name ?? '')) originals.push(image);
    if (originals.length !== count) throw new Error(`${originals.length} of the ${count} seeded images found`);
    const one = async (image: (typeof originals)[number]): Promise<string> => {
      const result = await transferImage({
        source,
        sourceImageId: image.id,
        target,
        createTargetImage: async () =>
          (await images.create(target.image, { name: image.name!, disk_format: 'raw', container_format: 'bare' })).id,
        expected: image,
        label: `image ${image.name}`,
        signal: new AbortController().signal,
      });
      if (result.bytes !== each) throw new Error(`moved ${result.bytes} bytes, expected ${each}`);
      return result.targetImageId;
    };
    const cleanUp = async (ids: string[]) => {
      for (const id of ids) await images.remove(target.image, id);
    };
    const serial: Run[] = [];
    const together: Run[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? ['serial', 'together'] : ['together', 'serial'];
      for (const how of order) {
        let ids: string[] = [];
        const run = await measure(async () => {
          if (how === 'serial') for (const image of originals) ids.push(await one(image));
          else ids = await Promise.all(originals.map(one));
        });
        (how === 'serial' ? serial : together).push(run);
        await cleanUp(ids);
      }
    }
    console.error(`  ${count} images one after the other: ${serial.map(describeRun).join(', ')}`);
    console.error(`  ${count} images at once: ${together.map(describeRun).join(', ')}`);
    const mibs = (count * each) / MIB;
    const label = `${count} images of ${(each / MIB).toFixed(0)} MiB`;
    const serialSeconds = median(serial.map((r) => r.seconds));
    const togetherSeconds = median(together.map((r) => r.seconds));
    return [
      {
        name: `transfer: ${label} at once, vs the same one after the other (their sum)`,
        value: mibs / togetherSeconds,
        unit: 'MiB/s',
        baseline_or_limit: mibs / serialSeconds,
        ratio: serialSeconds / togetherSeconds,
      },
      {
        name: `  the same, CPU time of every thread at once vs one after the other`,
        value: median(together.map((r) => r.cpu)),
        unit: 's',
        baseline_or_limit: median(serial.map((r) => r.cpu)),
        ratio: median(together.map((r) => r.cpu)) / median(serial.map((r) => r.cpu)),
      },
      {
        name: `transfer: ${label} at once, peak RSS growth`,
        value: Math.max(...together.map((r) => r.growth)),
        unit: 'MiB',
        baseline_or_limit: RSS_LIMIT_MIB,
        ratio: Math.max(...together.map((r) => r.growth)) / RSS_LIMIT_MIB,
      },
    ];
  } finally {
    await source.close();
    await target.close();
    await sim.stop();
  }
}

export async function run(): Promise<BenchResult[]> {
  const gib = Number(process.env['BENCH_TRANSFER_GIB'] ?? 2);
  const size = Math.round(gib * 1024 ** 3);
  const rounds = Number(process.env['BENCH_TRANSFER_ROUNDS'] ?? 1);
  const baselineAt = process.env['BENCH_TRANSFER_BASELINE'];
  const work = await mkdtemp(join(tmpdir(), 'bascule-bench-transfer-'));
  const closers: (() => Promise<void>)[] = [];
  try {
    const here = await startClouds(THIS_BUILD, join(work, 'this'), size);
    closers.push(here.stop);
    const variants: { name: string; transfer: Awaited<ReturnType<typeof transferer>>; runs: Run[] }[] = [];
    const mine = await transferer(THIS_BUILD, here.cloudsFile, size);
    closers.push(mine.close);
    variants.push({ name: 'this build', transfer: mine, runs: [] });
    if (baselineAt) {
      const other = await loadBuild(baselineAt);
      const there = await startClouds(other, join(work, 'baseline'), size);
      closers.push(there.stop);
      const theirs = await transferer(other, there.cloudsFile, size);
      closers.push(theirs.close);
      const mineThere = await transferer(THIS_BUILD, there.cloudsFile, size);
      closers.push(mineThere.close);
      variants.push({ name: 'baseline build', transfer: theirs, runs: [] });
      variants.push({ name: "this build's Bascule, baseline's simulator", transfer: mineThere, runs: [] });
    }
    // Each round: the plain copy, then each transfer (the order turning from round to round), so that all find the
    // source file equally (un)cached; medians.
    const blob = here.sim.regionState('a').blobs.path('images', mine.imageId);
    const plainRuns: Run[] = [];
    for (let round = 0; round < rounds; round += 1) {
      plainRuns.push(await measure(() => plainCopy(blob, join(work, 'plain-copy'))));
      await rm(join(work, 'plain-copy'), { force: true });
      for (let i = 0; i < variants.length; i += 1) {
        const v = variants[(i + round) % variants.length]!;
        v.runs.push(await measure(() => v.transfer.run()));
      }
    }
    console.error(`  ${rounds} round(s), ${gib} GiB; plain copy: ${plainRuns.map(describeRun).join(', ')}`);
    for (const v of variants) console.error(`  ${v.name}: ${v.runs.map(describeRun).join(', ')}`);
    // Hashing alone, right after, on the same amount of data (at most 512 MiB).
    const hashing = hashRate(Math.min(size, 512 * MIB));
    const mibs = size / MIB;
    const plainSeconds = median(plainRuns.map((r) => r.seconds));
    const plainRate = mibs / plainSeconds;
    const plainUnloaded = unloaded(plainRuns);
    const plainCpu = median(plainRuns.map((r) => r.cpu));
    const label = `${gib} GiB image`;
    const results: BenchResult[] = [
      {
        name: `transfer: ${label}, plain loopback copy of the same bytes`,
        value: plainRate,
        unit: 'MiB/s',
        baseline_or_limit: null,
        ratio: null,
      },
      {
        name: `transfer: ${label}, md5 + sha512 alone in one thread, per second of CPU`,
        value: hashing,
        unit: 'MiB/s',
        baseline_or_limit: null,
        ratio: null,
      },
    ];
    for (const v of variants) {
      const rate = mibs / median(v.runs.map((r) => r.seconds));
      const runUnloaded = unloaded(v.runs);
      const cpu = median(v.runs.map((r) => r.cpu));
      const growth = Math.max(...v.runs.map((r) => r.growth));
      const what = v.name === 'this build' ? '' : ` (${v.name})`;
      results.push(
        {
          name: `transfer: ${label} between two simulated clouds${what} (vs plain loopback copy; target 0.9x)`,
          value: rate,
          unit: 'MiB/s',
          baseline_or_limit: plainRate,
          ratio: rate / plainRate,
        },
        ...(plainUnloaded !== undefined && runUnloaded !== undefined
          ? [
              {
                name: `  the same${what}, each less its main thread's wait for a core (/proc schedstat), vs the plain copy so measured`,
                value: mibs / runUnloaded,
                unit: 'MiB/s',
                baseline_or_limit: mibs / plainUnloaded,
                ratio: plainUnloaded / runUnloaded,
              },
            ]
          : []),
        ...[2, Infinity].flatMap((cores) => {
          const mine = idleHost(v.runs, cores);
          const plain = idleHost(plainRuns, cores);
          return mine === undefined || plain === undefined
            ? []
            : [
                {
                  name: `  the same${what}, estimated on an idle host ${cores === Infinity ? 'with a core per thread (the busiest thread)' : `of ${cores} cores (max(busiest thread, all threads / ${cores}))`}, vs the plain copy so estimated`,
                  value: mibs / mine,
                  unit: 'MiB/s',
                  baseline_or_limit: mibs / plain,
                  ratio: plain / mine,
                },
              ];
        }),
        {
          name: `  the same${what}, CPU time of every thread (the two clouds' included), vs the plain copy's`,
          value: cpu,
          unit: 's',
          baseline_or_limit: plainCpu,
          ratio: cpu / plainCpu,
        },
        {
          name: `transfer: ${label}${what}, peak RSS growth`,
          value: growth,
          unit: 'MiB',
          baseline_or_limit: RSS_LIMIT_MIB,
          ratio: growth / RSS_LIMIT_MIB,
        },
      );
    }
    // The bound of the design before session 7 (one thread does the plain copy's work and hashes every byte twice,
    // Bascule's md5 + sha512 then the target Glance's, one after the other): the plain copy less its wait for a core,
    // plus two passes. With the hashes in worker threads beside the copy, the bound is the plain copy itself while a
    // core is free for each hash (md5 + sha512 run faster than the copy).
    const plainBase = plainUnloaded ?? plainSeconds;
    const pass = mibs / hashing;
    const bound = mibs / (plainBase + 2 * pass);
    results.push({
      name: "  bound with both hashes on the copy's thread (before session 7): the plain copy less its wait + two passes",
      value: bound,
      unit: 'MiB/s',
      baseline_or_limit: mibs / plainBase,
      ratio: bound / (mibs / plainBase),
    });
    const parallel = Number(process.env['BENCH_TRANSFER_PARALLEL'] ?? 4);
    if (parallel > 1) {
      for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
      results.push(...(await parallelTransfers(join(work, 'parallel'), parallel, Math.round(size / parallel), rounds)));
    }
    return results;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}
