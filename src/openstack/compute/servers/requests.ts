import { BasculeError } from '../../../shared/errors.js';
import { unwrap } from '../../resource.js';
import { crud } from '../../resource.js';
import type { CallOptions } from '../../resource.js';
import type { ServiceClient } from '../../service-client.js';
import { header } from '../../transport/http.js';
import type { InterfaceAttachment, Server, ServerCreateOpts, ServerUpdateOpts, VolumeAttachment } from './types.js';

/** The highest compute microversion this module understands (2.79: delete_on_termination on attachments). */
export const MAX_MICROVERSION = '2.79';

const api = crud<Server, ServerCreateOpts, ServerUpdateOpts>({
  path: '/servers',
  listPath: '/servers/detail',
  one: 'server',
  many: 'servers',
  pagination: 'links',
  microversion: { max: MAX_MICROVERSION },
  createStatus: [202],
});
export const serversApi = api;
export const { list, get, update, remove } = api;

function opts(signal?: AbortSignal, extra: CallOptions = {}): CallOptions {
  return { microversion: { max: MAX_MICROVERSION }, ...extra, ...(signal ? { signal } : {}) };
}

/**
 * POST /servers. Tags at create need 2.52 and a description 2.19: on an older server the caller must
 * drop them (and set tags after boot); this function refuses rather than silently losing them.
 * Nova's answer carries `adminPass`, a secret: it is removed here and never leaves this function.
 */
export async function create(sc: ServiceClient, body: ServerCreateOpts, signal?: AbortSignal): Promise<Server> {
  // The highest of what the fields need (tags 2.52 > networks auto/none 2.37 > description 2.19).
  const needs = body.tags
    ? '2.52'
    : body.networks === 'auto' || body.networks === 'none'
      ? '2.37'
      : body.description !== undefined
        ? '2.19'
        : undefined;
  const response = await sc.request<{ server: Server & { adminPass?: string } }>('POST', '/servers', {
    json: { server: body },
    microversion: needs ? { max: MAX_MICROVERSION, min: needs } : { max: MAX_MICROVERSION },
    okStatus: [202],
    ...(signal ? { signal } : {}),
  });
  const server = unwrap<Server & { adminPass?: string }>(response.data, 'server');
  delete server.adminPass;
  return server;
}

async function action(sc: ServiceClient, id: string, body: Record<string, unknown>, signal?: AbortSignal) {
  return sc.request<Record<string, unknown> | undefined>('POST', `/servers/${encodeURIComponent(id)}/action`, {
    ...opts(signal),
    json: body,
    okStatus: [200, 202],
  });
}

export async function start(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await action(sc, id, { 'os-start': null }, signal);
}

export async function stop(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await action(sc, id, { 'os-stop': null }, signal);
}

/** createImage: the image id comes in the body from 2.45, in the Location header before. */
export async function createImage(
  sc: ServiceClient,
  id: string,
  name: string,
  metadata: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<string> {
  const response = await action(sc, id, { createImage: { name, metadata } }, signal);
  const fromBody = response.data?.image_id;
  if (typeof fromBody === 'string') return fromBody;
  const location = header(response.headers, 'location');
  const fromHeader = location?.split('/').pop();
  if (fromHeader) return fromHeader;
  throw new BasculeError('OS_BAD_RESPONSE', `compute: createImage on server ${id} returned no image id`);
}

export async function setMetadata(
  sc: ServiceClient,
  id: string,
  metadata: Record<string, string>,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const data = await sc.put<{ metadata: Record<string, string> }>(
    `/servers/${encodeURIComponent(id)}/metadata`,
    { metadata },
    opts(signal),
  );
  return data.metadata;
}

/** PUT /servers/{id}/tags replaces every tag (2.26). */
export async function replaceTags(
  sc: ServiceClient,
  id: string,
  tags: readonly string[],
  signal?: AbortSignal,
): Promise<string[]> {
  const data = await sc.put<{ tags: string[] }>(
    `/servers/${encodeURIComponent(id)}/tags`,
    { tags },
    opts(signal, { microversion: { max: MAX_MICROVERSION, min: '2.26' } }),
  );
  return data.tags;
}

export async function listVolumeAttachments(
  sc: ServiceClient,
  id: string,
  signal?: AbortSignal,
): Promise<VolumeAttachment[]> {
  const data = await sc.get<{ volumeAttachments: VolumeAttachment[] }>(
    `/servers/${encodeURIComponent(id)}/os-volume_attachments`,
    opts(signal),
  );
  return data.volumeAttachments;
}

export async function attachVolume(
  sc: ServiceClient,
  id: string,
  volumeId: string,
  device?: string,
  signal?: AbortSignal,
): Promise<VolumeAttachment> {
  const volumeAttachment: Record<string, unknown> = { volumeId };
  if (device) volumeAttachment.device = device;
  const data = await sc.post<{ volumeAttachment: VolumeAttachment }>(
    `/servers/${encodeURIComponent(id)}/os-volume_attachments`,
    { volumeAttachment },
    opts(signal),
  );
  return data.volumeAttachment;
}

export async function detachVolume(
  sc: ServiceClient,
  id: string,
  volumeId: string,
  signal?: AbortSignal,
): Promise<void> {
  await sc.request(
    'DELETE',
    `/servers/${encodeURIComponent(id)}/os-volume_attachments/${encodeURIComponent(volumeId)}`,
    { ...opts(signal), okStatus: [202, 204] },
  );
}

export async function listInterfaces(
  sc: ServiceClient,
  id: string,
  signal?: AbortSignal,
): Promise<InterfaceAttachment[]> {
  const data = await sc.get<{ interfaceAttachments: InterfaceAttachment[] }>(
    `/servers/${encodeURIComponent(id)}/os-interface`,
    opts(signal),
  );
  return data.interfaceAttachments;
}
