/** Small matching helpers shared by validation, application and inversion of mappings. */
import { RE2JS, RE2JSException } from 're2js';
import { isPlanKind, type PlanKind } from '../plan/kinds.js';

/** JSON pointer (RFC 6901) from path segments. */
export function pointer(...segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) out += `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return out;
}

/**
 * A compiled mapping regular expression. Mapping rules run on every name of a plan (and on every flavor and image of
 * the target), so they run on RE2 (re2js): matching time is linear in the name, whatever the pattern; `(a+)+$` cannot
 * stall an apply. RE2 has no backreferences and no lookaround; those are refused at validation.
 */
export interface MappingRegex {
  readonly source: string;
  /** Capture groups in the pattern. */
  readonly groups: number;
  /** Whether the pattern matches somewhere in `text` (unanchored, as RegExp.test). */
  test(text: string): boolean;
  /** `text` with its first match replaced; `$1`..`$99` are groups, `$$` is a dollar (as String.replace). */
  replaceFirst(text: string, replacement: string): string;
}

/** Compiles a mapping regular expression (RE2 syntax, Unicode); returns the error message when it does not compile. */
export function compileRegex(source: string): MappingRegex | string {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    if (error instanceof RE2JSException) return error.message.replace(/^error parsing regexp: /, '');
    throw error;
  }
  return {
    source,
    groups: compiled.groupCount(),
    test: (text) => compiled.test(text),
    replaceFirst: (text, replacement) => compiled.matcher(text).replaceFirst(replacement),
  };
}

const cache = new Map<string, MappingRegex>();

/** A compiled regular expression; the mapping was validated, so an invalid one here is a bug and throws. */
export function regex(source: string): MappingRegex {
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
export function groupCount(compiled: MappingRegex): number {
  return compiled.groups;
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
