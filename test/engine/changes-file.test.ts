import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChangesInvalidError, parseChanges, readChanges } from '../../src/engine/changes-file.js';
import { planDigest } from '../../src/engine/context.js';
import { changesDigest, type ChangeSet } from '../../src/engine/dry-run.js';
import { EXIT } from '../../src/shared/errors.js';

const DIR = 'fixtures/changes/invalid';
const VALID = 'fixtures/changes/shop.changes.json';
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

/** The saved dry run with the 5432 rule widened to the whole internet, as someone editing the file would. */
function widened(): ChangeSet & {
  plan: { resources: { kind: string; refs?: Record<string, unknown>; spec: Record<string, unknown> }[] };
} {
  const doc = JSON.parse(readFileSync(VALID, 'utf8'));
  const rule = doc.plan.resources.find(
    (r: { kind: string; spec: Record<string, unknown> }) =>
      r.kind === 'security_group_rule' && r.spec.port_range_min === 5432,
  );
  delete rule.refs.remote_group;
  rule.spec.remote_ip_prefix = '0.0.0.0/0';
  return doc;
}

describe('saved dry runs (bascule.changes/v1)', () => {
  it('the valid one reads, and its digest covers what it holds', () => {
    const text = readFileSync(VALID, 'utf8');
    const changes = readChanges(text, VALID);
    expect(changes.plan.resources.length).toBeGreaterThan(10);
    expect(changes.digest).toBe(
      changesDigest({
        plan: changes.plan,
        resolution: changes.resolution,
        actions: changes.actions,
        target: changes.target,
      }),
    );
  });

  it('the corpus has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases)('%s produces exactly its expected problems, exit code 2', (name) => {
    const text = readFileSync(join(DIR, `${name}.json`), 'utf8');
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Expected[];
    const result = parseChanges(text);
    const actual = result.issues.map(({ path, code, severity }) => ({ path, code, severity }));
    expect(actual.sort(order)).toEqual([...expected].sort(order));
    expect(result.changes).toBeUndefined();
    for (const issue of result.issues) expect(issue.message.length).toBeGreaterThan(0);
    const error = (() => {
      try {
        readChanges(text, name);
      } catch (e) {
        return e;
      }
      return undefined;
    })() as ChangesInvalidError;
    expect(error).toBeInstanceOf(ChangesInvalidError);
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toContain(expected[0]!.path || '(document)');
  });

  it('an edited plan whose plan_digest was recomputed is still refused: the digest covers it', () => {
    const doc = widened();
    doc.plan_digest = planDigest(doc.plan as never);
    const result = parseChanges(JSON.stringify(doc));
    expect(result.issues.map((i) => [i.path, i.code])).toEqual([['/digest', 'CHANGES_DIGEST_MISMATCH']]);
  });

  it('an edited plan with both digests recomputed reads, with a digest other than the reviewed one', () => {
    const original = JSON.parse(readFileSync(VALID, 'utf8')) as ChangeSet;
    const doc = widened();
    doc.plan_digest = planDigest(doc.plan as never);
    doc.digest = changesDigest({
      plan: doc.plan as never,
      resolution: doc.resolution,
      actions: doc.actions,
      target: doc.target,
    });
    const forged = readChanges(JSON.stringify(doc), 'forged.json');
    expect(forged.digest).not.toBe(original.digest);
  });
});
