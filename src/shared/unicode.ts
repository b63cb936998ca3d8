/**
 * Strings Bascule reads from files (plans, saved dry runs, mappings, campaign files) must be Unicode text: no lone
 * surrogate (half of a character, as a name cut in the middle of an emoji, or a `\ud800` escape) and no
 * noncharacter (U+FFFE, U+FDD0...). The rule is I-JSON's (RFC 7493, section 2.1). Such a string cannot be sent as
 * UTF-8 without being altered: the services would store something else than the plan says, or refuse it half-way.
 */

// Without the `u` flag a regular expression sees UTF-16 code units, which is what a lone surrogate is.
const SUSPECT = /[\uD800-\uDFFF\uFDD0-\uFDEF\uFFFE\uFFFF]/;
const SUPPLEMENTARY_NONCHARACTER_HIGH = 0x3f; // U+xFFFE and U+xFFFF of planes 1-16: high surrogate ends in 0x3F

export interface InvalidCodePoint {
  /** Index (UTF-16 code units) in the string. */
  index: number;
  /** "a lone surrogate U+D800" or "the noncharacter U+FFFE". */
  what: string;
}

const hex = (n: number): string => `U+${n.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first code point of `text` that makes it not Unicode text, or undefined. */
export function invalidCodePoint(text: string): InvalidCodePoint | undefined {
  if (!SUSPECT.test(text)) return undefined;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0xd800) continue;
    if (c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return { index: i, what: `a lone surrogate ${hex(c)}` };
      if ((c & SUPPLEMENTARY_NONCHARACTER_HIGH) === SUPPLEMENTARY_NONCHARACTER_HIGH && next >= 0xdffe)
        return { index: i, what: `the noncharacter ${hex(text.codePointAt(i)!)}` };
      i += 1;
    } else if (c <= 0xdfff) return { index: i, what: `a lone surrogate ${hex(c)}` };
    else if ((c >= 0xfdd0 && c <= 0xfdef) || c === 0xfffe || c === 0xffff)
      return { index: i, what: `the noncharacter ${hex(c)}` };
  }
  return undefined;
}

/** Whether text may hold such a code point, raw or as a JSON `\u` escape of one (a cheap test before a scan). */
export function mayHoldInvalidCodePoint(jsonText: string): boolean {
  return SUSPECT.test(jsonText) || /\\u[dDfF]/.test(jsonText);
}

export const INVALID_UNICODE_HINT =
  'strings must be Unicode text (RFC 7493): no lone surrogate, no noncharacter; fix the name where it was made';

export interface UnicodeProblem {
  /** JSON pointer segments of the string (a key's segments end with the key). */
  path: (string | number)[];
  /** Whether the problem is in the key itself rather than its value. */
  inKey: boolean;
  problem: InvalidCodePoint;
}

/** Every string (and key) of a plain value that is not Unicode text, walked without recursion. */
export function findInvalidUnicode(value: unknown, limit = 100): UnicodeProblem[] {
  const out: UnicodeProblem[] = [];
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  while (stack.length > 0 && out.length < limit) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      const problem = invalidCodePoint(node);
      if (problem) out.push({ path, inKey: false, problem });
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i -= 1) stack.push([node[i], [...path, i]]);
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i -= 1) {
        const [key, child] = entries[i]!;
        const problem = invalidCodePoint(key);
        if (problem) out.push({ path: [...path, key], inKey: true, problem });
        stack.push([child, [...path, key]]);
      }
    }
  }
  return out;
}
