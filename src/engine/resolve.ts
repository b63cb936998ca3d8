/**
 * Resolution of references against the live target. Refs to plan entries become the target IDs those entries got
 * (or "known after apply" in a dry run); external entries (flavors, public images, external networks, volume
 * types, subnet pools) are matched on the target: by name, by shape (the smallest flavor with at least the vCPUs,
 * RAM and disk), images by name or checksum, as the mapping's resolution says. A security group named `default`
 * is the target project's own default group, never a new one.
 */
import { collect } from '../openstack/pagination.js';
import type { Cloud } from '../openstack/cloud.js';
import * as flavors from '../openstack/compute/flavors/requests.js';
import type { Flavor } from '../openstack/compute/flavors/types.js';
import * as images from '../openstack/image/images/requests.js';
import type { Image } from '../openstack/image/images/types.js';
import * as networks from '../openstack/network/networks/requests.js';
import type { Network } from '../openstack/network/networks/types.js';
import * as volumeTypes from '../openstack/block-storage/types/requests.js';
import type { VolumeType } from '../openstack/block-storage/types/requests.js';
import type { ServiceClient } from '../openstack/service-client.js';
import type { PlanResource } from '../plan/types.js';
import { smallestFit } from '../mapping/apply.js';

/** How an external entry is found on the target: src/mapping's Resolution (structurally; see applyMapping). */
export type ResolutionStrategy = 'name' | 'shape' | 'checksum' | 'unchanged';
export interface ExternalResolution {
  strategy: ResolutionStrategy;
  /** The name to look for (name, unchanged); defaults to the entry's spec name. */
  name?: string;
  shape?: { vcpus: number; ram: number; disk: number; ephemeral?: number; swap?: number };
  /** Shape: only flavors whose name matches this regular expression. */
  within?: string;
  checksum?: { md5?: string; os_hash_algo?: string; os_hash_value?: string };
  rule?: string;
}
export type Resolution = Readonly<Record<string, ExternalResolution>>;

export type ExternalMatch = { id: string; how: string } | { blocked: string; candidates?: string[] };

/** Target catalogues read once per run (lists the project can see). */
export class TargetCatalog {
  readonly #cloud: Cloud;
  readonly #signal: AbortSignal | undefined;
  #flavors?: Promise<Flavor[]>;
  #images?: Promise<Image[]>;
  #networks?: Promise<Network[]>;
  #volumeTypes?: Promise<VolumeType[]>;
  #subnetPools?: Promise<{ id: string; name: string }[]>;

  constructor(cloud: Cloud, signal?: AbortSignal) {
    this.#cloud = cloud;
    this.#signal = signal;
  }

