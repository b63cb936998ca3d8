/**
 * Workload data in apply: which servers move their disks by snapshot and which are rebuilt from their base image,
 * which volumes have their bytes copied, and how many bytes that is (the dry run says it). The bytes themselves
 * move through src/transfer's WorkloadMover; the writers (image, server, volume) call it.
 */
import type {
  Plan,
  PlanResource,
  ServerSpec,
  ImageSpec,
  VolumeSpec,
  FlavorSpec,
  ObjectContainerSpec,
} from '../../plan/types.js';
import { UsageError } from '../../shared/errors.js';
import type { WorkloadMover } from '../../transfer/workload.js';
import type { Workload } from '../kind.js';

export type DiskStrategy = 'snapshot' | 'base-image';
export const DISK_STRATEGIES: readonly DiskStrategy[] = ['snapshot', 'base-image'];

/** `--server-disk`: a strategy for all servers, and/or `NAME=strategy` for one (by server name or plan key). */
export interface ServerDiskChoice {
  all?: DiskStrategy;
  perServer: Map<string, DiskStrategy>;
}

function isStrategy(value: string): value is DiskStrategy {
  return (DISK_STRATEGIES as readonly string[]).includes(value);
}

/** Parses repeated `--server-disk` values: `snapshot`, `base-image`, or `web-1=base-image`. Bad input: exit 2. */
export function parseServerDisk(values: readonly string[]): ServerDiskChoice {
  const choice: ServerDiskChoice = { perServer: new Map() };
  for (const [i, raw] of values.entries()) {
    const value = raw.trim();
    const eq = value.lastIndexOf('=');
    if (eq < 0) {
      if (!isStrategy(value))
        throw new UsageError(
          'APPLY_SERVER_DISK',
          `--server-disk[${i}]: ${JSON.stringify(raw)} is not snapshot, base-image or NAME=snapshot|base-image`,
        );
      if (choice.all !== undefined && choice.all !== value)
        throw new UsageError(
          'APPLY_SERVER_DISK',
          `--server-disk[${i}]: ${value} contradicts ${choice.all} given before for all servers`,
        );
      choice.all = value;
      continue;
    }
    const name = value.slice(0, eq).trim();
    const strategy = value.slice(eq + 1).trim();
    if (!name || !isStrategy(strategy))
      throw new UsageError(
        'APPLY_SERVER_DISK',
        `--server-disk[${i}]: ${JSON.stringify(raw)}: expected NAME=snapshot or NAME=base-image`,
      );
    choice.perServer.set(name, strategy);
  }
  return choice;
}

