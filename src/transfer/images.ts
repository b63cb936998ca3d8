import type { Cloud } from '../openstack/cloud.js';
import { isForbidden, isNotFound } from '../openstack/errors.js';
import * as images from '../openstack/image/images/requests.js';
import type { Image } from '../openstack/image/images/types.js';
import { waitOrThrow } from '../openstack/waiter.js';
import { AbortedError } from '../shared/errors.js';

/** What identifies an image's bytes: Glance's size, md5 `checksum` and multihash. */
export interface ImageFingerprint {
  size?: number | null;
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
}

/** The property Bascule's provenance marker lives in (same value as src/kinds/markers.ts MARKER_PROPERTY). */
export const IMAGE_MARKER_PROPERTY = 'bascule_marker';

export function fingerprintOf(image: Image): ImageFingerprint {
  return {
    size: image.size ?? null,
    checksum: image.checksum ?? null,
    os_hash_algo: image.os_hash_algo ?? null,
    os_hash_value: image.os_hash_value ?? null,
  };
}

/** Status as the waiter sees it: a glance-direct import that failed puts the image back to queued with a marker. */
function effectiveStatus(image: Image): string {
  const failed = image.os_glance_failed_import;
  if (image.status === 'queued' && typeof failed === 'string' && failed.trim() !== '') return 'import-failed';
  return image.status;
}

/** Waits until an image is active; fails clearly on killed/deleted/failed import, or after the timeout (default 30 min). */
export async function waitImageActive(
  cloud: Cloud,
  imageId: string,
  what: string,
  signal: AbortSignal,
  timeoutMs = 30 * 60_000,
): Promise<Image> {
  return waitOrThrow(what, {
    poll: () => images.get(cloud.image, imageId, signal),
    status: effectiveStatus,
    ready: ['active'],
    failed: ['killed', 'deleted', 'pending_delete', 'deactivated', 'import-failed'],
    timeoutMs,
    intervalMs: 500,
    maxIntervalMs: 10_000,
    signal,
    faultMessage: (image) =>
      typeof image.os_glance_failed_import === 'string' && image.os_glance_failed_import
        ? `import failed in store(s) ${image.os_glance_failed_import}`
        : undefined,
  });
}

/**
 * Deletes an image, ignoring "already gone". A protected image is unprotected first (a temporary or
 * partial image Bascule made). Never throws: failures are logged on the cloud's logger and reported
 * as `false`, so cleanup never hides the error that caused it.
 */
export async function removeImageQuietly(cloud: Cloud, id: string, signal?: AbortSignal): Promise<boolean> {
  // Cleanup must run even when the run is being aborted: use the caller's signal only if it is still live.
  const live = signal && !signal.aborted ? signal : undefined;
  try {
    await images.remove(cloud.image, id, live);
    return true;
  } catch (error) {
    if (isNotFound(error)) return true;
    if (isForbidden(error)) {
      try {
        const image = await images.get(cloud.image, id, live);
        if (image.protected) {
          await images.update(cloud.image, id, [{ op: 'replace', path: '/protected', value: false }], live);
          await images.remove(cloud.image, id, live);
          return true;
        }
      } catch (inner) {
        if (isNotFound(inner)) return true;
      }
    }
    if (error instanceof AbortedError) return false;
    cloud.session.logger.warn('could not remove image', {
      cloud: cloud.name,
      image: id,
      error: (error as Error).message,
    });
    return false;
  }
}

/** Whether two fingerprints describe the same bytes: same size and the same md5 or the same multihash. */
export function sameBytes(a: ImageFingerprint, b: ImageFingerprint): boolean {
  if (a.size == null || b.size == null || a.size !== b.size) return false;
  if (a.checksum && b.checksum) return a.checksum.toLowerCase() === b.checksum.toLowerCase();
  if (a.os_hash_algo && a.os_hash_value && b.os_hash_algo === a.os_hash_algo && b.os_hash_value)
    return a.os_hash_value.toLowerCase() === b.os_hash_value.toLowerCase();
  return false;
}
