/** How the mapping's flavors rules (by name, shape or extra specs: a target flavor by name, or the smallest that fits) resolve an external flavor entry. */
import {
  matchesFlavor,
  shapeOf,
  significantExtraSpecs,
  type ExternalMappingContext,
  type Resolution,
} from '../../mapping/external.js';
import { pointer } from '../../mapping/match.js';
import type { PlanResource } from '../../plan/types.js';

export function mapExternal(resource: PlanResource, ctx: ExternalMappingContext): Resolution {
  if (resource.kind !== 'flavor') return ctx.unchanged();
  const spec = resource.spec;
  const key = resource.key;
  const shape = shapeOf(spec);
  const index = (ctx.mapping.flavors ?? []).findIndex((rule) => ctx.inScope(rule) && matchesFlavor(rule.from, spec));
  if (index < 0) return ctx.unchanged(shape === undefined ? {} : { shape });
  const rule = ctx.mapping.flavors![index]!;
  const at = pointer('flavors', index);
  if (rule.to.name !== undefined) {
    resource.spec = { name: rule.to.name };
    ctx.note({ key, field: 'name', from: spec.name, to: rule.to.name, rule: at });
    return {
      kind: resource.kind,
      strategy: 'name',
      rule: at,
      name: rule.to.name,
      ...(shape === undefined ? {} : { shape }),
    };
  }
  if (shape === undefined) {
    ctx.issue({
      severity: 'error',
      path: at,
      code: 'MAPPING_NO_SHAPE',
      message: `${key}: the plan does not give the vcpus, ram and disk of flavor "${spec.name}", so smallest-fit cannot choose`,
      hint: 'add a rule that maps this flavor by name',
    });
  }
  const significant = significantExtraSpecs(spec);
  if (significant.length > 0) {
    ctx.issue({
      severity: 'warning',
      path: at,
      code: 'MAPPING_EXTRA_SPECS_IGNORED',
      message: `${key}: smallest-fit compares vCPUs, RAM and disk only; flavor "${spec.name}" also has ${significant.join(', ')}, which the chosen flavor may not give`,
      hint: 'map this flavor by name (or by extra_specs) to a target flavor with the same properties, or narrow the candidates with within',
    });
  }
  return {
    kind: resource.kind,
    strategy: 'shape',
    rule: at,
    name: spec.name,
    ...(shape === undefined ? {} : { shape }),
    ...(rule.to.within === undefined ? {} : { within: rule.to.within.name_regex }),
  };
}
