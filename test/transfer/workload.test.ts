import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cloud } from '../../src/openstack/cloud.js';
import { TEMPORARY_PROPERTY, WorkloadMover, findTemporaryImages } from '../../src/transfer/index.js';
import type { TemporaryImage } from '../../src/transfer/index.js';
import { FakeCloud } from './fake-cloud.js';

let src: FakeCloud;
let dst: FakeCloud;
let source: Cloud;
let target: Cloud;

beforeEach(async () => {
  src = await FakeCloud.start('src');
  dst = await FakeCloud.start('dst');
  source = src.client();
  target = dst.client();
});

afterEach(async () => {
  await source.close();
  await target.close();
  await src.stop();
  await dst.stop();
});

const signal = new AbortController().signal;

describe('WorkloadMover', () => {
  it('moves a server disk by snapshot and a volume by upload, journals the temporaries, and cleans them up', async () => {
    const baseBytes = randomBytes(400_000);
    const base = src.addImage(
      { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', min_disk: 1 },
      baseBytes,
    );
    const serverId = src.addServer('web-1', 'ACTIVE', base.id);
    const volumeBytes = randomBytes(250_000);
    const volumeId = src.addVolume('data-1', volumeBytes);
    const journaled: TemporaryImage[] = [];
    const mover = new WorkloadMover(source, target, {
      consistency: 'stop',
      restartSource: true,
      onTemporary: (t) => void journaled.push(t),
    });

    const disk = await mover.serverDisk({ serverId, serverName: 'web-1', marker: 'bascule:m1', signal });
    expect(disk.crashConsistent).toBe(false);
    expect(dst.bytesOf(disk.targetImageId)!.equals(baseBytes)).toBe(true);
    const diskImage = dst.images.get(disk.targetImageId)!;
    expect(diskImage).toMatchObject({
      disk_format: 'qcow2',
      min_disk: 1,
      [TEMPORARY_PROPERTY]: 'bascule:m1',
      status: 'active',
    });
    expect(src.servers.get(serverId)!.status).toBe('ACTIVE');

    const vol = await mover.volume({ volumeId, volumeName: 'data-1', marker: 'bascule:m2', signal });
    expect(dst.bytesOf(vol.targetImageId)!.equals(volumeBytes)).toBe(true);
    expect(vol.sizeGb).toBe(1);

    expect(journaled.map((t) => `${t.side}: ${t.purpose}`)).toEqual([
      'source: snapshot of server web-1',
      'target: disk of server web-1',
      'source: upload of volume data-1',
      'target: volume data-1',
    ]);
    expect((await findTemporaryImages(source, new Set(['bascule:m1', 'bascule:m2']))).map((i) => i.id).sort()).toEqual(
      journaled
        .filter((t) => t.side === 'source')
        .map((t) => t.imageId)
        .sort(),
    );
    expect(mover.manager.overall()).toMatchObject({ transfersDone: 2, bytesDone: 650_000 });

    const { removed, failed } = await mover.cleanup();
    expect(failed).toEqual([]);
    expect(removed).toHaveLength(4);
    expect([...src.images.keys()]).toEqual([base.id]);
    expect(dst.images.size).toBe(0);
  });
});
