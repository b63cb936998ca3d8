import { crud } from '../../resource.js';
import type { ServiceClient } from '../../service-client.js';
import type { Volume, VolumeCreateOpts, VolumeUpdateOpts } from './types.js';

/** Cinder understands up to 3.60 here (3.60: time-comparison filters); v2 endpoints get no microversion header. */
export const MAX_MICROVERSION = '3.60';

export const volumesApi = crud<Volume, VolumeCreateOpts, VolumeUpdateOpts>({
  path: '/volumes',
  listPath: '/volumes/detail',
  one: 'volume',
  many: 'volumes',
  pagination: 'links',
  microversion: { max: MAX_MICROVERSION },
  createStatus: [202],
});
export const { list, get, create, update, remove } = volumesApi;

const sig = (signal?: AbortSignal) => (signal ? { signal } : {});

/** os-volume_upload_image: Cinder copies the volume's bytes into a new Glance image. */
export async function uploadToImage(
  sc: ServiceClient,
  id: string,
  body: { image_name: string; disk_format?: string; container_format?: string; force?: boolean; visibility?: string },
  signal?: AbortSignal,
): Promise<{ image_id: string; status?: string }> {
  const data = await sc.post<{ 'os-volume_upload_image': { image_id: string; status?: string } }>(
    `/volumes/${encodeURIComponent(id)}/action`,
    { 'os-volume_upload_image': { disk_format: 'raw', container_format: 'bare', force: false, ...body } },
    { microversion: { max: MAX_MICROVERSION }, ...sig(signal) },
  );
  return data['os-volume_upload_image'];
}

export async function setMetadata(
  sc: ServiceClient,
  id: string,
  metadata: Record<string, string>,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const data = await sc.post<{ metadata: Record<string, string> }>(
    `/volumes/${encodeURIComponent(id)}/metadata`,
    { metadata },
    sig(signal),
  );
  return data.metadata;
}

/** os-set_bootable: Cinder marks a volume made from an image bootable; a data volume is put back as it was. */
export async function setBootable(
  sc: ServiceClient,
  id: string,
  bootable: boolean,
  signal?: AbortSignal,
): Promise<void> {
  await sc.request('POST', `/volumes/${encodeURIComponent(id)}/action`, {
    json: { 'os-set_bootable': { bootable } },
    okStatus: [200, 202],
    ...sig(signal),
  });
}
