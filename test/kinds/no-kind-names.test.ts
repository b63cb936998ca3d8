/**
 * The generic layers (src/engine, src/diff, src/export, src/mapping, src/cli) learn about kinds from the registry and
 * the descriptors, never from a kind name written as a string literal. Every string literal (and template without
 * substitutions) of those folders' TypeScript files is checked with the TypeScript parser: one that is exactly a plan
 * kind fails this test. What a kind needs the generic layers to know is a descriptor capability
 * (src/kinds/descriptor.ts); words that are spelt like kinds but name something else have names of their own
 * (SERVICE in src/openstack/auth/catalog.ts, WORKLOAD_OBJECT in src/transfer/workload.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PLAN_KINDS } from '../../src/plan/kinds.js';

const ROOT = join(import.meta.dirname, '../..');
const FOLDERS = ['src/engine', 'src/diff', 'src/export', 'src/mapping', 'src/cli'];

function filesUnder(folder: string): string[] {
  return (
    readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
      // Generated validators are compiled from the JSON schemas (which name the kinds the formats hold).
      .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.generated.ts'))
      .map((e) => relative(ROOT, join(e.parentPath, e.name)))
  );
}

/** The kind literals of a file, as `line: text`. */
export function kindLiterals(file: string, text: string): string[] {
  const kinds = new Set<string>(PLAN_KINDS);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && kinds.has(node.text)) {
      // Import specifiers are paths, not kind names.
      if (!ts.isImportDeclaration(node.parent) && !ts.isExportDeclaration(node.parent)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${line + 1}: ${node.getText()}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('no kind names in the generic layers', () => {
  const files = FOLDERS.flatMap(filesUnder).sort();

  it('finds the files it checks, and a kind literal when there is one', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(kindLiterals('x.ts', "if (entry.kind === 'router') f('image', `port`, 'not a kind');")).toHaveLength(3);
  });

  for (const file of files) {
    it(file, () => {
      const found = kindLiterals(file, readFileSync(join(ROOT, file), 'utf8'));
      expect(found, `kind names in ${file} (read them from the kind's descriptor):\n${found.join('\n')}`).toEqual([]);
    });
  }
});
