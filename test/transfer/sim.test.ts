// Workload data between two clouds of Bascule's simulator (real HTTP, bytes on disk): a Zed source and a
// Pike target (no multihash there), with the simulator's own fault injection and its Nova/Cinder copies.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/openstack/cloud.js';
import { connect } from '../../src/openstack/cloud.js';
import { loadCloudConfig } from '../../src/openstack/config/clouds-yaml.js';
import * as images from '../../src/openstack/image/images/requests.js';
import type { Image } from '../../src/openstack/image/images/types.js';
import * as servers from '../../src/openstack/compute/servers/requests.js';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { TransferChecksumError, WorkloadMover, transferImage, volumeToImage } from '../../src/transfer/index.js';

import { FAST } from './sim-seed.js';

function seed(resources: Record<string, unknown>) {
  return {
    projects: [{ name: 'proj' }],
    users: [{ name: 'member', password: 'member-pw' }],
    role_assignments: [{ user: 'member', project: 'proj', role: 'member' }],
    flavors: [{ id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }],
    volume_types: [{ name: 'standard' }],
    resources: { proj: resources },
  };
}

let sim: Simulator;
let work: string;
let source: Cloud;
let target: Cloud;
const signal = new AbortController().signal;

beforeAll(async () => {
  sim = await startSimulator({
    clouds: [
      {
        name: 'a',
        profile: 'zed',
        delays: FAST,
        seed: seed({
          images: [
            { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', data: { size: '3MiB', seed: 'cirros' } },
            { name: 'tampered', disk_format: 'raw', container_format: 'bare', data: { size: '512KiB', seed: 't' } },
            {
              name: 'tampered-free',
              disk_format: 'raw',
              container_format: 'bare',
              data: { size: '300KiB', seed: 'f' },
            },
          ],
          networks: [{ name: 'net', subnets: [{ name: 'sub', cidr: '10.0.0.0/24' }] }],
          volumes: [
            { name: 'data-1', size: 1, image: 'cirros' },
            { name: 'data-2', size: 1, image: 'tampered-free' },
          ],
          servers: [
            { name: 'web-1', flavor: 'm1.tiny', image: 'cirros', networks: [{ network: 'net' }] },
            { name: 'db-1', flavor: 'm1.tiny', image: 'cirros', networks: [{ network: 'net' }], volumes: ['data-2'] },
          ],
        }),
      },
      { name: 'b', profile: 'pike', delays: FAST, seed: seed({}) },
    ],
  });
  work = await mkdtemp(join(tmpdir(), 'bascule-transfer-sim-'));
  await sim.writeCloudsYaml(join(work, 'clouds.yaml'));
  const load = (name: string) => loadCloudConfig(name, { files: [join(work, 'clouds.yaml')], env: {} });
  source = await connect(await load('a'), { retry: { maxRetries: 2, baseMs: 5, capMs: 20 } });
  target = await connect(await load('b'), { retry: { maxRetries: 2, baseMs: 5, capMs: 20 } });
});

afterAll(async () => {
  await source?.close();
  await target?.close();
  await sim?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function byName(cloud: Cloud, name: string): Promise<Image> {
  for await (const image of images.list(cloud.image)) if (image.name === name) return image;
  throw new Error(`no image ${name}`);
}

async function sha256Of(cloud: Cloud, id: string): Promise<string> {
  const response = await images.download(cloud.image, id);
  const hash = createHash('sha256');
  for await (const chunk of response.body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const createOn = (cloud: Cloud, name: string) => async () =>
  (await images.create(cloud.image, { name, disk_format: 'qcow2', container_format: 'bare' })).id;

async function targetImageIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const image of images.list(target.image)) ids.push(image.id);
  return ids;
}

describe('transfer between simulated clouds (zed -> pike)', () => {
  it('moves the real bytes; the target copy downloads identical', async () => {
    const original = await byName(source, 'cirros');
    expect(original.os_hash_algo).toBe('sha512');
    const result = await transferImage({
      source,
      sourceImageId: original.id,
      target,
      createTargetImage: createOn(target, 'cirros'),
      expected: original,
      label: 'image cirros',
      signal,
    });
    expect(result.bytes).toBe(3 * 1024 * 1024);
    expect(result.sha512).toBe(original.os_hash_value);
    const copy = await images.get(target.image, result.targetImageId);
    expect(copy.checksum).toBe(original.checksum);
    expect(copy.os_hash_value ?? null).toBeNull(); // Pike has no multihash
    expect(await sha256Of(target, result.targetImageId)).toBe(await sha256Of(source, original.id));
    await images.remove(target.image, result.targetImageId);
  });

  it('retries from the start when the upload connection is reset, removing the partial image', async () => {
    const original = await byName(source, 'cirros');
    sim.clearLog();
    sim.setFaults('b', [{ kind: 'reset', service: 'image', method: 'PUT', pathPrefix: '/v2/images/', count: 1 }]);
    const result = await transferImage({
      source,
      sourceImageId: original.id,
      target,
      createTargetImage: createOn(target, 'cirros'),
      expected: original,
      label: 'image cirros',
      signal,
      retryBaseMs: 1,
    });
    sim.setFaults('b', []);
    expect(result.attempts).toBe(2);
    expect(await targetImageIds()).toEqual([result.targetImageId]);
    const deletes = sim.requestLog('b').filter((e) => e.method === 'DELETE');
    expect(deletes).toHaveLength(1);
    expect(await sha256Of(target, result.targetImageId)).toBe(await sha256Of(source, original.id));
    await images.remove(target.image, result.targetImageId);
  });

  it('fails clearly when the source bytes no longer match their checksum, leaving nothing on the target', async () => {
    const original = await byName(source, 'tampered');
    // Flip one byte of the stored data behind Glance's back: every download now differs from `checksum`.
    const path = sim.regionState('a').blobs.path('images', original.id);
    const bytes = await readFile(path);
    bytes[1000] = (bytes[1000]! ^ 0x01) & 0xff;
    await writeFile(path, bytes);
    const error = await transferImage({
      source,
      sourceImageId: original.id,
      target,
      createTargetImage: createOn(target, 'tampered'),
      expected: original,
      label: 'image tampered',
      signal,
      retryBaseMs: 1,
      maxAttempts: 2,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferChecksumError);
    expect((error as Error).message).toContain(`image tampered: the bytes did not verify after 2 attempt(s)`);
    expect(await targetImageIds()).toEqual([]);
  });

  it('moves a server disk by snapshot and a volume by upload-to-image, with their bytes', async () => {
    const base = await byName(source, 'cirros');
    let serverId = '';
    for await (const s of servers.list(source.compute)) if (s.name === 'web-1') serverId = s.id;
    let volumeId = '';
    for await (const v of volumes.list(source.blockStorage)) if (v.name === 'data-1') volumeId = v.id;
    const mover = new WorkloadMover(source, target, { consistency: 'stop', restartSource: true });
    const disk = await mover.serverDisk({ serverId, serverName: 'web-1', marker: 'bascule:s1', signal });
    expect(await sha256Of(target, disk.targetImageId)).toBe(await sha256Of(source, base.id));
    expect((await servers.get(source.compute, serverId)).status).toBe('ACTIVE');
    const vol = await mover.volume({ volumeId, volumeName: 'data-1', marker: 'bascule:v1', signal });
    expect(vol.sizeGb).toBe(1);
    expect(mover.temporary).toHaveLength(4);
    const upload = mover.temporary.find((t) => t.side === 'source' && t.purpose === 'upload of volume data-1')!;
    // The simulator's volume holds the bytes of the image it was made from.
    expect(await sha256Of(source, upload.imageId)).toBe(await sha256Of(source, base.id));
    expect(await sha256Of(target, vol.targetImageId)).toBe(await sha256Of(source, upload.imageId));
    const { failed } = await mover.cleanup();
    expect(failed).toEqual([]);
    expect(await targetImageIds()).toEqual([]);
  }, 120_000);

  it('copies an in-use volume at rest: stops its server once, uploads it forced, and restarts the server at the end', async () => {
    let serverId = '';
    for await (const sv of servers.list(source.compute)) if (sv.name === 'db-1') serverId = sv.id;
    let volumeId = '';
    for await (const v of volumes.list(source.blockStorage)) if (v.name === 'data-2') volumeId = v.id;
    expect((await volumes.get(source.blockStorage, volumeId)).status).toBe('in-use');
    const free = await byName(source, 'tampered-free');
    const mover = new WorkloadMover(source, target, { consistency: 'stop', restartSource: true });
    const vol = await mover.volume({ volumeId, volumeName: 'data-2', marker: 'bascule:v2', signal });
    expect((await servers.get(source.compute, serverId)).status).toBe('SHUTOFF');
    expect(mover.stoppedServers).toEqual([serverId]);
    expect(await sha256Of(target, vol.targetImageId)).toBe(await sha256Of(source, free.id));
    // The clone and its snapshot are gone; the original volume is still attached.
    const names: string[] = [];
    for await (const v of volumes.list(source.blockStorage)) names.push(String(v.name));
    expect(names.sort()).toEqual(['data-1', 'data-2']);
    expect((await volumes.get(source.blockStorage, volumeId)).status).toBe('in-use');
    const done = await mover.finish({ success: true, keepTemporary: false, markers: new Set(['bascule:v2']) });
    expect(done.restarted).toEqual([serverId]);
    expect(done.failed).toEqual([]);
    expect((await servers.get(source.compute, serverId)).status).toBe('ACTIVE');
    expect(await targetImageIds()).toEqual([]);
  }, 120_000);

  it('clones an in-use volume (forced snapshot, temporary volume) when asked, and removes the clone', async () => {
    let volumeId = '';
    for await (const v of volumes.list(source.blockStorage)) if (v.name === 'data-2') volumeId = v.id;
    const free = await byName(source, 'tampered-free');
    sim.clearLog();
    const up = await volumeToImage({
      source,
      volumeId,
      volumeName: 'data-2',
      imageName: 'clone-test',
      signal,
      inUse: 'clone',
    });
    expect(up.cloned).toBe(true);
    expect(await sha256Of(source, up.imageId)).toBe(await sha256Of(source, free.id));
    const routes = sim
      .requestLog('a')
      .filter((e) => e.method !== 'GET')
      .map((e) => `${e.method} ${e.route}`);
    expect(routes.some((r) => r.startsWith('POST') && r.includes('/snapshots'))).toBe(true);
    expect(routes.filter((r) => r.startsWith('DELETE'))).toHaveLength(2);
    const names: string[] = [];
    for await (const v of volumes.list(source.blockStorage)) names.push(String(v.name));
    expect(names.sort()).toEqual(['data-1', 'data-2']);
    expect((await volumes.get(source.blockStorage, volumeId)).status).toBe('in-use');
    await images.remove(source.image, up.imageId);
  });

  it('waits for a volume an interrupted copy left uploading, then copies it (a resume after kill -9)', async () => {
    const state = sim.regionState('a') as unknown as { volumes: { all(): { name: string; status: string }[] } };
    const volume = state.volumes.all().find((v) => v.name === 'data-1')!;
    volume.status = 'uploading';
    const settle = setTimeout(() => (volume.status = 'available'), 400);
    let volumeId = '';
    for await (const v of volumes.list(source.blockStorage)) if (v.name === 'data-1') volumeId = v.id;
    try {
      const up = await volumeToImage({ source, volumeId, volumeName: 'data-1', imageName: 'after-kill', signal });
      expect(up.imageId).toBeTruthy();
      await images.remove(source.image, up.imageId);
    } finally {
      clearTimeout(settle);
      volume.status = 'available';
    }
  });
});
