/**
 * Images: the project's own images (GET /v2/images?owner=<project>, paginated), with their custom properties,
 * formats, checksum and multihash. Public, community or shared images that servers and volumes use come in as
 * external references described by name, checksum, multihash, size and formats (one GET per referenced image).
 */
import * as images from '../../openstack/image/images/requests.js';
import type { Image } from '../../openstack/image/images/types.js';
import { collect } from '../../openstack/pagination.js';
import type { ImageSpec } from '../../plan/types.js';
import type { DraftEntry, KindReader, ReadContext } from '../kind.js';
import { MARKER_PROPERTY, markerIn } from '../markers.js';
import { compact, errorText, tagsOf, text, withoutTemporaries } from '../shared/read.js';
import { recordedBootSources } from '../server/read.js';

/** Glance's own attributes: never exported as custom properties. */
const STANDARD = new Set([
  'id',
  'name',
  'status',
  'visibility',
  'owner',
  'disk_format',
  'container_format',
  'min_disk',
  'min_ram',
  'size',
  'virtual_size',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'protected',
  'tags',
  'created_at',
  'updated_at',
  'file',
  'schema',
  'self',
  'stores',
  'direct_url',
  'locations',
  'os_hidden',
  'is_public',
  'deleted',
  'deleted_at',
  MARKER_PROPERTY,
]);

const DISK_FORMATS = new Set(['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'ploop', 'iso']);
const CONTAINER_FORMATS = new Set(['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed']);

/** Custom properties: every non-standard top-level key (os_glance_* are Glance's bookkeeping), as strings. */
export function imageProperties(image: Image): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const key of Object.keys(image).sort()) {
    if (STANDARD.has(key) || key.startsWith('os_glance')) continue;
    const value = image[key];
    if (value === null || value === undefined) continue;
    out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function hashes(image: Image): Pick<ImageSpec, 'checksum' | 'os_hash_algo' | 'os_hash_value'> {
  const out: Pick<ImageSpec, 'checksum' | 'os_hash_algo' | 'os_hash_value'> = {};
  if (typeof image.checksum === 'string' && /^[0-9a-f]{32}$/.test(image.checksum)) out.checksum = image.checksum;
  if (
    text(image.os_hash_algo) &&
    typeof image.os_hash_value === 'string' &&
    /^[0-9a-f]{32,256}$/.test(image.os_hash_value)
  ) {
    out.os_hash_algo = image.os_hash_algo!;
    out.os_hash_value = image.os_hash_value;
  }
  return out;
}

const diskFormat = (image: Image) =>
  image.disk_format && DISK_FORMATS.has(image.disk_format)
    ? (image.disk_format as ImageSpec['disk_format'])
    : undefined;
const containerFormat = (image: Image) =>
  image.container_format && CONTAINER_FORMATS.has(image.container_format)
    ? (image.container_format as ImageSpec['container_format'])
    : undefined;
const sizeOf = (value: unknown) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;

export function imageSpec(image: Image): ImageSpec {
  return compact({
    name: image.name ?? '',
    disk_format: diskFormat(image),
    container_format: containerFormat(image),
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    visibility: image.visibility,
    protected: image.protected,
    tags: tagsOf(image.tags),
    properties: imageProperties(image),
    ...hashes(image),
    size: sizeOf(image.size),
    // virtual_size is not exported: Glance computes it from the bytes, and Pike's never sets it on upload, so it
    // would make the same project differ between releases (the simulator's pike profile behaves as Pike's Glance).
  });
}

/**
 * What a mapping needs to find the same image on the target: name, formats, checksum, multihash, size. Not min_disk
 * or min_ram: the target image's own minimums apply, and an image's minimums raised after its servers booted would
 * make the plan contradict itself.
 */
/**
 * Whether an image is one of Bascule's temporaries (a server snapshot, a volume upload, a disk copy): it carries
 * `bascule_temporary`, or, for a volume upload cut before it could be marked (Cinder's upload takes no properties),
 * it has the name Bascule gives them (the export warns, so nothing is dropped silently).
 */
export function isBasculeTemporary(image: Image): boolean {
  if (typeof image['bascule_temporary'] === 'string') return true;
  return /^bascule-(volume|snapshot|disk)-/.test(image.name ?? '');
}

export function describeImage(image: Image): ImageSpec {
  return compact({
    name: image.name ?? '',
    disk_format: diskFormat(image),
    container_format: containerFormat(image),
    ...hashes(image),
    size: sizeOf(image.size),
  });
}

export const imageReader: KindReader<Image> = {
  kind: 'image',
  async list(ctx: ReadContext) {
    const owned = await collect(images.list(ctx.cloud.image, { owner: ctx.projectId }, ctx.signal));
    const kept = withoutTemporaries(
      ctx,
      'image',
      owned.filter((image) => image.owner === undefined || image.owner === ctx.projectId),
      (image) => image as unknown as Record<string, unknown>,
    );
    // A volume upload cut before it could be marked (Cinder's upload takes no properties) has only its name.
    return kept.filter((image) => {
      if (!isBasculeTemporary(image)) return true;
      ctx.warn({
        kind: 'image',
        resource: image.name ?? image.id,
        code: 'TEMPORARY_LEFT_OUT',
        message: `image ${image.name ?? image.id} (${image.id}) has the name of a temporary copy Bascule makes while moving data, left by an interrupted apply; it is not the project's own and is left out (\`bascule cleanup --journal\` with the run's journal removes it)`,
      });
      return false;
    });
  },
  identify: (image) => ({ id: image.id, name: image.name ?? '' }),
  toEntry(image, ctx): DraftEntry {
    if (image.status !== 'active') {
      ctx.warn({
        kind: 'image',
        resource: image.name ?? image.id,
        code: 'IMAGE_NOT_ACTIVE',
        message: `image ${image.name ?? image.id} is ${image.status}: it has no data to move`,
      });
    }
    return {
      spec: { ...imageSpec(image) },
      refs: {},
      source: compact({
        id: image.id,
        status: image.status,
        created_at: image.created_at,
        updated_at: image.updated_at,
        project_id: image.owner,
        marker: markerIn(undefined, image as Record<string, unknown>),
      }),
    };
  },
  async describeExternal(id, ctx) {
    // The gone temporary image a copied server boots from: described by the boot source it recorded.
    const recorded = recordedBootSources(ctx).get(id);
    if (recorded) return { spec: { ...recorded }, source: { id, status: 'deleted', recorded: true } };
    try {
      const image = await images.get(ctx.cloud.image, id, ctx.signal);
      return {
        spec: { ...describeImage(image) },
        source: compact({ id: image.id, status: image.status, visibility: image.visibility, project_id: image.owner }),
      };
    } catch (error) {
      ctx.warn({
        kind: 'image',
        resource: id,
        code: 'IMAGE_UNREADABLE',
        message: `image ${id} cannot be read (${errorText(error)}); it may have been deleted`,
      });
      return undefined;
    }
  },
};
