/**
 * The whole report of `bascule validate` (the text it prints: every path, code, message and hint, in order) for the
 * rules' fixture plans and the invalid-plan corpus, pinned byte for byte in fixtures/plans/rules/reports.golden.txt.
 * every-rule.json raises each rule's code (and its corner cases: duplicate keys, repeated references, invalid entries
 * in a cycle, IPv6 addresses written two ways); regions.json is a plan of two regions. The corpus test checks paths
 * and codes; this one also pins the messages, so a change of the rules' code that keeps their output can be proven.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/io.js';
import { formatIssues } from '../../src/plan/validate.js';

const DIRS = ['fixtures/plans/rules', 'fixtures/plans/invalid'];
const GOLDEN = 'fixtures/plans/rules/reports.golden.txt';

function reports(): string {
  let out = '';
  for (const dir of DIRS) {
    const names = readdirSync(dir)
      .filter((name) => name.endsWith('.json') && !name.endsWith('.expected.json'))
      .sort();
    for (const name of names) {
      const file = join(dir, name);
      out += `=== ${file}\n${formatIssues(parsePlan(readFileSync(file, 'utf8')).issues, { file })}`;
    }
  }
  return out;
}

describe('the validation report', () => {
  it('is the same, byte for byte, as the golden file', () => {
    expect(reports()).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('raises every code of the rules in every-rule.json', () => {
    const codes = new Set(
      parsePlan(readFileSync('fixtures/plans/rules/every-rule.json', 'utf8')).issues.map((i) => i.code),
    );
    const source = readFileSync('src/plan/rules.ts', 'utf8');
    const declared = new Set([...source.matchAll(/'([A-Z][A-Z0-9_]{5,})'/g)].map((m) => m[1]!));
    expect([...declared].filter((code) => !codes.has(code))).toEqual([]);
  });
});
