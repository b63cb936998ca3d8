/** `--select` patterns: a name glob (`web-*`, `db?`), `tag:<tag>` or `id:<source id>`. */
import { UsageError } from '../shared/errors.js';

export type Selector =
  { type: 'name'; pattern: string; regex: RegExp } | { type: 'tag'; tag: string } | { type: 'id'; id: string };

function globToRegex(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

export function parseSelector(text: string): Selector {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new UsageError('EXPORT_SELECT_EMPTY', '--select needs a pattern: a name glob, tag:<tag> or id:<id>');
  if (trimmed.startsWith('tag:')) {
    const tag = trimmed.slice(4);
    if (tag === '') throw new UsageError('EXPORT_SELECT_EMPTY', `--select ${text}: the tag is empty`);
    return { type: 'tag', tag };
  }
  if (trimmed.startsWith('id:')) {
    const id = trimmed.slice(3);
    if (id === '') throw new UsageError('EXPORT_SELECT_EMPTY', `--select ${text}: the id is empty`);
    return { type: 'id', id };
  }
  if (trimmed.length > 255)
    throw new UsageError('EXPORT_SELECT_TOO_LONG', '--select: a name pattern is at most 255 characters');
  return { type: 'name', pattern: trimmed, regex: globToRegex(trimmed) };
}

export interface Selectable {
  id: string;
  name: string;
  tags?: readonly string[] | undefined;
}

export function matches(selectors: readonly Selector[], item: Selectable): boolean {
  return selectors.some((s) =>
    s.type === 'id'
      ? s.id === item.id
      : s.type === 'tag'
        ? (item.tags ?? []).includes(s.tag)
        : item.name !== '' && s.regex.test(item.name),
  );
}
