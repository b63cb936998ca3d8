/**
 * The kind descriptor: everything the generic layers (engine, audit, export, CLI views) know about a kind, declared
 * once in the kind's folder (src/kinds/<kind>/descriptor.ts) beside its reader and writer, the way Terraform's
 * plugin framework gives each resource type one object with required methods and optional capabilities, and
 * openstacksdk declares each resource as one class. The registry (src/kinds/registry.ts) lists the kinds once.
 *
 * Required: `kind`, `service`, `refs`, `external`, `lossy`, `sensitive`. Everything else is an optional capability
 * whose absence means "the common case" (created and marked by Bascule, compared field by field, no extra edges).
 */
import type { SERVICE } from '../openstack/auth/catalog.js';
import type { Cloud } from '../openstack/cloud.js';
import type { PlanKind, RefDecl } from '../plan/kinds.js';
import type { ExternalMappingContext, Resolution, SpecMappingContext } from '../mapping/external.js';
import type { PlanResource } from '../plan/types.js';
import type { ExternalMatch, ExternalResolution, TargetCatalog } from './external.js';

/** The OpenStack service a kind's calls go to (the engine runs one concurrency limit per service). */
export type KindService = (typeof SERVICE)[keyof typeof SERVICE];

export interface KindDescriptor<K extends PlanKind = PlanKind> {
  readonly kind: K;
  readonly service: KindService;
  /**
   * The references of the kind: name -> target kind, single or list, ordered or not, required. Part of the plan
   * format: declared in src/plan/kinds.ts (KIND_REFS, which the plan validator and schema use) and named here.
   */
  readonly refs: Readonly<Record<string, RefDecl>>;
  /** Whether an entry may be an external reference (never, optionally, always). Part of the plan format too. */
  readonly external: 'never' | 'optional' | 'always';
  /**
   * How an external entry (or any entry of a match-only kind) is found on the target, given the mapping's
   * resolution for it. Required when `external` is not 'never' or `matchOnly` is set.
   */
  findExternal?(catalog: TargetCatalog, entry: PlanResource, resolution?: ExternalResolution): Promise<ExternalMatch>;
  /** Spec fields a create cannot keep (`x-bascule-lossy` in the plan schema; test/kinds keeps them in step). */
  readonly lossy: readonly string[];
  /** Spec fields that may hold secrets (`x-bascule-sensitive` in the plan schema; kept in step by the same test). */
  readonly sensitive: readonly string[];
  /**
   * Spec fields (and `refs.<name>` references) its writer's `update` changes in place; a difference elsewhere is a
   * conflict. Absent: none (every difference is a conflict).
   */
  readonly updatable?: readonly string[];
  /** Spec fields that describe how to move, not what the target holds: never compared (dry run, audit). */
  readonly notState?: readonly string[];
  /** Bascule never creates this kind: every entry is matched on the target like an external one. */
  readonly matchOnly?: boolean;
  /**
   * Bascule neither creates nor matches this kind: the decision is a no-op with this reason (quotas: the target
   * administrator's; the preflight checks them). The audit compares it only when the reference plan has one. Such
   * an entry describes the project rather than an object: export's --select and --exclude never pick it.
   */
  readonly unmanaged?: string;
  /** No marker field: matched (and owned, for rollback) by exact name and attributes; `marked` stays unknown. */
  readonly markerless?: boolean;
  /**
   * Objects of the kind belong to a user, not to the project (Nova keypairs): the exporting user lists only their
   * own, so a reference to one it cannot see is most likely another user's. Export then says so as an
   * UNSUPPORTED_RESOURCE warning (kept in the plan, refused by --strict) rather than a plain REF_DROPPED.
   */
  readonly perUser?: boolean;
  /** Entries have no name of their own (the audit keys them by their attributes, not by name). */
  readonly nameless?: boolean;
  /**
   * Children the target creates by itself with a new parent (Neutron's egress rules in a new security group): for
   * an entry whose parent does not exist yet, the reason it needs no create, or undefined. `refs` are target IDs
   * or "known after apply" placeholders (`pending` says which). A kind that has it is also looked up on the cloud,
   * not in the run's listing, when a dependency of the entry is made or changed by the apply (src/engine/apply.ts).
   */
  madeWithParent?(
    entry: PlanResource,
    refs: Readonly<Record<string, string | string[]>>,
    pending: (id: string) => boolean,
  ): string | undefined;
  /**
   * Entries the target itself gives the project (its quotas, its `default` security group and that group's rules):
   * the family the entry belongs to, or undefined. The audit ignores such target entries unless the reference plan
   * describes an entry of the same family. `byKey` finds other entries of the same plan.
   */
  targetOwned?(entry: PlanResource, byKey: (key: string) => PlanResource | undefined): string | undefined;
  /**
   * The reference naming the image an entry was built from, when Bascule may build it from a temporary image of
   * its copied bytes (removed after the apply): the audit then expects that reference to be lost, not changed.
   */
  readonly temporaryImageRef?: string;
  /** How its plan keys are named, when not simply from the object's name (nameless or usually unnamed kinds). */
  readonly keys?: KeyNaming;
  /** Ordering edges that are not references: the keys of plan entries this entry must wait for. */
  extraDeps?(entry: PlanResource, plan: readonly PlanResource[]): string[];
  /**
   * What creating one entry takes from the target project's quotas, checked by the preflight: the service whose
   * quotas count it, and the amount per quota resource of that service (Neutron's `port`, Nova's `cores`...).
   */
  readonly quota?: {
    readonly service: QuotaService;
    uses(
      entry: PlanResource,
      ctx: QuotaContext,
    ): Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>>;
  };
  /**
   * The availability zone a new entry asks of the target service (the preflight checks that the zone exists and is
   * available there); `hint` adds to the advice of the error (another way to choose the zone).
   */
  readonly availabilityZone?: {
    readonly service: ZoneService;
    of(entry: PlanResource): string | undefined;
    readonly hint?: string;
  };
  /** Checks of the target particular to the kind, on the entries the plan creates (read-only; the preflight's). */
  checkTarget?(creates: readonly PlanResource[], ctx: TargetCheckContext): Promise<TargetIssue[]>;
  /**
   * Export: the reference whose target pulls this entry into the plan with it (a group's rules, a network's
   * subnets, a port's floating IPs): exporting the parent exports these children, excluding it leaves them out.
   */
  readonly exportedWith?: string;
  /**
   * Export: optional references whose target, when it is an external that cannot be read, still gets a placeholder
   * entry (a server's image: a mapping must then say what replaces it), as a required reference does.
   */
  readonly placeholderRefs?: readonly string[];
  /**
   * Export, once references to what is not in the plan are left out: mends the entry's spec in place (a floating
   * IP whose port is gone keeps no fixed address). `specOf` gives another exported object's final spec by source ID.
   */
  afterTrim?(
    entry: { spec: Record<string, unknown>; refs: Readonly<Record<string, string | string[]>> },
    specOf: (kind: PlanKind, id: string) => Readonly<Record<string, unknown>> | undefined,
  ): void;
  /**
   * Export: why an entry cannot be exported with the references it kept (a server with no boot source left), or
   * undefined. `draft` are the references it was read with.
   */
  unexportable?(
    refs: Readonly<Record<string, string | string[]>>,
    draft: Readonly<Record<string, string | readonly string[] | undefined>>,
  ): string | undefined;
  /**
   * Export: how a plan check's finding (by issue code) on an entry of this kind is mended rather than failing the
   * export: by leaving one reference out, or (for errors) the entry. `message` words the warning the export keeps.
   */
  readonly exportRepairs?: Readonly<Record<string, ExportRepair>>;
  /**
   * Mapping: how the mapping's section for this kind resolves an external entry (how the engine finds it on the
   * target), in src/kinds/<kind>/mapping.ts. Absent: by its name as exported. A match-only kind is always resolved.
   */
  mapExternal?(resource: PlanResource, ctx: ExternalMappingContext): Resolution;
  /**
   * Mapping: rewrites the spec fields that the mapping's sections for this kind name (a load balancer's provider and
   * flavor), in src/kinds/<kind>/mapping.ts, each change noted. For entries Bascule creates (not externals).
   */
  mapSpec?(resource: PlanResource, ctx: SpecMappingContext): void;
  /**
   * Mapping, with `include`: the key of the kept entry this one belongs to and is kept with (a group's rule, a
   * port's floating IP, a router between kept subnets), or undefined. `refs` are the entry's (plan keys).
   */
  companionOf?(refs: Readonly<Record<string, string | string[]>>, kept: ReadonlySet<string>): string | undefined;
  /**
   * Mapping: where the entry's availability zone sits in its spec, for `availability_zones` rules: a field with one
   * zone or (`list`) hints; `byDefault`: a rule without `kinds` applies to it; `placement`: `server_zones` rules
   * place it, and their `group` criterion follows the reference `groupRef`.
   */
  readonly zones?: {
    readonly field: string;
    readonly list?: boolean;
    readonly byDefault?: boolean;
    readonly placement?: { readonly groupRef: string };
  };
  /**
   * Addresses, provider side: the address an entry of this kind gives out (a floating IP's, a load balancer's VIP),
   * read from a spec: the plan's for the source address, the reader's view of the target object for the target's.
   * Entries of a kind with `rewriteAddresses` that reference such an entry get the target address in place of the
   * source one (src/engine/addresses.ts), so what points at the address follows the migration.
   */
  address?(spec: Readonly<Record<string, unknown>>): string | undefined;
  /**
   * Addresses, consumer side: the entry with every source address of `addresses` (source -> target, from the
   * entries it references whose kind has `address`) replaced by the target's, and what was replaced (field, from,
   * to). Pure. The dry run lists each rewrite; the apply, the journal and the audit see the rewritten entry.
   */
  rewriteAddresses?(entry: PlanResource, addresses: ReadonlyMap<string, string>): RewrittenEntry;
}

