/**
 * What the mapping knows of kinds, read from their descriptors (src/kinds/<kind>/descriptor.ts): which entries name
 * rules rename, which carry availability zones (and where), which server_zones rules place. The mapping file's schema
 * lists the same kinds in its enums; test/mapping/validate.test.ts keeps the two in step.
 */
import type { KindDescriptor } from '../kinds/descriptor.js';
import { DESCRIPTORS, descriptorOf } from '../kinds/registry.js';
import type { PlanKind } from '../plan/kinds.js';
import type { PlanResource } from '../plan/types.js';

/**
 * Whether name rules rename entries of a kind: entries Bascule creates under a name of their own. Not the kinds it
 * only matches (flavors: a project cannot create one), nor always-external ones (volume types, subnet pools), nor
 * nameless or unmanaged ones.
 */
const renamable = (d: KindDescriptor) =>
  !d.matchOnly && d.external !== 'always' && !d.nameless && d.unmanaged === undefined;

/** The kinds whose entries have a `spec.name` that name rules may rewrite, in plan order. */
export const NAMED_KINDS: readonly PlanKind[] = DESCRIPTORS.filter(renamable).map((d) => d.kind);

/** The kinds whose availability zone an `availability_zones` rule may rewrite, in plan order. */
export const AZ_KINDS: readonly PlanKind[] = DESCRIPTORS.filter((d) => d.zones !== undefined).map((d) => d.kind);

/** The kinds a rule without `kinds` applies to. */
export const DEFAULT_AZ_KINDS: readonly PlanKind[] = DESCRIPTORS.filter((d) => d.zones?.byDefault).map((d) => d.kind);

/** The kinds `server_zones` rules place. */
export const PLACED_KINDS: ReadonlySet<PlanKind> = new Set(
  DESCRIPTORS.filter((d) => d.zones?.placement !== undefined).map((d) => d.kind),
);

/** Whether an entry named `name` keeps its name whatever the rules: what the target gives the project itself. */
export function keepsName(kind: PlanKind, name: string): boolean {
  const entry = { kind, key: '', spec: { name } } as unknown as PlanResource;
  return descriptorOf(kind).targetOwned?.(entry, () => undefined) !== undefined;
}
