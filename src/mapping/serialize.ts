/** Writing mappings: YAML for people (small rules on one line), or canonical JSON. */
import { Document, isCollection, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import { TABLE_SECTIONS, type Mapping } from './types.js';

const ONE_LINE_RULES = new Set<string>(['regions', ...TABLE_SECTIONS, 'names']);
const ONE_LINE_FIELDS = new Set(['from', 'to', 'within', 'inverse', 'kinds', 'source', 'target']);

/** A mapping as YAML text (rules of name tables on one line, `from` and `to` in flow style) or as JSON. */
export function stringifyMapping(mapping: Mapping, format: 'yaml' | 'json' = 'yaml'): string {
  if (format === 'json') return `${JSON.stringify(mapping, null, 2)}\n`;
  const doc = new Document(mapping);
  visit(doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      const name = String(pair.key.value);
      if (ONE_LINE_FIELDS.has(name) && isCollection(pair.value)) pair.value.flow = true;
      if (ONE_LINE_RULES.has(name) && isSeq(pair.value)) {
        for (const item of pair.value.items) if (isMap(item)) item.flow = true;
      }
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}
