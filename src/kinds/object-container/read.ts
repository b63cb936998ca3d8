/**
 * The project's Swift containers (GET on the account, then one listing per container), when the cloud has an object
 * store. A container's objects are its workload data, summed up in `objects` (count, bytes, a digest of names and
 * ETags), not plan entries. Its large objects' segment containers and its versions container are its references.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { hasObjectStore, objectStoreClient } from '../../openstack/object-store/client.js';
import * as swift from '../../openstack/object-store/requests.js';
import type { ContainerInfo, ObjectSummary } from '../../openstack/object-store/types.js';
import { collect } from '../../openstack/pagination.js';
import { summarize } from '../../transfer/objects.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { compact, PAGE_SIZE } from '../shared/read.js';

/** How an ACL names the project it belongs to, in a plan: the same on every cloud. */
export const OWN_PROJECT = '$project';

/** An ACL with `from`'s project ID written as `to` (entries are `<project>:<user>` or referrer rules). */
export function mapAcl(acl: string, from: string, to: string): string {
  return acl
    .split(',')
    .map((entry) => {
      const trimmed = entry.trim();
      const colon = trimmed.indexOf(':');
      return colon > 0 && !trimmed.startsWith('.') && trimmed.slice(0, colon) === from
        ? `${to}${trimmed.slice(colon)}`
        : trimmed;
    })
    .join(',');
}

/** An ACL's entries that name a project other than `own` by ID (`<project>:<user>`; referrer rules and `*` aside). */
export function otherProjects(acl: string, own: string): string[] {
  return acl
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => {
      const colon = entry.indexOf(':');
      if (colon <= 0 || entry.startsWith('.')) return false;
      const project = entry.slice(0, colon);
      return project !== own && project !== '*' && project !== OWN_PROJECT;
    });
}

/** The metadata key of Bascule's provenance marker on a container it made (never part of the spec). */
export const MARKER_META = 'bascule-marker';

export interface ContainerRecord {
  info: ContainerInfo;
  rows: ObjectSummary[];
  /** Containers named by its large objects' manifests (SLO segment paths). */
  segmentContainers: string[];
}

/** The containers of the SLO segments a listing's manifests point at (one manifest read per static large object). */
async function segmentContainersOf(
  sc: ReturnType<typeof objectStoreClient>,
  container: string,
  rows: ObjectSummary[],
  signal: AbortSignal,
): Promise<string[]> {
  const out = new Set<string>();
  for (const row of rows) {
    if (typeof row.slo_etag !== 'string') continue;
    for (const seg of await swift.getSloManifest(sc, container, row.name, { signal })) {
      const name = seg.name.replace(/^\/+/, '').split('/')[0];
      if (name && name !== container) out.add(name);
    }
  }
  return [...out].sort();
}

/** Reads one container as the reader's record (also the writer's `find`, for the target side). */
export async function readContainer(
  sc: ReturnType<typeof objectStoreClient>,
  name: string,
  signal: AbortSignal,
): Promise<ContainerRecord> {
  const info = await swift.headContainer(sc, name, { signal });
  const rows = await collect(swift.listObjects(sc, name, {}, { pageSize: PAGE_SIZE, signal }));
  return { info, rows, segmentContainers: await segmentContainersOf(sc, name, rows, signal) };
}

/**
 * The pauses before a container is read again when its listing and its counters disagree (ms). Swift updates both
 * after each object write, and not at once when its container servers are busy; with several replicas the HEAD and
 * the listing may come from two that are not yet alike. Tests shorten them.
 */
export const LISTING_RECHECK = { delaysMs: [1000, 2000, 4000] };

/**
 * Reads a container for the export; when its listing shows another number of objects than its counters
 * (X-Container-Object-Count), reads it again a few times, then keeps the listing and warns with both numbers: the
 * plan never sums fewer objects than the container holds without saying so.
 */
async function readContainerSettled(
  sc: ReturnType<typeof objectStoreClient>,
  name: string,
  ctx: Parameters<KindReader['list']>[0],
): Promise<ContainerRecord> {
  let record = await readContainer(sc, name, ctx.signal);
  for (const delay of LISTING_RECHECK.delaysMs) {
    if (record.rows.length === record.info.objectCount) return record;
    ctx.logger.debug(`container ${name}: listed ${record.rows.length} objects, counted ${record.info.objectCount}`);
    await sleep(delay, undefined, { signal: ctx.signal });
    record = await readContainer(sc, name, ctx.signal);
  }
  if (record.rows.length !== record.info.objectCount) {
    ctx.warn({
      kind: 'object_container',
      resource: name,
      code: 'OBJECT_LISTING_LAGS',
      message:
        `container ${name}: its listing shows ${record.rows.length} objects and its counters ${record.info.objectCount}, ` +
        `read ${LISTING_RECHECK.delaysMs.length + 1} times: Swift has not finished updating it; the plan sums the ` +
        `${record.rows.length} listed objects (export again once the two agree)`,
    });
  }
  return record;
}

export const objectContainerReader: KindReader<ContainerRecord> = {
  kind: 'object_container',
  async list(ctx) {
    if (!(await hasObjectStore(ctx.cloud, ctx.signal))) return [];
    const sc = objectStoreClient(ctx.cloud);
    const containers = await collect(swift.listContainers(sc, {}, { pageSize: PAGE_SIZE, signal: ctx.signal }));
    const out: ContainerRecord[] = [];
    for (const c of containers) {
      const record = await readContainerSettled(sc, c.name, ctx);
      // The project's own ID is written as $project and mapped; another project's is kept as it is, and named:
      // on the target that ID is another project, or none.
      const read = record.info.read ? otherProjects(record.info.read, ctx.projectId) : [];
      const write = record.info.write ? otherProjects(record.info.write, ctx.projectId) : [];
      const named = [
        ...(read.length > 0 ? [`its read ACL names ${read.join(', ')}`] : []),
        ...(write.length > 0 ? [`its write ACL ${read.length > 0 ? '' : 'names '}${write.join(', ')}`] : []),
      ];
      if (named.length > 0)
        ctx.warn({
          kind: 'object_container',
          resource: c.name,
          code: 'ACL_OTHER_PROJECT',
          message:
            `container ${c.name}: ${named.join(', ')}: projects of the source by ID, kept as they are; on the target ` +
            `those IDs are other projects or none (put the target's IDs in the plan's spec.read_acl and spec.write_acl)`,
        });
      out.push(record);
    }
    return out;
  },
  identify: (record) => ({ id: record.info.name, name: record.info.name }),
  toEntry(record, ctx): DraftEntry {
    const { info } = record;
    const metadata = Object.fromEntries(Object.entries(info.metadata).filter(([k]) => k !== MARKER_META));
    const versions = info.versionsLocation ?? info.historyLocation;
    const refs: DraftEntry['refs'] = {};
    if (versions) refs.versions = versions;
    if (record.segmentContainers.length > 0) refs.segments = record.segmentContainers;
    return {
      spec: compact({
        name: info.name,
        metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
        read_acl: info.read ? mapAcl(info.read, ctx.projectId, OWN_PROJECT) : undefined,
        write_acl: info.write ? mapAcl(info.write, ctx.projectId, OWN_PROJECT) : undefined,
        versioning: info.versionsLocation ? 'versions' : info.historyLocation ? 'history' : undefined,
        quota_bytes: info.quotaBytes,
        quota_count: info.quotaCount,
        objects: summarize(record.rows),
      }),
      refs,
      source: compact({ id: info.name, object_count: info.objectCount, bytes_used: info.bytesUsed }),
    };
  },
};
