/** How the mapping's images rules (by name or checksum: a target image by name or by checksum) resolve an external image entry. */
import { matchesImage, type ExternalMappingContext, type Resolution } from '../../mapping/external.js';
import { pointer } from '../../mapping/match.js';
import type { PlanResource } from '../../plan/types.js';

export function mapExternal(resource: PlanResource, ctx: ExternalMappingContext): Resolution {
  if (resource.kind !== 'image') return ctx.unchanged();
  const spec = resource.spec;
  const key = resource.key;
  const index = (ctx.mapping.images ?? []).findIndex((rule) => ctx.inScope(rule) && matchesImage(rule.from, spec));
  if (index < 0) return ctx.unchanged();
  const rule = ctx.mapping.images![index]!;
  const at = pointer('images', index);
  if (rule.to.name !== undefined) {
    resource.spec = { name: rule.to.name };
    ctx.note({ key, field: 'name', from: spec.name, to: rule.to.name, rule: at });
    return { kind: resource.kind, strategy: 'name', rule: at, name: rule.to.name };
  }
  if (rule.to.checksum !== undefined && rule.to.checksum !== 'same') {
    const md5 = rule.to.checksum.toLowerCase();
    resource.spec = { name: spec.name, checksum: md5 };
    ctx.note({ key, field: 'checksum', from: spec.checksum ?? null, to: md5, rule: at });
    return { kind: resource.kind, strategy: 'checksum', rule: at, name: spec.name, checksum: { md5 } };
  }
  const checksum: NonNullable<Resolution['checksum']> = {};
  if (typeof spec.checksum === 'string') checksum.md5 = spec.checksum.toLowerCase();
  if (typeof spec.os_hash_value === 'string' && typeof spec.os_hash_algo === 'string') {
    checksum.os_hash_algo = spec.os_hash_algo;
    checksum.os_hash_value = spec.os_hash_value.toLowerCase();
  }
  if (checksum.md5 === undefined && checksum.os_hash_value === undefined) {
    ctx.issue({
      severity: 'error',
      path: at,
      code: 'MAPPING_NO_CHECKSUM',
      message: `${key}: the plan gives no checksum for image "${spec.name}", so "checksum: same" cannot find it`,
      hint: 'map this image by name',
    });
  }
  return { kind: resource.kind, strategy: 'checksum', rule: at, name: spec.name, checksum };
}
