// Server disks on the real OpenStack: an image-backed server moved by snapshot (the recipe's fake virt driver fills
// a snapshot with its base image's bytes) and a boot-from-volume server moved through its boot volume, both booted
// on the target. Everything is made by the test (prefix e2e-disk-*) and removed at the end; the seed is untouched.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import { connect } from '../../src/openstack/cloud.js';
import { loadCloudConfig } from '../../src/openstack/config/clouds-yaml.js';
import { isNotFound } from '../../src/openstack/errors.js';
import * as flavors from '../../src/openstack/compute/flavors/requests.js';
import * as servers from '../../src/openstack/compute/servers/requests.js';
import * as images from '../../src/openstack/image/images/requests.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import * as subnets from '../../src/openstack/network/subnets/requests.js';
import { waitFor, waitOrThrow } from '../../src/openstack/waiter.js';
import { removeImageQuietly, waitImageActive, WorkloadMover } from '../../src/transfer/index.js';
import { cloudsFile, requireCloud } from './support/env.js';

let source: Cloud;
let target: Cloud;
const cleanup: (() => Promise<unknown>)[] = [];
const signal = new AbortController().signal;
const tag = `e2e-disk-${Date.now().toString(36)}`;
const bytes = randomBytes(3 * 1024 * 1024 + 7);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function downloadSha(cloud: Cloud, id: string): Promise<string> {
  const response = await images.download(cloud.image, id, signal);
  const hash = createHash('sha256');
  for await (const chunk of response.body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function tinyFlavor(cloud: Cloud): Promise<string> {
  for await (const f of flavors.list(cloud.compute)) if (f.name === 'm1.tiny') return f.id;
  throw new Error('no flavor m1.tiny');
}

async function network(cloud: Cloud): Promise<string> {
  const net = await networks.create(cloud.network, { name: tag });
  cleanup.push(() => networks.remove(cloud.network, net.id));
  const sub = await subnets.create(cloud.network, {
    name: tag,
    network_id: net.id,
    cidr: '10.99.0.0/24',
    ip_version: 4,
  });
  cleanup.push(() => subnets.remove(cloud.network, sub.id));
  return net.id;
}

async function removeServer(cloud: Cloud, id: string): Promise<void> {
  try {
    await servers.remove(cloud.compute, id);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  await waitFor({
    poll: () =>
      servers.get(cloud.compute, id).then(
        (s) => s.status,
        (e: unknown) => (isNotFound(e) ? 'GONE' : Promise.reject(e)),
      ),
    status: (s) => s,
    ready: ['GONE', 'DELETED'],
    failed: [],
    timeoutMs: 120_000,
  });
}

async function boot(cloud: Cloud, body: Record<string, unknown>): Promise<string> {
  const server = await servers.create(
    cloud.compute,
    { name: tag, flavorRef: await tinyFlavor(cloud), ...body } as never,
    signal,
  );
  cleanup.push(() => removeServer(cloud, server.id));
  await waitOrThrow(`server ${tag} on ${cloud.name}`, {
    poll: () => servers.get(cloud.compute, server.id),
    status: (s) => s.status,
    ready: ['ACTIVE'],
    failed: ['ERROR'],
    timeoutMs: 300_000,
    signal,
    faultMessage: (s) => s.fault?.message,
  });
  return server.id;
}

async function waitVolume(cloud: Cloud, id: string, ready = 'available'): Promise<void> {
  await waitOrThrow(`volume ${id}`, {
    poll: () => volumes.get(cloud.blockStorage, id),
    status: (v) => v.status,
    ready: [ready],
    failed: ['error'],
    timeoutMs: 300_000,
    signal,
  });
}

async function deleteVolume(cloud: Cloud, id: string): Promise<void> {
  await volumes.remove(cloud.blockStorage, id).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
}

let baseImageId = '';
let srcNet = '';
let dstNet = '';

beforeAll(async () => {
  requireCloud();
  source = await connect(await loadCloudConfig('src', { files: [cloudsFile()], env: {} }));
  target = await connect(await loadCloudConfig('dst', { files: [cloudsFile()], env: {} }));
  const image = await images.create(source.image, {
    name: `${tag}-base`,
    disk_format: 'raw',
    container_format: 'bare',
  });
  baseImageId = image.id;
  cleanup.push(() => removeImageQuietly(source, image.id));
  await images.upload(source.image, image.id, bytes, bytes.length, signal);
  await waitImageActive(source, image.id, 'base image', signal, 120_000);
  srcNet = await network(source);
  dstNet = await network(target);
});

afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  await source?.close();
  await target?.close();
});

describe('server disks on the real OpenStack', () => {
  it('moves an image-backed server by snapshot (stopped, then restarted) and boots it on the target', async () => {
    const serverId = await boot(source, { imageRef: baseImageId, networks: [{ uuid: srcNet }] });
    const mover = new WorkloadMover(source, target, { consistency: 'stop', restartSource: true });
    const disk = await mover.serverDisk({ serverId, serverName: tag, marker: `bascule:${tag}`, signal });
    expect(disk.crashConsistent).toBe(false);
    expect(await downloadSha(target, disk.targetImageId)).toBe(sha256(bytes));
    expect((await servers.get(source.compute, serverId)).status).toBe('ACTIVE');
    const copy = await boot(target, { imageRef: disk.targetImageId, networks: [{ uuid: dstNet }] });
    expect((await servers.get(target.compute, copy)).status).toBe('ACTIVE');
    const { failed, removed } = await mover.cleanup();
    expect(failed).toEqual([]);
    expect(removed).toHaveLength(2);
  });

  it('moves a boot-from-volume server through its boot volume and boots it on the target', async () => {
    const vol = await volumes.create(source.blockStorage, { size: 1, name: `${tag}-boot`, imageRef: baseImageId });
    cleanup.push(() => deleteVolume(source, vol.id));
    await waitVolume(source, vol.id);
    const serverId = await boot(source, {
      networks: [{ uuid: srcNet }],
      block_device_mapping_v2: [
        {
          boot_index: 0,
          uuid: vol.id,
          source_type: 'volume',
          destination_type: 'volume',
          delete_on_termination: false,
        },
      ],
    });
    await waitVolume(source, vol.id, 'in-use');

    const mover = new WorkloadMover(source, target, {
      consistency: 'stop',
      restartSource: true,
      cloneTimeoutMs: 90_000,
    });
    // The launcher sets enable_force_upload = true in cinder.conf, as an operator must for Bascule to copy an
    // attached volume: the copy goes through a forced upload-to-image.
    const moved = await mover.volume({ volumeId: vol.id, volumeName: `${tag}-boot`, marker: `bascule:${tag}`, signal });
    await mover.release(serverId, signal);
    expect((await servers.get(source.compute, serverId)).status).toBe('ACTIVE');
    // The volume's first bytes are the image's.
    const response = await images.download(target.image, moved.targetImageId, signal);
    const head = createHash('sha256');
    let seen = 0;
    for await (const chunk of response.body) {
      const c = chunk as Buffer;
      if (seen < bytes.length) head.update(c.subarray(0, Math.min(c.length, bytes.length - seen)));
      seen += c.length;
    }
    expect(seen).toBe(1024 ** 3);
    expect(head.digest('hex')).toBe(sha256(bytes));

    const restored = await volumes.create(target.blockStorage, {
      size: Math.max(1, moved.sizeGb),
      name: `${tag}-boot`,
      imageRef: moved.targetImageId,
    });
    cleanup.push(() => deleteVolume(target, restored.id));
    await waitVolume(target, restored.id);
    const copy = await boot(target, {
      networks: [{ uuid: dstNet }],
      block_device_mapping_v2: [
        {
          boot_index: 0,
          uuid: restored.id,
          source_type: 'volume',
          destination_type: 'volume',
          delete_on_termination: false,
        },
      ],
    });
    expect((await servers.get(target.compute, copy)).status).toBe('ACTIVE');
    const { failed } = await mover.cleanup();
    expect(failed).toEqual([]);
  }, 900_000);
});
