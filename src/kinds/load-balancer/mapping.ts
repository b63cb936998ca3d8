/**
 * How the mapping's load_balancer_providers and load_balancer_flavors rules (a source name to a target one, first
 * match wins) rewrite a load balancer's `spec.provider` (Octavia provider driver: amphora -> ovn) and `spec.flavor`
 * (Octavia flavor name). The dry run then checks the target offers what the plan names (octavia.ts).
 */
import type { SpecMappingContext } from '../../mapping/external.js';
import { pointer } from '../../mapping/match.js';
import type { NameMapRule } from '../../mapping/types.js';
import type { PlanResource } from '../../plan/types.js';
import type { TargetCheckContext, TargetIssue } from '../descriptor.js';

const SECTIONS = [
  ['provider', 'load_balancer_providers'],
  ['flavor', 'load_balancer_flavors'],
] as const;

export function mapSpec(resource: PlanResource, ctx: SpecMappingContext): void {
  const spec = resource.spec as unknown as Record<string, unknown>;
  for (const [field, section] of SECTIONS) {
    const value = spec[field];
    if (typeof value !== 'string' || value === '') continue;
    const rules: readonly NameMapRule[] = ctx.mapping[section] ?? [];
    const index = rules.findIndex((rule) => ctx.inScope(rule) && rule.from === value);
    if (index < 0 || rules[index]!.to === value) continue;
    spec[field] = rules[index]!.to;
    ctx.note({ key: resource.key, field, from: value, to: rules[index]!.to, rule: pointer(section, index) });
  }
}

/** The names an Octavia listing offers (`providers`, or enabled `flavors`), or the reason it could not be read. */
async function offered(ctx: TargetCheckContext, what: 'providers' | 'flavors'): Promise<string[] | Error> {
  try {
    const body = await ctx.cloud.loadBalancer.get<Record<string, { name: string; enabled?: boolean }[] | undefined>>(
      `/v2/lbaas/${what}`,
      ctx.signal ? { signal: ctx.signal } : {},
    );
    return (body?.[what] ?? []).filter((o) => o.enabled !== false).map((o) => o.name);
  } catch (error) {
    return error as Error;
  }
}

/**
 * Dry run: every load balancer the plan creates names a provider and a flavor (after the mapping) that the target's
 * Octavia offers; else a clear block naming the mapping section that would map it. A listing that cannot be read is
 * a warning (the create then answers for itself).
 */
export async function checkOffers(creates: readonly PlanResource[], ctx: TargetCheckContext): Promise<TargetIssue[]> {
  const issues: TargetIssue[] = [];
  for (const [field, section] of SECTIONS) {
    const wanted = new Map<string, string[]>();
    for (const entry of creates) {
      const value = (entry.spec as unknown as Record<string, unknown>)[field];
      if (typeof value === 'string' && value !== '') wanted.set(value, [...(wanted.get(value) ?? []), entry.key]);
    }
    if (wanted.size === 0) continue;
    const what = field === 'provider' ? 'providers' : 'flavors';
    const names = await offered(ctx, what);
    const first = [...wanted.values()][0]![0]!;
    if (names instanceof Error) {
      issues.push({
        severity: field === 'flavor' ? 'error' : 'warning',
        code: field === 'flavor' ? 'TARGET_LB_FLAVOR' : 'TARGET_LB_PROVIDERS_UNREAD',
        key: first,
        message:
          field === 'flavor'
            ? `${first}: the plan names the Octavia flavor "${[...wanted.keys()].join('", "')}", but the target's Octavia lists no flavors (${names.message}; flavors need API 2.6): remove spec.flavor from the plan, or map it with ${section} in the mapping`
            : `${first}: the target's Octavia providers could not be listed (${names.message}): not checked`,
      });
      continue;
    }
    for (const [value, keys] of wanted) {
      if (names.includes(value)) continue;
      const kind = field === 'provider' ? 'provider' : 'flavor';
      issues.push({
        severity: 'error',
        code: field === 'provider' ? 'TARGET_LB_PROVIDER' : 'TARGET_LB_FLAVOR',
        key: keys[0]!,
        message: `${keys.join(', ')}: the target's Octavia has no ${kind} "${value}" (it offers ${names.length === 0 ? 'none' : names.join(', ')}): map it in the mapping, e.g. ${section}: [{ from: ${value}, to: ${names[0] ?? `<a ${kind} of the target>`} }]`,
      });
    }
  }
  return issues;
}
