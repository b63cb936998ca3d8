/**
 * The resource-kind contract. A kind is two plain objects registered by hand (src/kinds/registry.ts):
 *
 * - a KindReader (src/kinds/<kind>/read.ts): lists what a project owns and turns a wire object into a
 *   plan entry. The SAME `toEntry` serves export (source side) and compare (target side, in dry run
 *   and audit), so "export, then compare against itself" finds no difference by construction.
 * - a KindWriter (src/kinds/<kind>/write.ts): finds, creates, updates, waits for and removes the
 *   resource on a target.
 *
 * References cross this boundary as cloud IDs; src/kinds/refs.ts (export) and the engine (apply) turn
 * them into plan keys and back.
 */
import type { Cloud } from '../openstack/cloud.js';
import type { Logger } from '../shared/logger.js';
import type { PlanKind, PlanResource, SourceFacts } from '../plan/types.js';
import type { WorkloadMover } from '../transfer/workload.js';

/** A warning about one resource or a whole kind; the run goes on. */
export interface KindWarning {
  kind: PlanKind;
  /** The resource's name or id, when the warning is about one resource. */
  resource?: string;
  code: string;
  message: string;
}

/** What a reader may use. One per cloud and run. */
export interface ReadContext {
  cloud: Cloud;
  projectId: string;
  signal: AbortSignal;
  logger: Logger;
  warn(warning: KindWarning): void;
  /** Neutron extension aliases of this cloud. */
  extensions: ReadonlySet<string>;
  options: {
    /** Export user_data (then marked sensitive). Off by default: it often holds secrets. */
    includeUserData: boolean;
  };
}

/**
 * A reference as the reader found it: cloud IDs. The exporter maps each ID to the key of the entry that
 * owns it, or to an external entry it builds with `describeExternal` of the target kind.
 */
export type WireRefs = Record<string, string | readonly string[] | undefined>;

/** A plan entry before keys are assigned: spec, refs as IDs, source facts. */
export interface DraftEntry<S = Record<string, unknown>> {
  spec: S;
  refs: WireRefs;
  source: SourceFacts;
  lossy?: string[];
  sensitive?: string[];
}

export interface KindReader<W = unknown> {
  readonly kind: PlanKind;
  /** Everything of this kind that the project owns, in as few list requests as the API allows. */
  list(ctx: ReadContext): Promise<W[]>;
  /** The wire object's ID and name (the name may be empty: keys then fall back to the ID). */
  identify(wire: W): { id: string; name: string };
  /** The plan entry for a wire object. Pure: no I/O (what it needs is read in `list`). */
  toEntry(wire: W, ctx: ReadContext): DraftEntry;
  /**
   * Describes a resource of this kind that the project does not own but references (a public image,
   * a flavor, an external network) as an external entry's spec, used for matching on the target.
   * Undefined when it cannot be read (then the exporter warns).
   */
  describeExternal?(
    id: string,
    ctx: ReadContext,
  ): Promise<{ spec: Record<string, unknown>; source: SourceFacts } | undefined>;
}

/** A plan entry with its references resolved to target IDs, as the engine hands it to a writer. */
export interface ResolvedEntry<R extends PlanResource = PlanResource> {
  entry: R;
  /** Target IDs for each ref name (arrays keep their order). */
  refs: Record<string, string | string[]>;
  /** The provenance marker that identifies this entry on the target (see markers.ts). */
  marker: string;
}

export interface WriteContext {
  cloud: Cloud;
  projectId: string;
  signal: AbortSignal;
  logger: Logger;
  extensions: ReadonlySet<string>;
  /**
   * The source cloud, when apply was given one (`--from`). Workload data (image bytes, server disks,
   * volumes) moves only with it; without it, entries that need data are blocked in the dry run.
   */
  source?: { cloud: Cloud; projectId: string };
  /**
   * Workload data for this run (src/kinds/shared/workload.ts): the mover (snapshots, volume uploads, transfers,
   * temporary images) and the per-entry choices. Present when apply moves data, that is with a source cloud.
   */
  workload?: Workload;
  /**
   * Names something this entry's write could not do and went on without (an object listed on the source and gone when
   * it was copied): shown as a warning of the run and kept in the journal's result of the step. Set by the engine
   * for each entry's create and update.
   */
  warn?(warning: { code: string; message: string }): void;
}

