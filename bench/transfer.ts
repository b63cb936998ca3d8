/**
 * Workload data: a multi-GiB image moved between two simulated clouds by transferImage (download from
 * cloud A's Glance, md5 + sha512 in flight, upload to cloud B's Glance, which hashes and stores it too),
 * against a plain copy of the same bytes over loopback in the same run (one HTTP GET streamed into one
 * HTTP PUT that writes a file, no hashing). Reports both throughputs, their ratio, and the peak RSS growth
 * of the transfer. Size: BENCH_TRANSFER_GIB (default 2).
 */
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

    // The baseline first, so that both runs find the source file equally (un)cached.
    const blob = sim.regionState('a').blobs.path('images', original.id);
    const t0 = performance.now();
    await plainCopy(blob, join(work, 'plain-copy'));
    const plainSeconds = (performance.now() - t0) / 1000;
    await rm(join(work, 'plain-copy'), { force: true });

    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const t1 = performance.now();
    let result;
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
    const transferSeconds = (performance.now() - t1) / 1000;
    if (result.bytes !== size) throw new Error(`moved ${result.bytes} bytes, expected ${size}`);
    const transferRate = size / MIB / transferSeconds;
    const plainRate = size / MIB / plainSeconds;
    const growth = (peak - baseline) / MIB;
    const label = `${gib} GiB image`;
    return [
      {
        name: `transfer: ${label} between two simulated clouds (vs plain loopback copy)`,
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
