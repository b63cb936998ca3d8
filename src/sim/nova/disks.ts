/**
 * Server disks: an image-backed server gets its own copy of its image's bytes when it is created (as a hypervisor
 * copies the image to the instance's disk). Tests may write into a disk (Simulator.writeServerDisk) so that it
 * differs from its image; a snapshot (createImage) then holds the disk's bytes, not the image's, and a copy of the
 * server made through a snapshot can be checked byte for byte. The disk goes with the server.
 */
import { Readable } from 'node:stream';
import type { RegionState } from '../state/region.js';

const disks = new WeakMap<RegionState, Map<string, Promise<boolean>>>();

function of(state: RegionState): Map<string, Promise<boolean>> {
  let map = disks.get(state);
  if (!map) {
    map = new Map();
    disks.set(state, map);
  }
  return map;
}

/** Starts copying the image's bytes to the server's disk; resolves to whether the disk holds bytes. */
export function startDisk(state: RegionState, serverId: string, imageId: string): Promise<boolean> {
  const copy = (async () => {
    if (!(await state.blobs.exists('images', imageId))) return false;
    await state.blobs.copy('images', imageId, 'disks', serverId);
    return true;
  })().catch(() => false);
  of(state).set(serverId, copy);
  return copy;
}

/** Whether the server has a disk of its own (being copied or copied). */
export function hasDisk(state: RegionState, serverId: string): boolean {
  return of(state).has(serverId);
}

/** Resolves once the server's disk is copied: whether it holds bytes. */
export function diskReady(state: RegionState, serverId: string): Promise<boolean> {
  return of(state).get(serverId) ?? Promise.resolve(false);
}

/** Replaces the bytes of a server's disk (a workload writing to it). */
export async function writeDisk(state: RegionState, serverId: string, data: Uint8Array): Promise<void> {
  await diskReady(state, serverId);
  await state.blobs.write('disks', serverId, Readable.from([Buffer.from(data)]));
  of(state).set(serverId, Promise.resolve(true));
}

export function removeDisk(state: RegionState, serverId: string): void {
  const copy = of(state).get(serverId);
  of(state).delete(serverId);
  void copy?.then(() => state.blobs.remove('disks', serverId));
}
