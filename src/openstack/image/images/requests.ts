import type { Readable } from 'node:stream';
import { paginate } from '../../pagination.js';
import type { Query, ServiceClient, StreamResponse } from '../../service-client.js';
import type { Image, ImageCreateOpts, ImagePatchOp } from './types.js';

const sig = (signal?: AbortSignal) => (signal ? { signal } : {});

/** GET /v2/images, following `next` (Glance answers with images and a relative next link). */
export function list(sc: ServiceClient, query?: Query, signal?: AbortSignal): AsyncGenerator<Image, void, undefined> {
  return paginate<Image>(sc, '/images', {
    key: 'images',
    strategy: 'links',
    pageSize: 200,
    ...(query ? { query } : {}),
    ...sig(signal),
  });
}

export async function get(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<Image> {
  return sc.get<Image>(`/images/${encodeURIComponent(id)}`, sig(signal));
}

/** POST /v2/images: Glance takes the image at the top level (no envelope) and answers 201. */
export async function create(sc: ServiceClient, body: ImageCreateOpts, signal?: AbortSignal): Promise<Image> {
  const response = await sc.request<Image>('POST', '/images', { json: body, okStatus: [201], ...sig(signal) });
  return response.data;
}

export async function update(
  sc: ServiceClient,
  id: string,
  ops: readonly ImagePatchOp[],
  signal?: AbortSignal,
): Promise<Image> {
  const response = await sc.request<Image>('PATCH', `/images/${encodeURIComponent(id)}`, {
    json: ops,
    contentType: 'application/openstack-images-v2.1-json-patch',
    ...sig(signal),
  });
  return response.data;
}

export async function remove(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await sc.request('DELETE', `/images/${encodeURIComponent(id)}`, { okStatus: [204], ...sig(signal) });
}

/** GET /v2/images/{id}/file as a stream. 204 means the image has no data. */
export async function download(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<StreamResponse> {
  return sc.stream('GET', `/images/${encodeURIComponent(id)}/file`, {
    okStatus: [200, 204],
    unqueued: true,
    headers: { accept: 'application/octet-stream' },
    ...sig(signal),
  });
}

/** PUT /v2/images/{id}/<part> from a stream: sent once, never retried (the caller retries the whole transfer). */
async function putBytes(
  sc: ServiceClient,
  id: string,
  part: 'file' | 'stage',
  data: Readable | Uint8Array,
  size?: number,
  signal?: AbortSignal,
): Promise<void> {
  const headers: Record<string, string> = {};
  if (size !== undefined) headers['content-length'] = String(size);
  await sc.request('PUT', `/images/${encodeURIComponent(id)}/${part}`, {
    raw: data,
    contentType: 'application/octet-stream',
    headers,
    okStatus: [204],
    unqueued: true,
    timeoutMs: 3_600_000,
    ...sig(signal),
  });
}

/** PUT /v2/images/{id}/file from a stream (never retried: a stream is sent once; the caller retries the whole transfer). */
export function upload(
  sc: ServiceClient,
  id: string,
  data: Readable | Uint8Array,
  size?: number,
  signal?: AbortSignal,
): Promise<void> {
  return putBytes(sc, id, 'file', data, size, signal);
}

/** PUT /v2/images/{id}/stage: the first half of the interoperable import (glance-direct). */
export function stage(
  sc: ServiceClient,
  id: string,
  data: Readable | Uint8Array,
  size?: number,
  signal?: AbortSignal,
): Promise<void> {
  return putBytes(sc, id, 'stage', data, size, signal);
}

/** POST /v2/images/{id}/import with a method (glance-direct after stage). */
export async function importImage(
  sc: ServiceClient,
  id: string,
  method: 'glance-direct' | 'web-download' | 'copy-image',
  signal?: AbortSignal,
): Promise<void> {
  await sc.request('POST', `/images/${encodeURIComponent(id)}/import`, {
    json: { method: { name: method } },
    okStatus: [202],
    ...sig(signal),
  });
}

/** GET /v2/info/import: the import methods this Glance offers (404 before Queens: none). */
export async function importMethods(sc: ServiceClient, signal?: AbortSignal): Promise<string[]> {
  try {
    const data = await sc.get<{ 'import-methods'?: { value?: string[] } }>('/info/import', sig(signal));
    return data['import-methods']?.value ?? [];
  } catch (error) {
    if ((error as { status?: number }).status === 404) return [];
    throw error;
  }
}

export async function addTag(sc: ServiceClient, id: string, tag: string, signal?: AbortSignal): Promise<void> {
  await sc.request('PUT', `/images/${encodeURIComponent(id)}/tags/${encodeURIComponent(tag)}`, {
    okStatus: [204],
    ...sig(signal),
  });
}
