/**
 * The kinds a plan can hold, their canonical order and their references. Each kind declares them in its own
 * folder's src/kinds/<kind>/plan-format.json (`order`, `external`, `refs`, beside its schema definitions);
 * `npm run build:validators` gathers them into kinds.generated.ts, which this module re-exports (src/plan imports
 * nothing of src/kinds). The schema's `<kind>_refs` definitions are checked against KIND_REFS by
 * test/plan/schema-sync.test.ts, and the engine builds its graph from it.
 */

import { KIND_EXTERNAL, KIND_REFS, PLAN_KINDS } from './kinds.generated.js';

/**
 * Every kind, in dependency order: a kind only refers to kinds before it (except volume -> volume_snapshot).
 * KIND_EXTERNAL: whether entries of a kind may be external references (resources the target must already have,
 * described by their spec so that mapping rules can find them): never, optionally, or always.
 * KIND_REFS: the references of each kind (RefDecl).
 */
export { KIND_EXTERNAL, KIND_REFS, PLAN_KINDS };

export type PlanKind = (typeof PLAN_KINDS)[number];

/** Position of each kind in PLAN_KINDS: the sort order of resources in a canonical plan file. */
export const KIND_ORDER: Readonly<Record<PlanKind, number>> = Object.fromEntries(
  PLAN_KINDS.map((kind, index) => [kind, index]),
) as Record<PlanKind, number>;

export function isPlanKind(value: unknown): value is PlanKind {
  return typeof value === 'string' && Object.hasOwn(KIND_ORDER, value);
}

/** One reference name of a kind. */
export interface RefDecl {
  /** The kind of the entries it points to. */
  readonly kind: PlanKind;
  /** An array of keys (true) or a single key (false). */
  readonly list: boolean;
  /** For a list: whether its order is meaningful (NIC order, device order). Unordered lists are sorted on write. */
  readonly ordered: boolean;
  /** The reference must be present. */
  readonly required: boolean;
  /**
   * For an ordered list: the name of the spec array that runs parallel to it (element i of the spec array describes
   * element i of the reference list), e.g. port `refs.fixed_ips[i]` is the subnet of `spec.fixed_ips[i]`.
   */
  readonly parallel?: string;
  /**
   * The same key may appear more than once (each time with its own parallel spec element): a port may hold two
   * addresses on one subnet.
   */
  readonly repeats?: boolean;
}

export type KindRefs = typeof KIND_REFS;
export type RefName<K extends PlanKind> = keyof KindRefs[K] & string;

type RefValueOf<D> = D extends { list: true } ? string[] : string;
type RequiredRefNames<D> = { [N in keyof D]: D[N] extends { required: true } ? N : never }[keyof D];

/**
 * The typed shape of the refs of a kind, for code that builds entries: e.g. RefsOf<'port'> is
 * `{ network: string; fixed_ips?: string[]; security_groups?: string[] }`. (PlanResource.refs itself stays a plain
 * record so that code can walk any entry's refs generically.)
 */
export type RefsOf<K extends PlanKind> = { [N in RequiredRefNames<KindRefs[K]>]: RefValueOf<KindRefs[K][N]> } & {
  [N in Exclude<keyof KindRefs[K], RequiredRefNames<KindRefs[K]>>]?: RefValueOf<KindRefs[K][N]>;
};

/** The reference declarations of a kind, as a list of [name, declaration]. */
export function refDecls(kind: PlanKind): readonly (readonly [string, RefDecl])[] {
  return Object.entries(KIND_REFS[kind] as Record<string, RefDecl>);
}
