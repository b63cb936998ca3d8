/** Small matching helpers shared by validation, application and inversion of mappings. */
import { isPlanKind, type PlanKind } from '../plan/kinds.js';

/** JSON pointer (RFC 6901) from path segments. */
export function pointer(...segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) out += `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return out;
}

/** Compiles a mapping regular expression (Unicode mode); returns the error message when it does not compile. */
export function compileRegex(source: string): RegExp | string {
  try {
    return new RegExp(source, 'u');
  } catch (error) {
    return (error as Error).message;
  }
}

const cache = new Map<string, RegExp>();

/** A compiled regular expression; the mapping was validated, so an invalid one here is a bug and throws. */
export function regex(source: string): RegExp {
  let compiled = cache.get(source);
  if (compiled === undefined) {
    const result = compileRegex(source);
    if (typeof result === 'string') throw new Error(`invalid regular expression ${JSON.stringify(source)}: ${result}`);
    compiled = result;
    if (cache.size > 1000) cache.clear();
    cache.set(source, compiled);
  }
  return compiled;
}

/** The number of capture groups of a regular expression. */
export function groupCount(compiled: RegExp): number {
  return (new RegExp(`${compiled.source}|`, 'u').exec('')?.length ?? 1) - 1;
}

/** The highest `$n` group a replacement string refers to (0 when none); `$$` is a literal dollar. */
export function highestGroupReference(replace: string): number {
  let highest = 0;
  for (const match of replace.matchAll(/\$(\$|[0-9]{1,2})/g)) {
    if (match[1] === '$') continue;
    highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}

/** A key glob as a regular expression: `*` any run of characters, `?` one character, everything else literal. */
export function globToRegex(glob: string): RegExp {
  const body = [...glob]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'su');
}

/** The kind a key glob names (`server:web-*` → server), or undefined when the part before ':' is not a kind. */
export function globKind(glob: string): PlanKind | undefined {
  const colon = glob.indexOf(':');
  if (colon <= 0) return undefined;
  const kind = glob.slice(0, colon);
  return isPlanKind(kind) ? kind : undefined;
}
