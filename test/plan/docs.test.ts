/** docs/plan-format.md carries a reference of every kind generated from the schema; it must be current. */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC_BEGIN, DOC_END, renderKindReference } from '../../src/plan/doc.js';
import { KIND_REFS, PLAN_KINDS } from '../../src/plan/kinds.js';
import { specProperties } from '../../src/plan/schema.js';

const PATH = 'docs/plan-format.md';

function generatedPart(doc: string): string {
  const begin = doc.indexOf(DOC_BEGIN);
  const end = doc.indexOf(DOC_END);
  expect(begin).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(begin);
  return doc.slice(begin + DOC_BEGIN.length + 1, end);
}

describe('docs/plan-format.md', () => {
  it('has the current generated kind reference (refresh: UPDATE_PLAN_DOC=1 npx vitest run test/plan/docs.test.ts)', () => {
    let doc = readFileSync(PATH, 'utf8');
    if (process.env.UPDATE_PLAN_DOC === '1') {
      doc = `${doc.slice(0, doc.indexOf(DOC_BEGIN) + DOC_BEGIN.length)}\n${renderKindReference()}${doc.slice(doc.indexOf(DOC_END))}`;
      writeFileSync(PATH, doc);
    }
    expect(generatedPart(doc)).toBe(renderKindReference());
  });

  it.each(PLAN_KINDS)('documents every field and reference of %s in its own section', (kind) => {
    const part = generatedPart(readFileSync(PATH, 'utf8'));
    const start = part.indexOf(`### \`${kind}\``);
    expect(start).toBeGreaterThanOrEqual(0);
    const next = part.indexOf('\n### ', start + 1);
    const section = part.slice(start, next < 0 ? undefined : next);
    for (const field of [...Object.keys(specProperties(kind)), ...Object.keys(KIND_REFS[kind])]) {
      expect(section, `${kind}.${field}`).toMatch(new RegExp(`^\\| \`${field}\` \\|`, 'm'));
    }
  });

  it('describes every rule code that validation can produce', () => {
    const doc = readFileSync(PATH, 'utf8');
    const sources = [
      'src/plan/rules.ts',
      'src/plan/json.ts',
      'src/plan/upgrade.ts',
      'src/plan/io.ts',
      'src/plan/schema-issues.ts',
    ]
      .map((p) => readFileSync(p, 'utf8'))
      .join('\n');
    const codes = new Set(
      [
        ...sources.matchAll(
          /'((?:JSON|PLAN|REF|SUBNET|PORT|SG_RULE|ROUTER|FIP|VOLUME|SERVER|QUOTA|KIND|LOSSY|SENSITIVE|DUPLICATE|FILE|SCHEMA)_[A-Z0-9_]+)'/g,
        ),
      ].map((m) => m[1]!),
    );
    expect(codes.size).toBeGreaterThan(40);
    for (const code of codes) expect(doc, code).toContain(`\`${code}\``);
  });
});
