/**
 * Where each region of a plan of several regions goes (src/plan/regions.ts): the mapping's `regions` table sends a
 * source region to its target region (a region it does not list keeps its name). An apply talks to one target region,
 * so it takes the parts whose target is that region, maps each part with the mapping as a plan of its own region (so
 * rules scoped with `region` apply to the entries of that region only), and names the parts left for other regions.
 */
import { entryRegion, planRegions, regionPart } from '../plan/regions.js';
import type { Plan } from '../plan/types.js';
import { applyMapping, type MappedPlan } from './apply.js';
import type { Mapping } from './types.js';

/** One source region of a plan: where it goes, by which rule (a JSON pointer into the mapping), how many entries. */
export interface RegionRoute {
  from: string;
  to: string;
  /** `/regions/i`, or undefined when the mapping does not list the region (it keeps its name). */
  rule?: string;
  entries: number;
}

/** The route of every region of a plan of several regions, in the plan's (sorted) order; [] for a plan of one region. */
export function regionRoutes(plan: Plan, mapping?: Mapping): RegionRoute[] {
  const regions = planRegions(plan) ?? [];
  return regions.map((from) => {
    const index = (mapping?.regions ?? []).findIndex((r) => r.from === from);
    const entries = plan.resources.filter((r) => entryRegion(r) === from).length;
    return index < 0
      ? { from, to: from, entries }
      : { from, to: mapping!.regions![index]!.to, rule: `/regions/${index}`, entries };
  });
}

/** The parts of a plan of several regions that go to `targetRegion`, mapped; and the routes left for other regions. */
export interface RoutedPlan {
  /** The mapped plan of the parts for the target region (keys unchanged, still ending in @<region>). */
  mapped: MappedPlan;
  /** The routes to the target region. */
  taken: RegionRoute[];
  /** The routes to other target regions: not applied by this run. */
  left: RegionRoute[];
}

function merge(parts: readonly MappedPlan[], plan: Plan, regions: readonly string[]): MappedPlan {
  const { regions: _all, ...provenance } = plan.provenance;
  return {
    plan: {
      ...plan,
      provenance: {
        ...provenance,
        region: regions.length === 1 ? regions[0]! : null,
        ...(regions.length > 1 ? { regions: [...regions] } : {}),
      },
      resources: parts.flatMap((p) => p.plan.resources),
      ...(plan.warnings === undefined ? {} : { warnings: parts.flatMap((p) => p.plan.warnings ?? []) }),
    },
    resolution: Object.assign({}, ...parts.map((p) => p.resolution)) as MappedPlan['resolution'],
    notes: parts.flatMap((p) => p.notes),
    filtered: parts.flatMap((p) => p.filtered),
    pulledIn: parts.flatMap((p) => p.pulledIn),
    issues: parts.flatMap((p) => p.issues),
  };
}

/**
 * applyMapping for any plan: a plan of several regions is mapped region by region (each part as a plan of its own
 * region, so rules scoped with `region` apply to its entries only), and the parts merged.
 */
export function applyMappingByRegion(plan: Plan, mapping: Mapping): MappedPlan {
  const regions = planRegions(plan);
  if (regions === undefined) return applyMapping(plan, mapping);
  return merge(
    regions.map((region) => applyMapping(regionPart(plan, region), mapping)),
    plan,
    regions,
  );
}

/** The entries of a plan of several regions that come from `regions` (a plan of one region when there is one). */
export function selectRegions(plan: Plan, regions: readonly string[]): Plan {
  const keep = new Set(regions);
  const { regions: _all, ...provenance } = plan.provenance;
  return {
    ...plan,
    provenance: {
      ...provenance,
      region: regions.length === 1 ? regions[0]! : null,
      ...(regions.length > 1 ? { regions: [...regions].sort() } : {}),
    },
    resources: plan.resources.filter((r) => keep.has(entryRegion(r) ?? '')),
  };
}

/**
 * The part of a plan of several regions an apply to `targetRegion` makes: each source region whose route ends there,
 * mapped as a plan of its own region. Without a mapping, a part is kept as it is (routes keep region names).
 */
export function routeToRegion(plan: Plan, mapping: Mapping | undefined, targetRegion: string): RoutedPlan {
  const routes = regionRoutes(plan, mapping);
  const taken = routes.filter((r) => r.to === targetRegion);
  const left = routes.filter((r) => r.to !== targetRegion);
  const parts = taken.map((route) => {
    const part = regionPart(plan, route.from);
    return mapping === undefined
      ? { plan: part, resolution: {}, notes: [], filtered: [], pulledIn: [], issues: [] }
      : applyMapping(part, mapping);
  });
  return {
    mapped: merge(
      parts,
      plan,
      taken.map((r) => r.from),
    ),
    taken,
    left,
  };
}
