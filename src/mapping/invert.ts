/**
 * The mapping for the way back (B to A). A rule inverts when it is a bijection between names (or checksums); what
 * does not invert is reported by name and left out (errors), and what inverts only approximately is kept and
 * reported (warnings). invertMapping(invertMapping(m)) equals m when the first inversion had no problem.
 */
import { pointer } from './match.js';
import { DEFAULT_AZ_KINDS } from './kinds.js';
import {
  MAPPING_FORMAT,
  type AzRule,
  type FlavorRule,
  type ImageRule,
  type Mapping,
  type NameMapRule,
  type NameRule,
  type RegionRule,
} from './types.js';

export interface InversionProblem {
  /** error: the rule could not be inverted and is not in the inverse; warning: inverted, but not exactly. */
  severity: 'error' | 'warning';
  /** JSON pointer of the rule in the mapping being inverted. */
  path: string;
  code: string;
  message: string;
}

export interface Inversion {
  mapping: Mapping;
  problems: InversionProblem[];
}

const INVERSE_PREFIX = 'Inverse of: ';

/** The description of the inverse: marks it as an inverse, or removes the mark (so that inverting twice is the identity). */
function invertDescription(text: string): string {
  return text.startsWith(INVERSE_PREFIX) ? text.slice(INVERSE_PREFIX.length) : `${INVERSE_PREFIX}${text}`;
}

function onlyKeys(value: object, keys: readonly string[]): boolean {
  const present = Object.keys(value);
  return present.length === keys.length && keys.every((k) => present.includes(k));
}

class Inverter {
  readonly problems: InversionProblem[] = [];
  readonly regionMap: Map<string, string>;
  readonly source: Mapping;

  constructor(source: Mapping) {
    this.source = source;
    this.regionMap = new Map((source.regions ?? []).map((r) => [r.from, r.to]));
  }

  error(path: string, code: string, message: string): void {
    this.problems.push({ severity: 'error', path, code, message });
  }

  warning(path: string, code: string, message: string): void {
    this.problems.push({ severity: 'warning', path, code, message });
  }

  /** The region scope of an inverted rule: the target region of its source region. False when unknown. */
  region(rule: { region?: string }, path: string): { region?: string } | false {
    if (rule.region === undefined) return {};
    const to = this.regionMap.get(rule.region);
    if (to === undefined) {
      this.error(
        `${path}/region`,
        'INVERT_REGION_UNKNOWN',
        `the rule applies to source region "${rule.region}", which "regions" does not map to a target region`,
      );
      return false;
    }
    return { region: to };
  }

  /** Common tail of a rule: region then description, in file order. */
  tail(
    rule: { region?: string; description?: string },
    path: string,
  ): { region?: string; description?: string } | false {
    const region = this.region(rule, path);
    if (region === false) return false;
    return rule.description === undefined ? region : { ...region, description: rule.description };
  }

  regions(): RegionRule[] {
    const out: RegionRule[] = [];
    const seen = new Map<string, number>();
    (this.source.regions ?? []).forEach((rule, index) => {
      const first = seen.get(rule.to);
      if (first !== undefined) {
        this.error(
          pointer('regions', index),
          'INVERT_MANY_TO_ONE',
          `regions "${this.source.regions![first]!.from}" and "${rule.from}" both become "${rule.to}": the way back cannot tell them apart`,
        );
        return;
      }
      seen.set(rule.to, index);
      out.push({ from: rule.to, to: rule.from });
    });
    return out;
  }

  /** Remembers targets per scope to find two rules that lead to the same place. */
  private targets = new Map<string, { index: number; from: string }>();

  manyToOne(section: string, index: number, scope: string, to: string, from: string, what: string): boolean {
    const id = `${section}|${scope}|${to}`;
    const first = this.targets.get(id);
    if (first !== undefined) {
      this.error(
        pointer(section, index),
        'INVERT_MANY_TO_ONE',
        `${what} "${first.from}" (${pointer(section, first.index)}) and "${from}" both map to "${to}": the way back cannot tell them apart; "${to}" goes back to "${first.from}"`,
      );
      return true;
    }
    this.targets.set(id, { index, from });
    return false;
  }

  flavors(rules: readonly FlavorRule[]): FlavorRule[] {
    const out: FlavorRule[] = [];
    rules.forEach((rule, index) => {
      const path = pointer('flavors', index);
      const tail = this.tail(rule, path);
      if (tail === false) return;
      if (rule.to.shape !== undefined) {
        if (rule.from.any === true) {
          if (rule.to.within !== undefined)
            this.warning(
              `${path}/to/within`,
              'INVERT_WITHIN_DROPPED',
              '"within" names target flavors; the way back has no such filter and considers every flavor',
            );
          this.warning(
            path,
            'INVERT_SMALLEST_FIT',
            'smallest-fit inverts to smallest-fit on the way back: a flavor comes back as the smallest source flavor that fits it, which is the original only when no smaller one fits; add name rules for an exact return',
          );
          out.push({ from: { any: true }, to: { shape: 'smallest-fit' }, ...tail });
        } else {
          this.error(
            path,
            'INVERT_SHAPE',
            `a flavor matched by ${describe(rule.from)} goes to the smallest target flavor that fits: which one is known only at apply time, so the way back needs an explicit rule`,
          );
        }
        return;
      }
      const to = rule.to.name!;
      if (!onlyKeys(rule.from, ['name'])) {
        this.error(
          path,
          'INVERT_NOT_BY_NAME',
          `every flavor matched by ${describe(rule.from)} becomes "${to}": the way back cannot tell which flavor it was`,
        );
        return;
      }
      if (this.manyToOne('flavors', index, String(tail.region), to, rule.from.name!, 'flavors')) return;
      out.push({ from: { name: to }, to: { name: rule.from.name! }, ...tail });
    });
    return out;
  }