const isServer = (e: PlanResource): e is PlanResource & { kind: 'server'; spec: ServerSpec } => e.kind === 'server';
const refOf = (e: PlanResource, name: string): string | undefined => {
  const value = e.refs?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** The workload of one apply: the mover plus the choices, resolved against the plan. */
export function createWorkload(
  plan: Plan,
  mover: WorkloadMover,
  options: { serverDisk?: ServerDiskChoice; keepTemporary?: boolean } = {},
): Workload {
  const choice: ServerDiskChoice = options.serverDisk ?? { perServer: new Map() };
  const serverDisk = (entry: PlanResource): DiskStrategy => {
    const name = (entry.spec as { name?: string }).name;
    const own = choice.perServer.get(entry.key) ?? (name !== undefined ? choice.perServer.get(name) : undefined);
    if (own) return own;
    if (choice.all) return choice.all;
    return (entry.spec as ServerSpec).disk_strategy ?? 'snapshot';
  };
  // The boot volume of a server rebuilt from its base image is recreated from that image (when the plan says
  // which): its bytes do not move.
  const rebuilt = new Set<string>();
  for (const entry of plan.resources) {
    if (!isServer(entry) || serverDisk(entry) !== 'base-image') continue;
    const boot = refOf(entry, 'boot_volume');
    if (boot) rebuilt.add(boot);
  }
  const byKey = new Map(plan.resources.map((e) => [e.key, e]));
  const workload: Workload = {
    mover,
    serverDisk,
    copiesVolume(entry) {
      if (entry.kind !== 'volume' || entry.external || !entry.source?.id) return false;
      if (rebuilt.has(entry.key) && refOf(entry, 'image') !== undefined && byKey.has(refOf(entry, 'image')!))
        return false;
      return true;
    },
    copiesBytes: (entry) => workload.copiesVolume(entry) || bootsFromDiskCopy(workload, entry),
    removeTemporary: !options.keepTemporary,
  };
  return workload;
}

/** Whether a server entry boots from a copy of its source disk (image-backed, snapshot strategy, data moving). */
export function bootsFromDiskCopy(workload: Workload | undefined, entry: PlanResource): boolean {
  return (
    workload !== undefined &&
    entry.kind === 'server' &&
    !entry.external &&
    !!entry.source?.id &&
    refOf(entry, 'boot_volume') === undefined &&
    workload.serverDisk(entry) === 'snapshot'
  );
}

export interface DataItem {
  key: string;
  /** "image bytes", "server disk (snapshot)", "volume bytes", "<n> objects" (a container's). */
  what: string;
  bytes: number;
  /** A container's: how many objects it holds (the summary line counts them). */
  objects?: number;
  /** False when the size is an upper bound or a guess (volumes: their full size; snapshots: the base image or flavor disk). */
  exact: boolean;
}

export interface DataEstimate {
  bytes: number;
  exact: boolean;
  items: DataItem[];
}

const GIB = 1024 ** 3;

/**
 * How many bytes an apply will move, for the entries the dry run creates: images (their size), server disks by
 * snapshot (the base image's size, else the flavor's disk), volumes (their size; a raw upload is the whole volume).
 */
export function estimateData(
  plan: Plan,
  actions: readonly { key: string; action: string }[],
  workload: Workload | undefined,
): DataEstimate {
  const byKey = new Map(plan.resources.map((e) => [e.key, e]));
  const items: DataItem[] = [];
  for (const a of actions) {
    if (a.action !== 'create' && a.action !== 'lossy') continue;
    const entry = byKey.get(a.key);
    if (!entry || entry.external) continue;
    if (entry.kind === 'image' && entry.source?.id) {
      const size = (entry.spec as ImageSpec).size;
      items.push({ key: entry.key, what: 'image bytes', bytes: size ?? 0, exact: size != null });
    } else if (entry.kind === 'volume' && workload?.copiesVolume(entry)) {
      items.push({ key: entry.key, what: 'volume bytes', bytes: (entry.spec as VolumeSpec).size * GIB, exact: false });
    } else if (entry.kind === 'object_container' && workload) {
      const objects = (entry.spec as ObjectContainerSpec).objects;
      if (objects && objects.count > 0)
        items.push({
          key: entry.key,
          what: `${objects.count} object${objects.count === 1 ? '' : 's'}`,
          bytes: objects.bytes,
          objects: objects.count,
          exact: true,
        });
    } else if (bootsFromDiskCopy(workload, entry)) {
      const image = byKey.get(refOf(entry, 'image') ?? '');
      const flavor = byKey.get(refOf(entry, 'flavor') ?? '');
      const imageSize = image?.kind === 'image' ? (image.spec as ImageSpec).size : undefined;
      const flavorDisk = flavor?.kind === 'flavor' ? (flavor.spec as FlavorSpec).disk : undefined;
      items.push({
        key: entry.key,
        what: 'server disk (snapshot)',
        bytes: imageSize ?? (flavorDisk ?? 0) * GIB,
        exact: false,
      });
    }
  }
  return { bytes: items.reduce((n, i) => n + i.bytes, 0), exact: items.every((i) => i.exact), items };
}

/**
 * The end of an apply that moved data: source servers stopped for a copy start again (--restart-source), and after
 * a success the temporary images are removed (unless --keep-temporary), including those an interrupted earlier run
 * left for this plan's servers and volumes (found by their `bascule_temporary` marker).
 */
export async function finishWorkload(
  workload: Workload,
  plan: Plan,
  success: boolean,
  markerOf: (key: string) => string,
): Promise<Awaited<ReturnType<WorkloadMover['finish']>>> {
  const markers = new Set(
    plan.resources.filter((e) => e.kind === 'server' || e.kind === 'volume').map((e) => markerOf(e.key)),
  );
  return workload.mover.finish({ success, keepTemporary: !workload.removeTemporary, markers });
}
