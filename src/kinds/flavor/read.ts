/**
 * Flavors. A project member cannot create flavors, so the plan never owns one: every flavor a server uses is an
 * external reference that carries what a mapping needs to find a match (name, vCPUs, RAM, disk, ephemeral, swap,
 * extra specs). The same description comes out whether the source embeds the flavor in the server (compute 2.47+)
 * or only gives its id (Pike): see server.ts and describeExternal below.
 */
import * as flavors from '../../openstack/compute/flavors/requests.js';
import type { Flavor } from '../../openstack/compute/flavors/types.js';
import type { FlavorSpec } from '../../plan/types.js';
import type { DraftEntry, KindReader, ReadContext } from '../kind.js';
import { compact, errorText, listFlavors, metadataOf, runMap } from '../shared/read.js';

/** The flavor a server embeds (compute 2.47+): `original_name` and its sizes, no id. */
export interface EmbeddedFlavor {
  original_name?: string;
  vcpus?: number;
  ram?: number;
  disk?: number;
  ephemeral?: number;
  swap?: number | string;
  extra_specs?: Record<string, string>;
}

/** Prefix of the reference a server gives to an embedded flavor that matches no flavor the project can list. */
export const EMBEDDED_FLAVOR_PREFIX = 'embedded-flavor:';

const swapOf = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** The external description of a flavor: the same fields whichever way the source showed it. */
export function flavorDescription(input: {
  name: string;
  vcpus?: number | undefined;
  ram?: number | undefined;
  disk?: number | undefined;
  ephemeral?: number | undefined;
  swap?: unknown;
  extra_specs?: Record<string, string> | undefined;
}): FlavorSpec {
  return compact({
    name: input.name,
    vcpus: input.vcpus,
    ram: input.ram,
    disk: input.disk,
    ephemeral: input.ephemeral ?? 0,
    swap: swapOf(input.swap),
    extra_specs: metadataOf(input.extra_specs),
  });
}

export function describeWireFlavor(flavor: Flavor, extraSpecs?: Record<string, string>): FlavorSpec {
  return flavorDescription({
    name: flavor.name,
    vcpus: flavor.vcpus,
    ram: flavor.ram,
    disk: flavor.disk,
    ephemeral: flavor['OS-FLV-EXT-DATA:ephemeral'],
    swap: flavor.swap,
    extra_specs: extraSpecs ?? flavor.extra_specs,
  });
}

export function describeEmbeddedFlavor(embedded: EmbeddedFlavor): FlavorSpec {
  return flavorDescription({ ...embedded, name: embedded.original_name ?? '' });
}

/** Embedded flavors seen by the server reader, by the reference it gave them. */
export function embeddedFlavors(ctx: ReadContext): Map<string, FlavorSpec> {
  return runMap<FlavorSpec>(ctx, 'embedded-flavors');
}

export const flavorReader: KindReader<Flavor> = {
  kind: 'flavor',
  /** A member owns no flavors; the ones servers use come in as external references. */
  async list() {
    return [];
  },
  identify: (flavor) => ({ id: flavor.id, name: flavor.name }),
  toEntry(flavor): DraftEntry {
    return {
      spec: {
        ...describeWireFlavor(flavor),
        ...(flavor['os-flavor-access:is_public'] !== undefined
          ? { is_public: flavor['os-flavor-access:is_public'] }
          : {}),
      },
      refs: {},
      source: { id: flavor.id },
    };
  },
  /**
   * From the embedded copy when the server gave one; else from the flavor list (or GET by id, which also finds a
   * flavor that was deleted since the server booted). Before compute 2.61 the list carries no extra specs: one
   * GET /flavors/{id}/os-extra_specs per flavor actually used.
   */
  async describeExternal(id, ctx) {
    const embedded = embeddedFlavors(ctx).get(id);
    if (embedded)
      return {
        spec: { ...embedded },
        source: {
          id: id.startsWith(EMBEDDED_FLAVOR_PREFIX) ? id.slice(EMBEDDED_FLAVOR_PREFIX.length) : id,
          embedded: true,
        },
      };
    if (id.startsWith(EMBEDDED_FLAVOR_PREFIX)) return undefined;
    let flavor: Flavor | undefined;
    try {
      flavor = (await listFlavors(ctx)).find((f) => f.id === id);
    } catch (error) {
      ctx.logger.debug('flavor list failed; reading flavors one by one', { error: errorText(error) });
    }
    try {
      flavor ??= await flavors.get(ctx.cloud.compute, id, { signal: ctx.signal });
    } catch (error) {
      ctx.warn({
        kind: 'flavor',
        resource: id,
        code: 'FLAVOR_UNREADABLE',
        message: `flavor ${id} cannot be read (${errorText(error)})`,
      });
      return undefined;
    }
    let extraSpecs = flavor.extra_specs;
    if (extraSpecs === undefined) {
      try {
        extraSpecs = await flavors.extraSpecs(ctx.cloud.compute, id, ctx.signal);
      } catch (error) {
        ctx.warn({
          kind: 'flavor',
          resource: flavor.name,
          code: 'FLAVOR_EXTRA_SPECS_UNREADABLE',
          message: `the extra specs of flavor ${flavor.name} cannot be read (${errorText(error)}); exported without them`,
        });
      }
    }
    return { spec: { ...describeWireFlavor(flavor, extraSpecs) }, source: { id: flavor.id } };
  },
};