/** How workload data moves in this run. */
export interface Workload {
  mover: WorkloadMover;
  /** How a server entry's disk moves: per-server flag, else the flag for all, else the plan's disk_strategy, else snapshot. */
  serverDisk(entry: PlanResource): 'snapshot' | 'base-image';
  /** Whether a volume entry's bytes are copied from the source (else it is created from its image ref, or empty). */
  copiesVolume(entry: PlanResource): boolean;
  /**
   * Whether an entry is built from a copy of its own source bytes (a volume's upload, a server's disk snapshot): the
   * image its descriptor's `temporaryImageRef` names is then where it came from, not what it is made of.
   */
  copiesBytes(entry: PlanResource): boolean;
  /** Remove temporary images after a successful apply (false with --keep-temporary). */
  removeTemporary: boolean;
}

export interface KindWriter<W = unknown> {
  readonly kind: PlanKind;
  /**
   * Target objects that may be this entry: first by marker, then by name (and, for kinds without a
   * marker field, exact attributes). More than one candidate is a conflict, never "take the first".
   */
  find(ctx: WriteContext, resolved: ResolvedEntry): Promise<W[]>;
  create(ctx: WriteContext, resolved: ResolvedEntry): Promise<W>;
  /** Changes in place the fields its kind's descriptor lists as `updatable`. */
  update?(ctx: WriteContext, current: W, resolved: ResolvedEntry, changedFields: readonly string[]): Promise<W>;
  /**
   * Waits until the created object is usable (ACTIVE, available, active) and in its final state (a server in its
   * source power state). `resolved` is the entry it was created for.
   */
  waitUntilReady?(ctx: WriteContext, created: W, resolved?: ResolvedEntry): Promise<W>;
  /**
   * Why this entry cannot be created on this target now (e.g. image data without a source cloud), or undefined.
   * The dry run shows the entry as blocked.
   */
  check?(ctx: WriteContext, resolved: ResolvedEntry): string | undefined;
  /** Spec fields of this entry that a create on this target cannot keep (beyond the schema's lossy fields). */
  lossy?(resolved: ResolvedEntry): string[];
  /**
   * Adds the marker to an object found by name that an interrupted create made before it could mark it
   * (Neutron: create, then tag). Only called when the journal shows that create in doubt.
   */
  mark?(ctx: WriteContext, wire: W, marker: string): Promise<W>;
  /**
   * Whether a found object is unfinished: a create that was cut before its data was in (an image still queued or
   * saving after a kill during its upload). A marked unfinished object is Bascule's own half-made one: the apply
   * removes it and creates the entry again, since it can never become what the plan says by an update.
   */
  incomplete?(wire: W): boolean;
  /**
   * Whether this object carries the marker provisionally: made by a create that was cut before the marker was put
   * where `hasMarker` looks (a Neutron port without `tag-creation` holds it in its description until it is tagged).
   * Rollback deletes such an object as its own; an apply adopts it (`mark`).
   */
  provisional?(wire: W, marker: string): boolean;
  /** Reads one object by target ID; undefined when it is gone (rollback checks the marker before deleting). */
  get?(ctx: WriteContext, id: string): Promise<W | undefined>;
  /** Whether this object carries the marker (rollback deletes only what still carries it). */
  hasMarker(wire: W, marker: string): boolean;
  remove(ctx: WriteContext, id: string): Promise<void>;
  /** The target ID of a wire object. */
  idOf(wire: W): string;
}