  images(rules: readonly ImageRule[]): ImageRule[] {
    const out: ImageRule[] = [];
    rules.forEach((rule, index) => {
      const path = pointer('images', index);
      const tail = this.tail(rule, path);
      if (tail === false) return;
      const { from, to } = rule;
      if (to.checksum === 'same') {
        // Content to the same content: symmetric when the match does not depend on the source's name.
        if (onlyKeys(from, ['any']) || onlyKeys(from, ['checksum']) || onlyKeys(from, ['os_hash_value'])) {
          out.push({ from: { ...from }, to: { checksum: 'same' }, ...tail });
          return;
        }
        this.error(
          path,
          'INVERT_NOT_BY_NAME',
          `an image matched by ${describe(from)} goes to the target image with the same checksum, whose name is not known before apply: match it by checksum instead`,
        );
        return;
      }
      if (to.checksum !== undefined) {
        if (!onlyKeys(from, ['name'])) {
          this.error(
            path,
            'INVERT_NOT_BY_NAME',
            `every image matched by ${describe(from)} becomes the image with checksum ${to.checksum}: the way back cannot tell which image it was`,
          );
          return;
        }
        if (this.manyToOne('images', index, String(tail.region), `checksum ${to.checksum}`, from.name!, 'images'))
          return;
        out.push({ from: { checksum: to.checksum }, to: { name: from.name! }, ...tail });
        return;
      }
      const name = to.name!;
      if (onlyKeys(from, ['name'])) {
        if (this.manyToOne('images', index, String(tail.region), name, from.name!, 'images')) return;
        out.push({ from: { name }, to: { name: from.name! }, ...tail });
      } else if (onlyKeys(from, ['checksum'])) {
        if (this.manyToOne('images', index, String(tail.region), name, `checksum ${from.checksum!}`, 'images')) return;
        out.push({ from: { name }, to: { checksum: from.checksum! }, ...tail });
      } else {
        this.error(
          path,
          'INVERT_NOT_BY_NAME',
          `every image matched by ${describe(from)} becomes "${name}": the way back cannot tell which image it was`,
        );
      }
    });
    return out;
  }

  nameMap(
    section: 'external_networks' | 'volume_types' | 'load_balancer_providers' | 'load_balancer_flavors',
    rules: readonly NameMapRule[],
    what: string,
  ): NameMapRule[] {
    const out: NameMapRule[] = [];
    rules.forEach((rule, index) => {
      const tail = this.tail(rule, pointer(section, index));
      if (tail === false) return;
      if (this.manyToOne(section, index, String(tail.region), rule.to, rule.from, what)) return;
      out.push({ from: rule.to, to: rule.from, ...tail });
    });
    return out;
  }

  zones(rules: readonly AzRule[]): AzRule[] {
    const out: AzRule[] = [];
    rules.forEach((rule, index) => {
      const path = pointer('availability_zones', index);
      if (rule.to === null) {
        this.error(
          `${path}/to`,
          'INVERT_DROPPED_ZONE',
          `zone "${rule.from}" is dropped on the way there: the way back cannot know which entries were in it`,
        );
        return;
      }
      const tail = this.tail(rule, path);
      if (tail === false) return;
      const kinds = rule.kinds ?? DEFAULT_AZ_KINDS;
      const clash = kinds.some((kind) =>
        this.manyToOne(
          'availability_zones',
          index,
          `${String(tail.region)}|${kind}`,
          rule.to!,
          rule.from,
          `zones (for ${kind})`,
        ),
      );
      if (clash) return;
      const inverse: AzRule = { from: rule.to, to: rule.from };
      if (rule.kinds !== undefined) inverse.kinds = [...rule.kinds];
      out.push({ ...inverse, ...tail });
    });
    return out;
  }

