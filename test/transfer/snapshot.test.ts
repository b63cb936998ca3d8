import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/openstack/cloud.js';
import { TransferTimeoutError, snapshotServer, volumeToImage } from '../../src/transfer/index.js';
import { FakeCloud } from './fake-cloud.js';

let src: FakeCloud;
let source: Cloud;

beforeEach(async () => {
  src = await FakeCloud.start('src');
  source = src.client();
});

afterEach(async () => {
  await source.close();
  await src.stop();
});

const signal = () => new AbortController().signal;

describe('snapshotServer', () => {
  it("stops a running server, snapshots it with its base image's bytes, and restarts it when asked", async () => {
    const base = src.addImage({ name: 'cirros' }, randomBytes(70_000));
    const id = src.addServer('web-1', 'ACTIVE', base.id);
    const result = await snapshotServer({
      source,
      serverId: id,
      serverName: 'web-1',
      imageName: 'bascule-web-1',
      consistency: 'stop',
      restartSource: true,
      signal: signal(),
      metadata: { bascule_marker: 'bascule:x' },
    });
    expect(result.crashConsistent).toBe(false);
    expect(result.stopped).toBe(true);
    expect(result.restarted).toBe(true);
    expect(result.fingerprint.checksum).toBe(base.checksum);
    expect(result.fingerprint.size).toBe(70_000);
    const snap = src.images.get(result.imageId)!;
    expect(snap.status).toBe('active');
    expect(snap.bascule_marker).toBe('bascule:x');
    expect(src.servers.get(id)!.status).toBe('ACTIVE');
    const actions = src.requests.filter((r) => r.endsWith('/action'));
    expect(actions).toHaveLength(3); // stop, createImage, start
  });

  it('leaves a stopped server stopped without restartSource', async () => {
    const base = src.addImage({ name: 'cirros' }, randomBytes(1000));
    const id = src.addServer('web-2', 'ACTIVE', base.id);
    const result = await snapshotServer({
      source,
      serverId: id,
      serverName: 'web-2',
      imageName: 's',
      consistency: 'stop',
      restartSource: false,
      signal: signal(),
    });
    expect(result.restarted).toBe(false);
    expect(src.servers.get(id)!.status).toBe('SHUTOFF');
  });

  it('snapshots a running server live and says the copy is crash-consistent', async () => {
    const base = src.addImage({ name: 'cirros' }, randomBytes(1000));
    const id = src.addServer('db-1', 'ACTIVE', base.id);
    const result = await snapshotServer({
      source,
      serverId: id,
      serverName: 'db-1',
      imageName: 's',
      consistency: 'live',
      restartSource: false,
      signal: signal(),
    });
    expect(result.crashConsistent).toBe(true);
    expect(result.stopped).toBe(false);
    expect(src.servers.get(id)!.status).toBe('ACTIVE');
  });

  it('ends in a timeout error naming the server when the snapshot never becomes active, and deletes it', async () => {
    const base = src.addImage({ name: 'cirros' }, randomBytes(1000));
    const id = src.addServer('app-7', 'SHUTOFF', base.id);
    src.faults.snapshotsStuck = true;
    const error = await snapshotServer({
      source,
      serverId: id,
      serverName: 'app-7',
      imageName: 'bascule-app-7',
      consistency: 'stop',
      restartSource: false,
      signal: signal(),
      timeoutMs: 1200,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferTimeoutError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `snapshot bascule-app-7 of server app-7 \\(${id}\\) on src: image \\S+ did not become active within 1 s \\(last status queued\\); it was deleted`,
      ),
    );
    expect((error as TransferTimeoutError).hint).toMatch(/base-image/);
    expect([...src.images.values()].map((i) => i.name)).toEqual(['cirros']);
  });

  it('refuses a boot-from-volume server with a pointer to volumeToImage', async () => {
    const id = src.addServer('bfv', 'ACTIVE', '');
    await expect(
      snapshotServer({
        source,
        serverId: id,
        serverName: 'bfv',
        imageName: 's',
        consistency: 'stop',
        restartSource: false,
        signal: signal(),
      }),
    ).rejects.toThrow(/boots from a volume.*volumeToImage/);
  });
});

describe('volumeToImage', () => {
  it("uploads an available volume to an image with the volume's bytes and waits for both", async () => {
    const bytes = randomBytes(300_000);
    const id = src.addVolume('data-1', bytes);
    const result = await volumeToImage({
      source,
      volumeId: id,
      volumeName: 'data-1',
      imageName: 'bascule-data-1',
      signal: signal(),
    });
    expect(src.bytesOf(result.imageId)!.equals(bytes)).toBe(true);
    expect(result.fingerprint.size).toBe(bytes.length);
    expect(src.images.get(result.imageId)!.disk_format).toBe('raw');
    expect(src.volumes.get(id)!.status).toBe('available');
  });

  it('waits for a volume in a transient state, and fails naming it when it never settles', async () => {
    // An upload or attach an interrupted run left in progress passes by itself: the copy waits for it (bounded by
    // timeoutMs), then names the volume and the state it stayed in.
    const id = src.addVolume('data-2', randomBytes(10), 'attaching');
    await expect(
      volumeToImage({ source, volumeId: id, volumeName: 'data-2', imageName: 'x', signal: signal(), timeoutMs: 1_500 }),
    ).rejects.toThrow(/volume data-2 .*attaching/);
  });
});
