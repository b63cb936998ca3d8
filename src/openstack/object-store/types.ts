/**
 * Swift (object-store) wire shapes. Swift speaks in headers more than in bodies: an account, a container or an
 * object is described by the headers of a HEAD, and listings are bare JSON arrays (`?format=json`).
 */

/** Metadata as Swift keeps it: keys lower-cased (Swift answers them title-cased), values as sent. */
export type Metadata = Record<string, string>;

/** HEAD of the account (`X-Account-*`). */
export interface AccountInfo {
  containerCount: number;
  objectCount: number;
  bytesUsed: number;
  /** `X-Account-Meta-*` (without the prefix). */
  metadata: Metadata;
  /** `X-Account-Meta-Quota-Bytes`, when the operator set one. */
  quotaBytes?: number;
}

/** One row of the account listing. */
export interface ContainerSummary {
  name: string;
  count: number;
  bytes: number;
  last_modified?: string;
}

/** HEAD of a container. */
export interface ContainerInfo {
  name: string;
  objectCount: number;
  bytesUsed: number;
  /** `X-Container-Meta-*` (without the prefix), quotas excluded. */
  metadata: Metadata;
  /** ACLs: `X-Container-Read` / `X-Container-Write` (`.r:*`, `project:user`, `project:*`...). */
  read?: string;
  write?: string;
  /** Legacy versioning (`X-Versions-Location`: older versions go there) or history mode (`X-History-Location`). */
  versionsLocation?: string;
  historyLocation?: string;
  /** `X-Container-Meta-Quota-Bytes` / `-Quota-Count` (the container_quotas middleware). */
  quotaBytes?: number;
  quotaCount?: number;
  storagePolicy?: string;
}

/** What a container is created or updated with. Absent fields are left alone; `null` removes one on update. */
export interface ContainerOpts {
  metadata?: Record<string, string | null>;
  read?: string | null;
  write?: string | null;
  versionsLocation?: string | null;
  historyLocation?: string | null;
  quotaBytes?: number | null;
  quotaCount?: number | null;
  storagePolicy?: string;
}

/** One row of a container listing (`subdir` rows come back only with a delimiter). */
export interface ObjectSummary {
  name: string;
  /** MD5 of the bytes; for a static large object, the MD5 of its segments' ETags (listed without quotes). */
  hash: string;
  bytes: number;
  content_type: string;
  last_modified: string;
  /** Symlinks and SLOs may carry more (slo_etag, symlink_path) on recent releases. */
  [extra: string]: unknown;
}

/** HEAD (or GET headers) of an object. */
export interface ObjectInfo {
  name: string;
  /** The ETag without quotes; an SLO's is the MD5 of its segments' ETags. */
  etag: string;
  contentLength: number;
  contentType: string;
  /** `X-Object-Meta-*` (without the prefix). */
  metadata: Metadata;
  /** A dynamic large object's `X-Object-Manifest`: `<container>/<prefix>` of its segments. */
  dloManifest?: string;
  /** A static large object (`X-Static-Large-Object: True`). */
  isSlo: boolean;
  lastModified?: string;
  deleteAt?: number;
  /** Headers worth keeping on a copy: Content-Disposition, Content-Encoding. */
  contentDisposition?: string;
  contentEncoding?: string;
}

/** One segment of a static large object, as `?multipart-manifest=put` takes it. */
export interface SloSegmentPut {
  /** `/<container>/<object>` of the segment. */
  path: string;
  etag?: string;
  size_bytes?: number;
  range?: string;
}

/** One segment of a static large object, as `?multipart-manifest=get` lists it. */
export interface SloSegment {
  /** `/<container>/<object>` */
  name: string;
  hash: string;
  bytes: number;
  content_type?: string;
  range?: string;
  last_modified?: string;
}

/** What an object is written with. */
export interface ObjectPutOpts {
  contentType?: string;
  /** The expected MD5: Swift refuses the write (422) when the bytes differ. */
  etag?: string;
  contentLength?: number;
  metadata?: Metadata;
  /** Makes it a DLO: `<container>/<prefix>` of its segments. */
  dloManifest?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  deleteAt?: number;
}
