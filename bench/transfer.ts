/**
 * Workload data: a multi-GiB image moved between two simulated clouds by transferImage (download from
 * cloud A's Glance, md5 + sha512 in flight, upload to cloud B's Glance, which hashes and stores it too),
 * against a plain copy of the same bytes over loopback in the same run (one HTTP GET streamed into one
 * HTTP PUT that writes a file, no hashing). Reports both throughputs, their ratio, and the peak RSS growth
 * of the transfer. Size: BENCH_TRANSFER_GIB (default 2).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { connect } from '../src/openstack/cloud.js';
import { loadCloudConfig } from '../src/openstack/config/clouds-yaml.js';
import * as images from '../src/openstack/image/images/requests.js';
import type { Image } from '../src/openstack/image/images/types.js';
import { startSimulator } from '../src/sim/index.js';
import type { SeedFile } from '../src/sim/index.js';
import { transferImage } from '../src/transfer/index.js';
import type { BenchResult } from './run.js';
import { schedNow, schedSince, type Sched } from './sched.js';

const MIB = 1024 ** 2;
const RSS_LIMIT_MIB = 300;

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

function withSched(sched: Sched | undefined): { sched?: Sched } {
  return sched === undefined ? {} : { sched };
}

export async function run(): Promise<BenchResult[]> {
  const gib = Number(process.env['BENCH_TRANSFER_GIB'] ?? 2);
  const size = Math.round(gib * 1024 ** 3);
  const work = await mkdtemp(join(tmpdir(), 'bascule-bench-transfer-'));
  const sim = await startSimulator({
    dataDir: join(work, 'sim'),
    clouds: [
      { name: 'a', profile: 'zed', seed: seed(size) },
      { name: 'b', profile: 'zed', seed: seed(undefined) },
    ],
  });
  const cloudsFile = join(work, 'clouds.yaml');
  await sim.writeCloudsYaml(cloudsFile);
  const source = await connect(await loadCloudConfig('a', { files: [cloudsFile], env: {} }));
  const target = await connect(await loadCloudConfig('b', { files: [cloudsFile], env: {} }));
  try {
    let original: Image | undefined;
    for await (const image of images.list(source.image)) if (image.name === 'big') original = image;
    if (!original) throw new Error('the seeded image is missing');

    // BENCH_TRANSFER_ROUNDS rounds (default 1), each the plain copy then the transfer, so that both find the source
    // file equally (un)cached; medians. Each run's main thread time on a core and waiting for one (schedstat).
    const rounds = Number(process.env['BENCH_TRANSFER_ROUNDS'] ?? 1);
    const blob = sim.regionState('a').blobs.path('images', original.id);
    const plainRuns: { seconds: number; sched?: Sched }[] = [];
    const transferRuns: { seconds: number; sched?: Sched }[] = [];
    let growth = 0;
    let result;
    for (let round = 0; round < rounds; round += 1) {
      let sched = schedNow();
      const t0 = performance.now();
      await plainCopy(blob, join(work, 'plain-copy'));
      plainRuns.push({ seconds: (performance.now() - t0) / 1000, ...withSched(schedSince(sched)) });
      await rm(join(work, 'plain-copy'), { force: true });

      globalThis.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 50);
      sched = schedNow();
      const t1 = performance.now();
      try {
        result = await transferImage({
          source,
          sourceImageId: original.id,
          target,
          createTargetImage: async () =>
            (await images.create(target.image, { name: 'big', disk_format: 'raw', container_format: 'bare' })).id,
          expected: original,
          label: 'image big',
          signal: new AbortController().signal,
        });
      } finally {
        clearInterval(sampler);
      }
      transferRuns.push({ seconds: (performance.now() - t1) / 1000, ...withSched(schedSince(sched)) });
      growth = Math.max(growth, (peak - baseline) / MIB);
      if (result.bytes !== size) throw new Error(`moved ${result.bytes} bytes, expected ${size}`);
      await images.remove(target.image, result.targetImageId);
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
    const plainSeconds = median(plainRuns.map((r) => r.seconds));
    const transferSeconds = median(transferRuns.map((r) => r.seconds));
    // The wall time less the main thread's wait for a core: each run as if it had a core whenever it could run.
    const unloaded = (runs: { seconds: number; sched?: Sched }[]) =>
      runs.every((r) => r.sched) ? median(runs.map((r) => r.seconds - r.sched!.waitMs / 1000)) : undefined;
    const plainUnloaded = unloaded(plainRuns);
    const transferUnloaded = unloaded(transferRuns);
    console.error(
      `  ${rounds} round(s): plain ${plainRuns.map((r) => `${r.seconds.toFixed(2)} s (on a core ${((r.sched?.runMs ?? NaN) / 1000).toFixed(2)}, waiting ${((r.sched?.waitMs ?? NaN) / 1000).toFixed(2)})`).join(', ')}; transfer ${transferRuns.map((r) => `${r.seconds.toFixed(2)} s (on a core ${((r.sched?.runMs ?? NaN) / 1000).toFixed(2)}, waiting ${((r.sched?.waitMs ?? NaN) / 1000).toFixed(2)})`).join(', ')}`,
    );
    // Hashing alone, right after, on the same amount of data (at most 512 MiB).
    const hashing = hashRate(Math.min(size, 512 * MIB));
    const transferRate = size / MIB / transferSeconds;
    const plainRate = size / MIB / plainSeconds;
    const label = `${gib} GiB image`;
    // What bounds the transfer here: one thread (Bascule and both simulated clouds in this process) does the plain
    // copy's work and hashes every byte twice (Bascule's md5 + sha512, then the target Glance's), one after the other
    // (node:crypto's update runs in the calling thread). The plain copy less its wait for a core, plus two passes.
    const plainBase = plainUnloaded ?? plainSeconds;
    const pass = size / MIB / hashing;
    const bound = size / MIB / (plainBase + 2 * pass);
    // On a migration host of its own, with the clouds elsewhere: the copy plus Bascule's one pass.
    const ownHost = size / MIB / (plainBase + pass);
    const plainBaseRate = size / MIB / plainBase;
    return [
      {
        name: `transfer: ${label} between two simulated clouds (vs plain loopback copy; target 0.9x)`,
        value: transferRate,
        unit: 'MiB/s',
        baseline_or_limit: plainRate,
        ratio: transferRate / plainRate,
      },
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
      {
        name: '  bound: the plain copy less its wait for a core + two hash passes, vs that plain copy',
        value: bound,
        unit: 'MiB/s',
        baseline_or_limit: plainBaseRate,
        ratio: bound / plainBaseRate,
      },
      {
        name: '  the transfer less its wait for a core, vs that bound',
        value: size / MIB / (transferUnloaded ?? transferSeconds),
        unit: 'MiB/s',
        baseline_or_limit: bound,
        ratio: size / MIB / (transferUnloaded ?? transferSeconds) / bound,
      },
      {
        name: "  bound with the clouds on other hosts (the copy + Bascule's one pass), vs the plain copy",
        value: ownHost,
        unit: 'MiB/s',
        baseline_or_limit: plainBaseRate,
        ratio: ownHost / plainBaseRate,
      },
      ...(plainUnloaded !== undefined && transferUnloaded !== undefined
        ? [
            {
              name: '  the same, each less its wait for a core (/proc schedstat), vs the plain copy so measured',
              value: size / MIB / transferUnloaded,
              unit: 'MiB/s',
              baseline_or_limit: size / MIB / plainUnloaded,
              ratio: plainUnloaded / transferUnloaded,
            },
          ]
        : []),
      {
        name: `transfer: ${label}, peak RSS growth`,
        value: growth,
        unit: 'MiB',
        baseline_or_limit: RSS_LIMIT_MIB,
        ratio: growth / RSS_LIMIT_MIB,
      },
    ];
  } finally {
    await source.close();
    await target.close();
    await sim.stop();
    await rm(work, { recursive: true, force: true });
  }
}
