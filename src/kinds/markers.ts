import { createHash } from 'node:crypto';

/**
 * Provenance markers. Every resource Bascule creates carries one, so a second apply finds it (idempotence),
 * a resumed apply finds what an interrupted call created, and rollback deletes only what carries it.
 *
 * The marker is derived from the source project and the plan key, so the same plan (or a re-export of the
 * same source) finds the same resources, and two plans from different projects never collide.
 *   - Neutron (standard-attr-tag) and Nova server tags: `bascule:<20 hex>` (tags are limited to 60 characters)
 *   - Nova server metadata, Glance image properties, Cinder volume/snapshot metadata: key `bascule_marker`
 *   - keypairs, server groups, security group rules: no such field; matched by exact name and attributes.
 */
export const MARKER_TAG_PREFIX = 'bascule:';
export const MARKER_PROPERTY = 'bascule_marker';

/**
 * A server booted from a copy of its source disk (disk strategy snapshot) boots from a temporary image that is
 * removed afterwards. What the disk came from is recorded in the server's metadata under these keys, which Bascule
 * owns (never part of a spec): the name and checksum of the image the source server was built from, and the target
 * image the plan's image was matched to. A later export describes the server's boot source from them
 * (src/kinds/read/server.ts), so the way back needs no hand-made mapping.
 */
export const BOOT_IMAGE_NAME = 'bascule_boot_image_name';
export const BOOT_IMAGE_CHECKSUM = 'bascule_boot_image_checksum';
export const BOOT_IMAGE_ID = 'bascule_boot_image_id';
/** Keys of metadata and properties that Bascule owns: left out of specs, kept by updates. */
export const OWNED_PROPERTIES: readonly string[] = [
  MARKER_PROPERTY,
  BOOT_IMAGE_NAME,
  BOOT_IMAGE_CHECKSUM,
  BOOT_IMAGE_ID,
];

export function markerFor(sourceProject: string, key: string): string {
  const digest = createHash('sha256').update(`${sourceProject}\n${key}`).digest('hex').slice(0, 20);
  return `${MARKER_TAG_PREFIX}${digest}`;
}

export function isMarkerTag(tag: string): boolean {
  return tag.startsWith(MARKER_TAG_PREFIX);
}

/** Tags without Bascule's markers: what the user set. */
export function userTags(tags: readonly string[] | undefined): string[] {
  return (tags ?? []).filter((t) => !isMarkerTag(t));
}

/** Metadata or properties without the keys Bascule owns (its marker, a copied disk's boot source). */
export function withoutMarker<T extends Record<string, unknown>>(values: T | undefined): T {
  const out = { ...(values ?? {}) } as T;
  for (const key of OWNED_PROPERTIES) delete (out as Record<string, unknown>)[key];
  return out;
}

/** The keys Bascule owns in these metadata (kept as they are when an update rewrites the user's). */
export function ownedOnly(values: Readonly<Record<string, unknown>> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of OWNED_PROPERTIES) {
    const value = values?.[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/**
 * The marker a live object carries, if any: a marker tag, else the `bascule_marker` key of its metadata or
 * properties. Readers record it as `source.marker` (audit matches by it; it never enters a spec).
 */
export function markerIn(
  tags: readonly unknown[] | null | undefined,
  values?: Readonly<Record<string, unknown>> | null,
): string | undefined {
  const tag = (tags ?? []).find((t): t is string => typeof t === 'string' && isMarkerTag(t));
  if (tag !== undefined) return tag;
  const value = values?.[MARKER_PROPERTY];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
