import { isObj, isoSeconds, str, type Obj } from '../core/json.js';
import { ApiError } from '../http/api-error.js';
import { authOf } from '../http/context.js';
import type { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import { getImage, ownImage } from './images.js';
import { markImageActive } from './store.js';

/** Image bytes: PUT/GET /file, and (where the profile has it) the interoperable import API. */
export function imageDataRoutes(r: Router, state: RegionState): void {
  r.put(
    '/v2/images/{id}/file',
    async (req) => {
      const image = ownImage(req, state, 'upload');
      const type = String(req.headers['content-type'] ?? 'application/octet-stream');
      if (!type.startsWith('application/octet-stream')) {
        req.raw.resume();
        throw new ApiError(415, `Content type ${type} not supported`);
      }
      if (image.status !== 'queued') {
        req.raw.resume();
        throw new ApiError(409, `Image status transition from ${String(image.status)} to saving is not allowed`);
      }
      image.status = 'saving';
      try {
        const body = state.bandwidth ? state.bandwidth.throttle(req.raw, req.auth!.userName, 'write') : req.raw;
        const info = await state.blobs.write('images', String(image.id), body);
        markImageActive(state, image, info);
      } catch (error) {
        image.status = 'queued';
        await state.blobs.remove('images', String(image.id));
        throw new ApiError(
          400,
          `Error in store configuration. Adding images to store is disabled. (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      return { status: 204 };
    },
    { isRawBody: true },
  );
  r.get('/v2/images/{id}/file', async (req) => {
    const image = getImage(req, state);
    if (image.status !== 'active' || !(await state.blobs.exists('images', String(image.id)))) {
      if (image.status === 'deactivated')
        throw new ApiError(403, 'The requested image has been deactivated. Image data download is forbidden.');
      return { status: 204 };
    }
    const headers: Record<string, string> = { 'content-length': String(image.size ?? 0) };
    if (typeof image.checksum === 'string') headers['content-md5'] = image.checksum;
    return {
      status: 200,
      headers,
      contentType: 'application/octet-stream',
      stream: state.bandwidth
        ? state.bandwidth.throttle(state.blobs.read('images', String(image.id)), req.auth!.userName, 'read')
        : state.blobs.read('images', String(image.id)),
    };
  });

  if (state.profile.glance.hasImport) {
    r.get('/v2/info/import', () => ({
      status: 200,
      body: {
        'import-methods': {
          description: 'Import methods available.',
          type: 'array',
          value: ['glance-direct', 'web-download', 'copy-image'],
        },
      },
    }));
    r.get('/v2/info/stores', () => ({
      status: 200,
      body: { stores: [{ id: 'file', description: 'Local file store', default: true }] },
    }));
    r.put(
      '/v2/images/{id}/stage',
      async (req) => {
        const image = ownImage(req, state, 'upload');
        if (image.status !== 'queued') {
          req.raw.resume();
          throw new ApiError(409, `Image status transition from ${String(image.status)} to uploading is not allowed`);
        }
        image.status = 'uploading';
        const info = await state.blobs.write('staging', String(image.id), req.raw);
        (image as Obj)._staged = info;
        image.updated_at = isoSeconds();
        return { status: 204 };
      },
      { isRawBody: true },
    );
    r.post('/v2/images/{id}/import', (req) => {
      const image = ownImage(req, state, 'import');
      const method = isObj(req.body) && isObj(req.body.method) ? str(req.body.method, 'name') : undefined;
      if (method !== 'glance-direct') {
        if (method === 'web-download' || method === 'copy-image')
          throw new ApiError(400, `Import method ${method} is not supported by this simulator.`);
        throw new ApiError(400, `Import method ${method ?? ''} is invalid.`);
      }
      if (image.status !== 'uploading' || !(image as Obj)._staged) {
        throw new ApiError(409, "Image needs to be staged before 'glance-direct' method can be used");
      }
      const id = String(image.id);
      image.status = 'importing';
      const move = state.blobs.copyHashed('staging', id, 'images', id).then(async (info) => {
        (image as Obj)._staged = info;
        await state.blobs.remove('staging', id);
      });
      state.jobs.schedule(
        state.delays.imageActiveMs,
        () => {
          const info = (image as Obj)._staged as { size: number; md5: string; sha512: string };
          delete (image as Obj)._staged;
          if (state.images.has(id)) markImageActive(state, image, info);
        },
        move,
      );
      void authOf(req);
      return { status: 202 };
    });
  }
}
