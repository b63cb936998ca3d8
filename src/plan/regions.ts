/**
 * Plans that span regions (`bascule export --all-regions`): one plan per region of the project, merged into one. Each
 * entry says its region in `source.region`; every key gets the suffix `@<region>` (each region has its own flavors,
 * external networks and, often, networks of the same name, so plain keys would collide), and `provenance.regions`
 * lists the regions (sorted), with `provenance.region` null. OpenStack references never cross regions (each region
 * has its own Nova, Neutron, Cinder and Glance), so every region of such a plan is a plan on its own: `regionPart`
 * cuts it out, and the apply sends each part to the target region that the mapping's `regions` table names.
 */
import type { Plan, PlanResource, PlanWarning } from './types.js';

/** The source fact that holds an entry's region in a plan of several regions. */
export const REGION_FACT = 'region';

/** The key of `key` in a plan of several regions. */
export function regionKey(key: string, region: string): string {
  return `${key}@${region}`;
}

/** The regions of a plan of several regions (provenance.regions), or undefined for a plan of one region. */
export function planRegions(plan: Plan): string[] | undefined {
  const regions = plan.provenance.regions;
  return Array.isArray(regions) && regions.length > 0 ? [...regions] : undefined;
}

/** The region an entry of a plan of several regions comes from (its `source.region`), if it says one. */
export function entryRegion(entry: PlanResource): string | undefined {
  const region = entry.source?.[REGION_FACT];
  return typeof region === 'string' && region !== '' ? region : undefined;
}

function qualifyRefs(
  refs: Record<string, string | string[]> | undefined,
  region: string,
): Record<string, string | string[]> | undefined {
  if (refs === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(refs).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map((k) => regionKey(k, region)) : regionKey(value, region),
    ]),
  );
}

/**
 * Merges the plans of one project exported region by region (each with its `provenance.region`) into one plan of
 * several regions. Pure. The plans must come from the same cloud and project; the first one's profile is kept.
 */
export function mergeRegionPlans(parts: readonly Plan[]): Plan {
  if (parts.length === 0) throw new TypeError('mergeRegionPlans: no plan');
  const regions = parts.map((p) => p.provenance.region);
  if (regions.some((r) => r === null || r === ''))
    throw new TypeError('mergeRegionPlans: every plan must come from a named region');
  if (new Set(regions).size !== regions.length) throw new TypeError('mergeRegionPlans: a region appears twice');
  const sorted = [...parts].sort((a, b) => (a.provenance.region! < b.provenance.region! ? -1 : 1));
  const resources: PlanResource[] = [];
  const warnings: PlanWarning[] = [];
  for (const part of sorted) {
    const region = part.provenance.region!;
    for (const entry of part.resources) {
      const refs = qualifyRefs(entry.refs as Record<string, string | string[]> | undefined, region);
      resources.push({
        ...entry,
        key: regionKey(entry.key, region),
        ...(refs === undefined ? {} : { refs }),
        source: { ...(entry.source ?? { id: '' }), [REGION_FACT]: region },
      } as PlanResource);
    }
    for (const w of part.warnings ?? []) warnings.push({ ...w, message: `region ${region}: ${w.message}` });
  }
  const first = sorted[0]!;
  return {
    ...(first.$schema !== undefined ? { $schema: first.$schema } : {}),
    format: first.format,
    provenance: {
      ...first.provenance,
      region: null,
      regions: sorted.map((p) => p.provenance.region!),
    },
    resources,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** A problem with a plan of several regions: where in the plan, and what. */
export interface RegionIssue {
  path: string;
  message: string;
}

/**
 * What is wrong with a plan of several regions: an entry without a region or with one the provenance does not list,
 * a reference to an entry of another region. Empty for a plan of one region.
 */
export function checkRegions(plan: Plan): RegionIssue[] {
  const regions = planRegions(plan);
  if (regions === undefined) return [];
  const issues: RegionIssue[] = [];
  const known = new Set(regions);
  const regionOf = new Map<string, string | undefined>(plan.resources.map((r) => [r.key, entryRegion(r)]));
  plan.resources.forEach((entry, index) => {
    const region = entryRegion(entry);
    if (region === undefined || !known.has(region)) {
      issues.push({
        path: `/resources/${index}/source/${REGION_FACT}`,
        message:
          region === undefined
            ? `${entry.key}: the plan spans regions (${regions.join(', ')}) but this entry has no source.region`
            : `${entry.key}: region "${region}" is not one of provenance.regions (${regions.join(', ')})`,
      });
      return;
    }
    for (const [name, value] of Object.entries((entry.refs ?? {}) as Record<string, string | string[]>)) {
      for (const key of Array.isArray(value) ? value : [value]) {
        const other = regionOf.get(key);
        if (other !== undefined && other !== region)
          issues.push({
            path: `/resources/${index}/refs/${name}`,
            message: `${entry.key} (region ${region}) refers to ${key} of region ${other}: references never cross regions`,
          });
      }
    }
  });
  return issues;
}

/** The part of a plan of several regions that comes from `region`: a plan of that one region (keys unchanged). */
export function regionPart(plan: Plan, region: string): Plan {
  const { regions: _regions, ...provenance } = plan.provenance;
  const warnings = (plan.warnings ?? []).filter((w) => w.message.startsWith(`region ${region}: `));
  return {
    ...plan,
    provenance: { ...provenance, region },
    resources: plan.resources.filter((r) => entryRegion(r) === region),
    ...(plan.warnings === undefined ? {} : { warnings }),
  };
}
