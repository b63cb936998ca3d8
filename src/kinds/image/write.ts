/**
 * The project's own images: the record is created with the source's properties and Bascule's marker (one call, so
 * an interrupted create is found by marker); its bytes are streamed from the source cloud by src/transfer, which
 * verifies the checksums and retries from the start on a broken stream. Without a source cloud the entry is
 * blocked in the dry run: an image record without its data is no migration.
 */
import * as images from '../../openstack/image/images/requests.js';
import type { Image, ImagePatchOp } from '../../openstack/image/images/types.js';
import { collect } from '../../openstack/pagination.js';
import type { ImageSpec } from '../../plan/types.js';
import { transferImage, waitImageActive } from '../../transfer/index.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import { MARKER_PROPERTY, userTags } from '../markers.js';
import { imageProperties } from './read.js';
import { getOrUndefined, removeIgnoringMissing } from '../shared/write.js';

/** The body of POST /v2/images for an entry: its properties, its marker; never the read-only hash fields. */
export function imageCreateBody(r: ResolvedEntry): Record<string, unknown> {
  const spec = r.entry.spec as ImageSpec;
  const body: Record<string, unknown> = { ...(spec.properties ?? {}), name: spec.name, [MARKER_PROPERTY]: r.marker };
  if (spec.disk_format) body.disk_format = spec.disk_format;
  if (spec.container_format) body.container_format = spec.container_format;
  if (spec.min_disk !== undefined) body.min_disk = spec.min_disk;
  if (spec.min_ram !== undefined) body.min_ram = spec.min_ram;
  // Publishing an image needs admin rights: a public image is created private (the dry run says lossy).
  if (spec.visibility && spec.visibility !== 'public') body.visibility = spec.visibility;
  if (spec.tags?.length) body.tags = userTags(spec.tags);
  return body;
}

async function setProtected(ctx: WriteContext, id: string, value: boolean): Promise<Image> {
  return images.update(ctx.cloud.image, id, [{ op: 'replace', path: '/protected', value }], ctx.signal);
}

export const imageWriter: KindWriter<Image> = {
  kind: 'image',
  async find(ctx, r) {
    const owned = await collect(images.list(ctx.cloud.image, { owner: ctx.projectId }, ctx.signal));
    const live = owned.filter((i) => i.status !== 'deleted' && i.status !== 'pending_delete' && i.status !== 'killed');
    const marked = live.filter((i) => i[MARKER_PROPERTY] === r.marker);
    if (marked.length > 0) return marked;
    const name = (r.entry.spec as ImageSpec).name;
    return live.filter((i) => i.name === name && i.status === 'active');
  },
  lossy: (r) => ((r.entry.spec as ImageSpec).visibility === 'public' ? ['visibility'] : []),
  check(ctx, r) {
    if (!ctx.source) return 'image data moves only from a source cloud: give --from';
    if (!r.entry.source?.id) return 'the plan does not name the source image (source.id)';
    return undefined;
  },
  async create(ctx, r) {
    const spec = r.entry.spec as ImageSpec;
    const source = ctx.source;
    if (!source) throw new Error(`image ${spec.name}: image data moves only from a source cloud (--from)`);
    const move = {
      sourceImageId: r.entry.source!.id,
      createTargetImage: async () => (await images.create(ctx.cloud.image, imageCreateBody(r), ctx.signal)).id,
      expected: {
        size: spec.size ?? null,
        checksum: spec.checksum ?? null,
        os_hash_algo: spec.os_hash_algo ?? null,
        os_hash_value: spec.os_hash_value ?? null,
      },
      label: `image ${spec.name}`,
      signal: ctx.signal,
    };
    // Through the run's transfer manager when there is one (--transfer-concurrency, overall progress, once per image).
    const result = ctx.workload
      ? await ctx.workload.mover.transfer(`image:${move.sourceImageId}`, move)
      : await transferImage({ ...move, source: source.cloud, target: ctx.cloud });
    if (spec.protected) return setProtected(ctx, result.targetImageId, true);
    return images.get(ctx.cloud.image, result.targetImageId, ctx.signal);
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as ImageSpec;
    const ops: ImagePatchOp[] = [];
    const set = (path: string, value: unknown) =>
      ops.push({ op: Object.hasOwn(current, path) ? 'replace' : 'add', path: `/${path}`, value });
    if (fields.includes('name')) set('name', spec.name);
    if (fields.includes('min_disk')) set('min_disk', spec.min_disk ?? 0);
    if (fields.includes('min_ram')) set('min_ram', spec.min_ram ?? 0);
    if (fields.includes('protected')) set('protected', spec.protected ?? false);
    if (fields.includes('visibility') && spec.visibility && spec.visibility !== 'public')
      set('visibility', spec.visibility);
    if (fields.includes('tags')) set('tags', userTags(spec.tags));
    if (fields.includes('properties')) {
      const wanted = spec.properties ?? {};
      for (const [key, value] of Object.entries(wanted)) if (current[key] !== value) set(key, value);
      // A custom property the target has and the plan does not is removed, so that the image converges (else compare
      // sees the difference on every run and the update sends nothing). Only custom properties, as the reader sees
      // them: never Glance's own fields, its os_glance_* bookkeeping or Bascule's marker.
      for (const key of Object.keys(imageProperties(current) ?? {}))
        if (!Object.hasOwn(wanted, key)) ops.push({ op: 'remove', path: `/${key}` });
    }
    if (ops.length === 0) return current;
    return images.update(ctx.cloud.image, current.id, ops, ctx.signal);
  },
  waitUntilReady: (ctx, created) =>
    created.status === 'active'
      ? Promise.resolve(created)
      : waitImageActive(ctx.cloud, created.id, `image ${created.name ?? created.id}`, ctx.signal),
  // An upload cut by a kill leaves the image queued (or saving, on a store that keeps it so): it never gets its data.
  incomplete: (wire) => wire.status !== 'active',
  get: (ctx, id) => getOrUndefined(() => images.get(ctx.cloud.image, id, ctx.signal)),
  hasMarker: (wire, marker) => wire[MARKER_PROPERTY] === marker,
  async remove(ctx, id) {
    const image = await getOrUndefined(() => images.get(ctx.cloud.image, id, ctx.signal));
    if (!image) return;
    if (image.protected) await setProtected(ctx, id, false);
    await removeIgnoringMissing(() => images.remove(ctx.cloud.image, id, ctx.signal));
  },
  idOf: (wire) => wire.id,
};
