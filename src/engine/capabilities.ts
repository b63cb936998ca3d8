/**
 * What the target cloud cannot keep. A plan exported from a newer release may set fields an older target lacks
 * (a downgrade: 2025.1 back to Pike): a security group's `stateful`, a server group's `rules`, an image's multihash,
 * a port's `dns_name`... Each such field is tied here to what the target must offer (a Neutron extension, a compute
 * or block-storage microversion, a Glance API version). The dry run names every field the target lacks as lossy
 * ("not kept", with the reason), the apply leaves it out, and the compare does not count it as a difference.
 *
 * The table is the reference: docs/release-profiles.md lists what each simulated release lacks.
 */
import { compareMicroversions } from '../openstack/microversion.js';
import type { Cloud } from '../openstack/cloud.js';
import type { PlanKind } from '../plan/kinds.js';
import type { PlanResource } from '../plan/types.js';
import type { WriteContext } from '../kinds/kind.js';

/** What the target offers, read once per run. Undefined members are unknown (nothing is then called lossy). */
export interface TargetCapabilities {
  extensions: ReadonlySet<string>;
  /** Highest compute microversion. */
  compute?: string;
  /** Highest block-storage (v3) microversion. */
  blockStorage?: string;
  /** Highest Glance API version, e.g. "2.5". */
  image?: string;
}

interface Requirement {
  field: string;
  /** The value needs the capability only when this holds (default: any value other than null, [] or {}). */
  when?: (value: unknown) => boolean;
  extension?: string;
  compute?: string;
  blockStorage?: string;
  image?: string;
  /** What the target lacks, for the dry run. */
  why: string;
}

/** Fields that need a capability of the target, by kind. */
export const FIELD_REQUIREMENTS: Readonly<Partial<Record<PlanKind, readonly Requirement[]>>> = {
  image: [
    { field: 'os_hash_algo', image: '2.7', why: 'Glance before API v2.7 (Rocky) keeps no multihash' },
    { field: 'os_hash_value', image: '2.7', why: 'Glance before API v2.7 (Rocky) keeps no multihash' },
  ],
  network: [
    { field: 'dns_domain', extension: 'dns-integration', why: 'Neutron extension dns-integration is not enabled' },
    { field: 'mtu', extension: 'net-mtu-writable', why: 'Neutron extension net-mtu-writable is missing' },
    {
      field: 'availability_zone_hints',
      extension: 'network_availability_zone',
      why: 'Neutron extension network_availability_zone is missing',
    },
  ],
  security_group: [
    {
      field: 'stateful',
      when: (v) => v === false,
      extension: 'stateful-security-group',
      why: 'Neutron extension stateful-security-group (Ussuri) is missing: every group is stateful',
    },
  ],
  router: [
    { field: 'routes', extension: 'extraroute', why: 'Neutron extension extraroute is missing' },
    {
      field: 'availability_zone_hints',
      extension: 'router_availability_zone',
      why: 'Neutron extension router_availability_zone is missing',
    },
  ],
  port: [
    { field: 'dns_name', extension: 'dns-integration', why: 'Neutron extension dns-integration is not enabled' },
    {
      field: 'allowed_address_pairs',
      extension: 'allowed-address-pairs',
      why: 'Neutron extension allowed-address-pairs is missing',
    },
  ],
  server_group: [
    { field: 'rules', compute: '2.64', why: 'compute before 2.64 (Rocky) has no server group rules' },
    {
      field: 'policy',
      when: (v) => typeof v === 'string' && v.startsWith('soft-'),
      compute: '2.15',
      why: 'compute before 2.15 (Mitaka) has no soft-affinity policies',
    },
  ],
  server: [
    { field: 'description', compute: '2.19', why: 'compute before 2.19 (Mitaka) has no server description' },
    { field: 'tags', compute: '2.26', why: 'compute before 2.26 (Ocata) has no server tags' },
  ],
  volume: [
    {
      field: 'multiattach',
      when: (v) => v === true,
      blockStorage: '3.50',
      why: 'block storage before 3.50 (Queens) cannot create multi-attach volumes',
    },
  ],
};

function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

const below = (have: string | undefined, need: string) => have !== undefined && compareMicroversions(have, need) < 0;

/** The fields of this entry the target cannot keep, each with the reason. */
export function unsupportedFields(
  entry: PlanResource,
  caps: TargetCapabilities | undefined,
): { field: string; why: string }[] {
  if (!caps) return [];
  const spec = entry.spec as unknown as Record<string, unknown>;
  const out: { field: string; why: string }[] = [];
  for (const req of FIELD_REQUIREMENTS[entry.kind] ?? []) {
    const value = spec[req.field];
    if (!(req.when ? req.when(value) : isSet(value))) continue;
    const lacks =
      (req.extension !== undefined && caps.extensions.size > 0 && !caps.extensions.has(req.extension)) ||
      (req.compute !== undefined && below(caps.compute, req.compute)) ||
      (req.blockStorage !== undefined && below(caps.blockStorage, req.blockStorage)) ||
      (req.image !== undefined && below(caps.image, req.image));
    if (lacks) out.push({ field: req.field, why: req.why });
  }
  return out;
}

async function glanceVersion(cloud: Cloud, signal: AbortSignal): Promise<string | undefined> {
  const { root } = await cloud.image.resolve(signal);
  const response = await cloud.image.session.transport({
    method: 'GET',
    url: `${root}/versions`,
    headers: { accept: 'application/json' },
    signal,
  });
  const text = await response.body.text();
  if (response.status !== 200 && response.status !== 300) return undefined;
  const doc = JSON.parse(text) as { versions?: { id?: string; status?: string }[] };
  const versions = (doc.versions ?? [])
    .filter((v) => v.status === 'CURRENT' || v.status === 'SUPPORTED')
    .map((v) => (v.id ?? '').replace(/^v/, ''))
    .filter((v) => /^\d+\.\d+$/.test(v))
    .sort(compareMicroversions);
  return versions.at(-1);
}

const cache = new WeakMap<WriteContext, Promise<TargetCapabilities>>();

/** The target's capabilities, read once per target context. What cannot be read stays unknown. */
export function capabilitiesOf(target: WriteContext): Promise<TargetCapabilities> {
  let known = cache.get(target);
  if (!known) {
    const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);
    known = (async () => {
      const [compute, blockStorage, image] = await Promise.all([
        quiet(target.cloud.compute.resolve(target.signal)),
        quiet(target.cloud.blockStorage.resolve(target.signal)),
        quiet(glanceVersion(target.cloud, target.signal)),
      ]);
      const caps: TargetCapabilities = { extensions: target.extensions };
      if (compute?.versions) caps.compute = compute.versions.max;
      if (blockStorage?.versions) caps.blockStorage = blockStorage.versions.max;
      if (image) caps.image = image;
      return caps;
    })();
    cache.set(target, known);
  }
  return known;
}
