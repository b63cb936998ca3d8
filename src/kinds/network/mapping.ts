/** How the mapping's external_networks rules (a source external network name to a target one) resolve an external network entry. */
import { type ExternalMappingContext, type Resolution } from '../../mapping/external.js';
import { pointer } from '../../mapping/match.js';
import type { PlanResource } from '../../plan/types.js';

export function mapExternal(resource: PlanResource, ctx: ExternalMappingContext): Resolution {
  if (resource.kind !== 'network') return ctx.unchanged();
  const spec = resource.spec;
  const key = resource.key;
  const index = (ctx.mapping.external_networks ?? []).findIndex((rule) => ctx.inScope(rule) && rule.from === spec.name);
  if (index < 0) return ctx.unchanged();
  const rule = ctx.mapping.external_networks![index]!;
  const at = pointer('external_networks', index);
  ctx.note({ key, field: 'name', from: spec.name, to: rule.to, rule: at });
  spec.name = rule.to;
  return { kind: resource.kind, strategy: 'name', rule: at, name: rule.to };
}
