/**
 * What finding an external entry on the target needs: the per-run catalogue of the target's lists, the mapping's
 * resolution for the entry, and the answer (a target ID, or why it is blocked). Each external-capable kind's
 * descriptor (`findExternal`) uses these; the engine calls it without knowing the kind.
 */
import { collect } from '../openstack/pagination.js';
import type { Cloud } from '../openstack/cloud.js';
import * as flavors from '../openstack/compute/flavors/requests.js';
import type { Flavor } from '../openstack/compute/flavors/types.js';
import * as images from '../openstack/image/images/requests.js';
import type { Image } from '../openstack/image/images/types.js';
import * as networks from '../openstack/network/networks/requests.js';
import type { Network } from '../openstack/network/networks/types.js';
import * as qosPolicies from '../openstack/network/qos-policies/requests.js';
import type { QosPolicy } from '../openstack/network/qos-policies/types.js';
import * as volumeTypes from '../openstack/block-storage/types/requests.js';
import type { VolumeType } from '../openstack/block-storage/types/requests.js';
import type { ServiceClient } from '../openstack/service-client.js';

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
  #qosPolicies?: Promise<QosPolicy[]>;

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

  /** The QoS policies the project can see (its own and those shared with it); fails where Neutron has no `qos`. */
  qosPolicies(): Promise<QosPolicy[]> {
    this.#qosPolicies ??= collect(qosPolicies.list(this.#cloud.network, undefined, this.#opts()));
    return this.#qosPolicies;
  }
}

export function byName<T extends { id: string; name?: string | null }>(
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

/** What every finder starts from: the strategy, the name to look for and the mapping rule to cite. */
export function externalQuery(
  entry: { spec: unknown },
  resolution?: ExternalResolution,
): { strategy: ResolutionStrategy; name: string; via: string } {
  return {
    strategy: resolution?.strategy ?? 'name',
    name: resolution?.name ?? (entry.spec as { name?: string }).name ?? '',
    via: resolution?.rule ? ` (mapping rule ${resolution.rule})` : '',
  };
}