/** An entry after its addresses were rewritten (see KindDescriptor.rewriteAddresses). */
export interface RewrittenEntry {
  readonly entry: PlanResource;
  readonly rewritten: readonly { readonly field: string; readonly from: string; readonly to: string }[];
}

/** How the exporter mends a plan check's finding on an entry (see KindDescriptor.exportRepairs). */
export type ExportRepair = { readonly code: string; message(key: string, finding: string): string } & (
  { readonly dropRef: string } | { readonly dropEntry: true }
);

/** The services whose quotas the preflight reads. */
export type QuotaService = Exclude<KindService, typeof SERVICE.image>;
/** The services whose availability zones the preflight lists. */
export type ZoneService = typeof SERVICE.compute | typeof SERVICE.blockStorage;

/** What a kind's quota use may look at: the plan's entries, the targets already found, the target's catalogue. */
export interface QuotaContext {
  entry(key: string): PlanResource | undefined;
  /** The target ID the dry run found for an entry (an external or matched one), if any. */
  targetId(key: string): string | undefined;
  readonly catalog: TargetCatalog;
}

/** What a kind's own target checks may use. */
export interface TargetCheckContext {
  readonly cloud: Cloud;
  readonly catalog: TargetCatalog;
  readonly signal?: AbortSignal;
}

