/** How the mapping's volume_types rules (a source volume type name to a target one) resolve an external volume_type entry. */
import { type ExternalMappingContext, type Resolution } from '../../mapping/external.js';
import { pointer } from '../../mapping/match.js';
import type { PlanResource } from '../../plan/types.js';

export function mapExternal(resource: PlanResource, ctx: ExternalMappingContext): Resolution {
  if (resource.kind !== 'volume_type') return ctx.unchanged();
  const spec = resource.spec;
  const key = resource.key;
  const index = (ctx.mapping.volume_types ?? []).findIndex((rule) => ctx.inScope(rule) && rule.from === spec.name);
  if (index < 0) return ctx.unchanged();
  const rule = ctx.mapping.volume_types![index]!;
  const at = pointer('volume_types', index);
  ctx.note({ key, field: 'name', from: spec.name, to: rule.to, rule: at });
  resource.spec = { name: rule.to };
  return { kind: resource.kind, strategy: 'name', rule: at, name: rule.to };
}