  names(rules: readonly NameRule[]): NameRule[] {
    const out: NameRule[] = [];
    rules.forEach((rule, index) => {
      const path = pointer('names', index);
      const scope: NameRule = rule.kinds === undefined ? {} : { kinds: [...rule.kinds] };
      let action: NameRule;
      const stripped = (what: string) =>
        this.warning(
          path,
          'INVERT_STRIP',
          `the way back adds ${what} to every name${rule.kinds === undefined ? '' : ` of ${rule.kinds.join(', ')}`}, also to names that did not have it on the way there`,
        );
      if (rule.prefix !== undefined) action = { strip_prefix: rule.prefix };
      else if (rule.strip_prefix !== undefined) {
        action = { prefix: rule.strip_prefix };
        stripped(`the prefix "${rule.strip_prefix}"`);
      } else if (rule.suffix !== undefined) action = { strip_suffix: rule.suffix };
      else if (rule.strip_suffix !== undefined) {
        action = { suffix: rule.strip_suffix };
        stripped(`the suffix "${rule.strip_suffix}"`);
      } else if (rule.inverse !== undefined)
        action = {
          regex: rule.inverse.regex,
          replace: rule.inverse.replace,
          inverse: { regex: rule.regex!, replace: rule.replace ?? '' },
        };
      else {
        this.error(
          path,
          'INVERT_REGEX',
          `the regex rule ${JSON.stringify(rule.regex)} -> ${JSON.stringify(rule.replace)} has no "inverse": a regular expression cannot be inverted automatically`,
        );
        return;
      }
      out.push({ ...scope, ...action, ...(rule.description === undefined ? {} : { description: rule.description }) });
    });
    // Undo in the reverse order: (f2 . f1)^-1 = f1^-1 . f2^-1.
    return out.reverse();
  }
}

function describe(value: object): string {
  return JSON.stringify(value).replaceAll('"', '').replaceAll(':', ': ').replaceAll(',', ', ');
}

/**
 * The mapping for the way back. Rules that do not invert are left out with an error problem naming them; the caller
 * (bascule mapping invert) exits 1 when there is one. See docs/mapping.md, "Inversion".
 */
export function invertMapping(mapping: Mapping): Inversion {
  const inverter = new Inverter(mapping);
  const out: Mapping = { format: MAPPING_FORMAT };
  if (mapping.$schema !== undefined) out.$schema = mapping.$schema;
  if (mapping.description !== undefined) out.description = invertDescription(mapping.description);
  if (mapping.target !== undefined) out.source = { ...mapping.target };
  if (mapping.source !== undefined) out.target = { ...mapping.source };
  if (mapping.regions !== undefined) out.regions = inverter.regions();
  if (mapping.flavors !== undefined) out.flavors = inverter.flavors(mapping.flavors);
  if (mapping.images !== undefined) out.images = inverter.images(mapping.images);
  if (mapping.external_networks !== undefined)
    out.external_networks = inverter.nameMap('external_networks', mapping.external_networks, 'networks');
  if (mapping.availability_zones !== undefined) out.availability_zones = inverter.zones(mapping.availability_zones);
  (mapping.server_zones ?? []).forEach((rule, index) =>
    inverter.error(
      pointer('server_zones', index),
      'INVERT_SERVER_ZONES',
      rule.spread === undefined
        ? `this rule puts every matching server in ${rule.zone === null || rule.zone === undefined ? 'no zone' : `zone "${rule.zone}"`}: the way back cannot know which zone each server came from; the inverted mapping has no server_zones (write them by hand)`
        : `this rule spreads servers over ${rule.spread.join(', ')}: the way back cannot know which zone each server came from; the inverted mapping has no server_zones (write them by hand)`,
    ),
  );
  if (mapping.volume_types !== undefined)
    out.volume_types = inverter.nameMap('volume_types', mapping.volume_types, 'volume types');
  if (mapping.load_balancer_providers !== undefined)
    out.load_balancer_providers = inverter.nameMap(
      'load_balancer_providers',
      mapping.load_balancer_providers,
      'load balancer providers',
    );
  if (mapping.load_balancer_flavors !== undefined)
    out.load_balancer_flavors = inverter.nameMap(
      'load_balancer_flavors',
      mapping.load_balancer_flavors,
      'load balancer flavors',
    );
  if (mapping.names !== undefined) out.names = inverter.names(mapping.names);
  for (const side of ['include', 'exclude'] as const) {
    const selector = mapping[side];
    if (selector === undefined) continue;
    if (selector.keys !== undefined && selector.keys.length > 0) {
      inverter.error(
        `/${side}/keys`,
        'INVERT_SELECTION',
        side === 'exclude'
          ? `entries excluded by key (${selector.keys.join(', ')}) are not migrated, so they cannot come back; the way back has no such keys (names may have changed) and drops this selector`
          : `only the entries included by key (${selector.keys.join(', ')}) are migrated: the others cannot come back; the way back drops this selector`,
      );
    }
    if (selector.kinds !== undefined && selector.kinds.length > 0) {
      inverter.error(
        `/${side}/kinds`,
        'INVERT_SELECTION',
        `${side === 'exclude' ? 'excluded' : 'not included'} kinds (${side === 'exclude' ? selector.kinds.join(', ') : `all but ${selector.kinds.join(', ')}`}) do not make the round trip; the way back keeps the same kind filter`,
      );
      out[side] = { kinds: [...selector.kinds] };
    }
  }
  return { mapping: out, problems: inverter.problems };
}