/** One finding of a target check (the preflight's issue). */
export interface TargetIssue {
  severity: 'error' | 'warning';
  code: string;
  key?: string;
  message: string;
}

/** An exported object as plan-key naming sees it: its kind, source ID, name, spec and references (cloud IDs). */
export interface KeyRecord {
  readonly kind: PlanKind;
  readonly id: string;
  readonly name: string;
  readonly spec: Record<string, unknown>;
  readonly refs: Readonly<Record<string, string | string[]>>;
}

/** Where an object sits on another one (a port as a server's NIC `eth0`, a volume as its `vdb`). */
export interface Placement {
  readonly owner: PlanKind;
  readonly ownerId: string;
  readonly slot: string;
}

/** What naming an entry's plan key may use: keys already assigned, and where objects are placed. */
export interface KeyContext {
  /** The name part of the key already given to an object (`server:web-1` -> `web-1`), or undefined. */
  nameOf(kind: PlanKind, id: string | undefined): string | undefined;
  /** Where other entries place this object (see `KeyNaming.places`). */
  placements(id: string): readonly Placement[];
}

/** How an entry's plan key is named (src/export/names.ts assigns `<kind>:<name>`, `~N` on collisions). */
export interface KeyNaming {
  /** Kinds whose keys this kind's names use: they are keyed first. */
  readonly after?: readonly PlanKind[];
  /** The name part of the key; default: the object's name, else its source ID. */
  name?(record: KeyRecord, ctx: KeyContext): string;
  /** Objects this entry places, with their slot (a server's NICs and disks), for their own key names. */
  places?(record: KeyRecord): { id: string; slot: string }[];
}

/** The first ID of a reference value (a single ID, or the first of a list). */
export function firstId(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The last placement of an object by an owner of the given kind. */
export function placedBy(ctx: KeyContext, id: string, owner: PlanKind): Placement | undefined {
  return ctx
    .placements(id)
    .filter((p) => p.owner === owner)
    .at(-1);
}

/** A quota use of one unit of one resource per created entry (Neutron's `network`, `port`, ...). */
export function oneOf(service: QuotaService, resource: string): NonNullable<KindDescriptor['quota']> {
  return { service, uses: () => ({ [resource]: 1 }) };
}

/** The type-checked way to declare a descriptor. */
export function defineKind<K extends PlanKind>(descriptor: KindDescriptor<K>): KindDescriptor<K> {
  return descriptor;
}
