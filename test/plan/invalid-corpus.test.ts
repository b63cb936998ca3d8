import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/io.js';

const DIR = 'fixtures/plans/invalid';
const cases = readdirSync(DIR)
  .filter((name) => name.endsWith('.json') && !name.endsWith('.expected.json'))
  .map((name) => name.slice(0, -'.json'.length))
  .sort();

interface Expected {
  path: string;
  code: string;
  severity: string;
}

const order = (a: Expected, b: Expected): number => `${a.path} ${a.code}`.localeCompare(`${b.path} ${b.code}`);

describe('the invalid plan corpus', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('%s produces exactly its expected problems', (name) => {
    const text = readFileSync(join(DIR, `${name}.json`), 'utf8');
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Expected[];
    const result = parsePlan(text);
    const actual = result.issues.map(({ path, code, severity }) => ({ path, code, severity }));
    expect(actual.sort(order)).toEqual([...expected].sort(order));
    expect(result.plan).toBeUndefined();
    for (const issue of result.issues) {
      expect(issue.message.length).toBeGreaterThan(0);
    }
  });
});