  #opts() {
    return this.#signal ? { signal: this.#signal } : {};
  }

  flavors(): Promise<Flavor[]> {
    this.#flavors ??= collect(flavors.list(this.#cloud.compute, { is_public: 'None' }, this.#opts())).catch(() =>
      collect(flavors.list(this.#cloud.compute, undefined, this.#opts())),
    );
    return this.#flavors;
  }

  images(): Promise<Image[]> {
    this.#images ??= collect(images.list(this.#cloud.image, undefined, this.#signal));
    return this.#images;
  }

  networks(): Promise<Network[]> {
    this.#networks ??= collect(networks.list(this.#cloud.network, undefined, this.#opts()));
    return this.#networks;
  }

  volumeTypes(): Promise<VolumeType[]> {
    this.#volumeTypes ??= collect(volumeTypes.list(this.#cloud.blockStorage, undefined, this.#opts()));
    return this.#volumeTypes;
  }

  subnetPools(): Promise<{ id: string; name: string }[]> {
    const sc: ServiceClient = this.#cloud.network;
    this.#subnetPools ??= sc
      .get<{ subnetpools: { id: string; name: string }[] }>('/subnetpools', this.#opts())
      .then((d) => d.subnetpools);
    return this.#subnetPools;
  }
}

function byName<T extends { id: string; name?: string | null }>(
  items: readonly T[],
  name: string,
  what: string,
): ExternalMatch {
  const found = items.filter((i) => i.name === name);
  if (found.length === 1) return { id: found[0]!.id, how: `${what} by name` };
  if (found.length > 1)
    return { blocked: `${found.length} ${what}s on the target are named ${name}`, candidates: found.map((f) => f.id) };
  return { blocked: `no ${what} named ${name} on the target` };
}

/** Finds the target object an external entry (or a flavor, which Bascule never creates) stands for. */
export async function resolveExternal(
  catalog: TargetCatalog,
  entry: PlanResource,
  resolution?: ExternalResolution,
): Promise<ExternalMatch> {
  const strategy = resolution?.strategy ?? 'name';
  const name = resolution?.name ?? (entry.spec as { name?: string }).name ?? '';
  const via = resolution?.rule ? ` (mapping rule ${resolution.rule})` : '';
  switch (entry.kind) {
    case 'flavor': {
      const all = (await catalog.flavors()).filter((f) => !f['OS-FLV-DISABLED:disabled']);
      if (strategy === 'shape') {
        const shape = resolution?.shape ?? {
          vcpus: entry.spec.vcpus ?? 0,
          ram: entry.spec.ram ?? 0,
          disk: entry.spec.disk ?? 0,
        };
        const candidates = all.map((f) => ({
          id: f.id,
          name: f.name,
          vcpus: f.vcpus,
          ram: f.ram,
          disk: f.disk,
          ephemeral: f['OS-FLV-EXT-DATA:ephemeral'] ?? 0,
          swap: typeof f.swap === 'number' ? f.swap : 0,
        }));
        const fit = smallestFit(shape, candidates, resolution?.within);
        return fit
          ? { id: fit.id, how: `flavor ${fit.name} by shape${via}` }
          : {
              blocked: `no target flavor has at least ${shape.vcpus} vCPUs, ${shape.ram} MiB RAM and ${shape.disk} GiB disk${resolution?.within ? ` among ${resolution.within}` : ''}${via}`,
            };
      }
      const match = byName(all, name, 'flavor');
      if ('blocked' in match && match.candidates === undefined)
        return { blocked: `${match.blocked}${via} (map it by name or by shape in a mapping file)` };
      return 'id' in match ? { id: match.id, how: `${match.how}${via}` } : match;
    }
    case 'image': {
      const all = (await catalog.images()).filter((i) => i.status === 'active');
      const md5 = resolution?.checksum?.md5 ?? entry.spec.checksum ?? undefined;
      const hash = resolution?.checksum?.os_hash_value;
      const byChecksum = () =>
        all.filter(
          (i) =>
            (hash !== undefined && i.os_hash_value === hash) ||
            (md5 !== undefined && md5 !== null && i.checksum === md5),
        );
      if (strategy === 'checksum') {
        const found = byChecksum();
        if (found.length >= 1)
          return {
            id: found[0]!.id,
            how: `image ${found[0]!.name ?? found[0]!.id} by checksum${found.length > 1 ? ` (first of ${found.length} with the same bytes)` : ''}${via}`,
          };
        return { blocked: `no active image with checksum ${hash ?? md5 ?? '(none)'} on the target${via}` };
      }
      const match = byName(all, name, 'image');
      if ('blocked' in match && match.candidates === undefined) {
        const found = byChecksum();
        if (found.length >= 1) return { id: found[0]!.id, how: 'image by checksum (no image of that name)' };
      }
      return 'id' in match ? { id: match.id, how: `${match.how}${via}` } : match;
    }
    case 'network': {
      const all = await catalog.networks();
      const external = all.filter((n) => n['router:external'] === true);
      const match = byName(external, name, 'external network');
      if ('id' in match) return { id: match.id, how: `${match.how}${via}` };
      return byName(all, name, 'network');
    }
    case 'volume_type': {
      // Cinder names a volume's type by name (and takes a name on create): the name is the reference.
      const match = byName(await catalog.volumeTypes(), name, 'volume type');
      return 'id' in match ? { id: name, how: `${match.how}${via}` } : match;
    }
    case 'subnet_pool':
      return byName(await catalog.subnetPools(), name, 'subnet pool');
    default:
      return { blocked: `${entry.kind} entries cannot be external` };
  }
}

/** A placeholder for the ID of an entry that a dry run would create. */
export function knownAfterApply(key: string): string {
  return `(known after apply: ${key})`;
}

export function isKnownAfterApply(id: string): boolean {
  return id.startsWith('(known after apply: ');
}

/** Replaces every plan key in `refs` by its target ID. Throws if one is unknown (a bug: deps run first). */
export function resolveRefs(entry: PlanResource, ids: ReadonlyMap<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(entry.refs ?? {})) {
    const one = (key: string) => {
      const id = ids.get(key);
      if (id === undefined) throw new Error(`${entry.key}: ${name} -> ${key} has no target id yet`);
      return id;
    };
    out[name] = Array.isArray(value) ? value.map(one) : one(value);
  }
  return out;
}
