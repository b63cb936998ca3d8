/**
 * The kinds a plan can hold, their canonical order and their references. This is the one place that says which
 * reference names a kind has, which kind each points to and whether its order matters; the schema's `<kind>_refs`
 * definitions are checked against it by test/plan/schema-sync.test.ts, and the engine builds its graph from it.
 */

/** Every kind, in dependency order: a kind only refers to kinds before it (except volume -> volume_snapshot). */
export const PLAN_KINDS = [
  'flavor',
  'image',
  'keypair',
  'volume_type',
  'subnet_pool',
  'network',
  'subnet',
  'security_group',
  'security_group_rule',
  'router',
  'port',
  'volume',
  'volume_snapshot',
  'server_group',
  'server',
  'floating_ip',
  'quota',
] as const;

export type PlanKind = (typeof PLAN_KINDS)[number];

/** Position of each kind in PLAN_KINDS: the sort order of resources in a canonical plan file. */
export const KIND_ORDER: Readonly<Record<PlanKind, number>> = Object.fromEntries(
  PLAN_KINDS.map((kind, index) => [kind, index]),
) as Record<PlanKind, number>;

export function isPlanKind(value: unknown): value is PlanKind {
  return typeof value === 'string' && Object.hasOwn(KIND_ORDER, value);
}

/**
 * Whether entries of a kind may be external references (resources the target must already have, described by
 * their spec so that mapping rules can find them): never, optionally, or always.
 */
export const KIND_EXTERNAL = {
  flavor: 'optional',
  image: 'optional',
  keypair: 'never',
  volume_type: 'always',
  subnet_pool: 'always',
  network: 'optional',
  subnet: 'never',
  security_group: 'never',
  security_group_rule: 'never',
  router: 'never',
  port: 'never',
  volume: 'never',
  volume_snapshot: 'never',
  server_group: 'never',
  server: 'never',
  floating_ip: 'never',
  quota: 'never',
} as const satisfies Record<PlanKind, 'never' | 'optional' | 'always'>;

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

const one = <K extends PlanKind, R extends boolean = false>(kind: K, required?: R) =>
  ({ kind, list: false, ordered: false, required: (required ?? false) as R }) as const;
const set = <K extends PlanKind>(kind: K) => ({ kind, list: true, ordered: false, required: false }) as const;
const seq = <K extends PlanKind, P extends string | undefined = undefined>(kind: K, parallel?: P) =>
  (parallel === undefined
    ? { kind, list: true, ordered: true, required: false }
    : { kind, list: true, ordered: true, required: false, parallel }) as {
    kind: K;
    list: true;
    ordered: true;
    required: false;
    parallel?: P;
  };

/** The references of each kind. */
export const KIND_REFS = {
  flavor: {},
  image: {},
  keypair: {},
  volume_type: {},
  subnet_pool: {},
  network: {},
  subnet: { network: one('network', true), subnet_pool: one('subnet_pool') },
  security_group: {},
  security_group_rule: { security_group: one('security_group', true), remote_group: one('security_group') },
  router: {
    external_network: one('network'),
    interfaces: set('subnet'),
    interface_ports: set('port'),
  },
  port: {
    network: one('network', true),
    fixed_ips: { ...seq('subnet', 'fixed_ips'), repeats: true },
    security_groups: set('security_group'),
  },
  volume: { volume_type: one('volume_type'), image: one('image'), snapshot: one('volume_snapshot') },
  volume_snapshot: { volume: one('volume', true) },
  server_group: {},
  server: {
    flavor: one('flavor', true),
    image: one('image'),
    boot_volume: one('volume'),
    ports: seq('port'),
    security_groups: set('security_group'),
    keypair: one('keypair'),
    server_group: one('server_group'),
    volumes: seq('volume', 'volumes'),
  },
  floating_ip: { floating_network: one('network', true), port: one('port') },
  quota: {},
} as const satisfies Record<PlanKind, Readonly<Record<string, RefDecl>>>;

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
