/**
 * Scale bounds (#13): a plan has an entry limit (PLAN_TOO_MANY_ENTRIES, raised by --max-entries), and nothing walks a
 * large plan recursively or spreads a large list into a call: 200,000 entries with the same key used to overflow the
 * stack in `validate` (issues.push(...200,000 issues)).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxEntries } from '../../src/cli/options.js';
import { table } from '../../src/cli/views/output.js';
import { buildGraph } from '../../src/engine/graph.js';
import { parsePlan } from '../../src/plan/io.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { DEFAULT_MAX_ENTRIES } from '../../src/plan/validate.js';
import { runCli } from '../support/cli.js';

const base = JSON.parse(readFileSync('plans/web-two-tier.plan.json', 'utf8')) as Plan;
const group = base.resources.find((r) => r.kind === 'security_group')!;

/** Plan text with `count` copies of one security group, all with the same key. */
function sameKeyPlan(count: number): string {
  const entry = JSON.stringify(group);
  return `{"format":${JSON.stringify(base.format)},"provenance":${JSON.stringify(base.provenance)},"resources":[${new Array<string>(count).fill(entry).join(',')}]}`;
}

describe('the entry limit', () => {
  const text = sameKeyPlan(200_000);

  it('refuses a plan of more entries than the limit, at /resources, naming --max-entries', () => {
    const { plan, issues } = parsePlan(text);
    expect(plan).toBeUndefined();
    expect(issues).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: '/resources',
        code: 'PLAN_TOO_MANY_ENTRIES',
        message: 'the plan has 200000 entries, more than the limit of 100000',
        hint: expect.stringContaining('--max-entries'),
      }),
    ]);
  });

  it('with the limit raised, 200,000 entries with the same key are 199,999 DUPLICATE_KEY errors, not a stack overflow', () => {
    const { plan, issues } = parsePlan(text, { maxEntries: 300_000 });
    expect(plan).toBeUndefined();
    const duplicates = issues.filter((i) => i.code === 'DUPLICATE_KEY');
    expect(duplicates).toHaveLength(199_999);
    expect(duplicates[0]!.path).toBe('/resources/1/key');
  });

  it('bascule validate: exit 2 with the limit named; with --max-entries, every duplicate and still exit 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bascule-scale-')), 'big.plan.json');
    writeFileSync(file, text);
    const refused = await runCli(['validate', file]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('PLAN_TOO_MANY_ENTRIES');
    expect(refused.stdout).toContain('--max-entries');
    const raised = await runCli(['validate', file, '--max-entries', '300000']);
    expect(raised.code).toBe(2);
    expect(raised.stderr).not.toContain('internal error');
    expect(raised.stdout).toContain('DUPLICATE_KEY');
    expect(raised.stdout).toMatch(/199999 errors/);
  }, 60_000);

  it('the flag and the reader share one default', () => {
    expect(maxEntries.default).toBe(DEFAULT_MAX_ENTRIES);
    expect(DEFAULT_MAX_ENTRIES).toBe(100_000);
  });
});

describe('no recursion or spread over the entries', () => {
  it("the engine's cycle finder walks a 200,000-long cycle without recursion", () => {
    const n = 200_000;
    const resources: PlanResource[] = [];
    for (let i = 0; i < n; i += 1)
      resources.push({
        key: `security_group:g${i}`,
        kind: 'security_group',
        spec: { name: `g${i}` },
        refs: { after: `security_group:g${(i + 1) % n}` },
      } as unknown as PlanResource);
    let thrown: unknown;
    try {
      buildGraph({ resources });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'ENGINE_CYCLE' });
  });

  it('a table of 200,000 rows', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [`row-${i}`, i]);
    const text = table(['name', 'n'], rows);
    expect(text.split('\n')[0]).toBe('name        n');
  });
});
