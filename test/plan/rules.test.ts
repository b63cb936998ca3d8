import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/io.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { checkPlan, formatIssues, validatePlan } from '../../src/plan/validate.js';

function web(): Plan {
  return parsePlan(readFileSync('plans/web-two-tier.plan.json', 'utf8')).plan!;
}

function entry(plan: Plan, key: string): PlanResource {
  return plan.resources.find((r) => r.key === key)!;
}

describe('semantic rules', () => {
  it('reports a three-step cycle once, with its path in reference order', () => {
    const plan = web();
    plan.resources.push(
      { kind: 'volume', key: 'volume:a', spec: { name: 'a', size: 1 }, refs: { snapshot: 'volume_snapshot:c' } },
      { kind: 'volume_snapshot', key: 'volume_snapshot:b', spec: { name: 'b' }, refs: { volume: 'volume:a' } },
      { kind: 'volume_snapshot', key: 'volume_snapshot:c', spec: { name: 'c' }, refs: { volume: 'volume:d' } },
      { kind: 'volume', key: 'volume:d', spec: { name: 'd', size: 1 }, refs: { snapshot: 'volume_snapshot:c' } },
    );
    const cycles = validatePlan(plan).filter((i) => i.code === 'REF_CYCLE');
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.message).toContain('volume_snapshot:c -> volume:d -> volume_snapshot:c');
  });

  it('reports an entry that refers to itself as a cycle of one, and no cycle for the entries around it', () => {
    const plan = web();
    plan.resources.push(
      { kind: 'volume', key: 'volume:self', spec: { name: 'self', size: 1 }, refs: { snapshot: 'volume:self' } },
      { kind: 'volume_snapshot', key: 'volume_snapshot:s', spec: { name: 's' }, refs: { volume: 'volume:self' } },
    );
    const issues = validatePlan(plan);
    expect(issues.filter((i) => i.code === 'REF_WRONG_KIND').map((i) => i.path)).toEqual([
      `/resources/${plan.resources.length - 2}/refs/snapshot`,
    ]);
    const cycles = issues.filter((i) => i.code === 'REF_CYCLE');
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.message).toContain('volume:self -> volume:self');
  });

  it('accepts security groups whose rules refer to each other (the cycle goes through separate rule entries)', () => {
    expect(validatePlan(web()).filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('checks flavor size against the image for image-booted servers', () => {
    const plan = web();
    const image = entry(plan, 'image:ubuntu-22.04');
    if (image.kind !== 'image') throw new Error('fixture');
    image.spec.min_disk = 30;
    image.spec.min_ram = 4096;
    const issues = validatePlan(plan).filter((i) => i.code === 'SERVER_FLAVOR_TOO_SMALL');
    // web-1 and web-2 use m1.small (20 GiB, 2048 MiB): both checks fail; db-1 uses m1.medium (40 GiB, 4096 MiB).
    expect(issues.map((i) => i.path)).toEqual([
      '/resources/25/refs/flavor',
      '/resources/25/refs/flavor',
      '/resources/26/refs/flavor',
      '/resources/26/refs/flavor',
    ]);
  });

  it('skips rules on a resource the schema refused, so a problem is reported once', () => {
    const plan = web();
    (entry(plan, 'subnet:frontend-v4').spec as unknown as Record<string, unknown>).cidr = 'not-a-cidr';
    const issues = validatePlan(plan);
    expect(issues.map((i) => i.code)).toEqual(['SCHEMA_FORMAT']);
  });

  it('never puts a sensitive value in a message', () => {
    const plan = web();
    const server = entry(plan, 'server:web-1');
    (server.spec as unknown as Record<string, unknown>).user_data = 12345678;
    server.sensitive = ['user_data'];
    const secret = 'c2VjcmV0LXBhc3N3b3JkLWhlcmU=';
    const other = entry(plan, 'server:web-2');
    (other.spec as unknown as Record<string, unknown>).user_data = secret + 'x'.repeat(70_000);
    other.sensitive = ['user_data'];
    const issues = validatePlan(plan);
    expect(issues.map((i) => i.code).sort()).toEqual(['SCHEMA_MAX_LENGTH', 'SCHEMA_TYPE']);
    const text = formatIssues(issues) + JSON.stringify(issues);
    expect(text).not.toContain('12345678');
    expect(text).not.toContain(secret);
  });

  it('returns the plan only when there is no error', () => {
    expect(checkPlan(web()).plan).toBeDefined();
    const plan = web();
    plan.resources.pop();
    plan.resources[0]!.key = 'flavor:m1.small';
    expect(checkPlan(plan).plan).toBeUndefined();
  });
});

describe('formatIssues', () => {
  it('prints path, code, message, hint and a summary', () => {
    const text = formatIssues(
      [
        {
          severity: 'error',
          path: '/resources/1/key',
          code: 'DUPLICATE_KEY',
          message: 'the key is used',
          hint: 'rename it',
        },
        { severity: 'warning', path: '', code: 'JSON_BOM', message: 'a BOM' },
      ],
      { file: 'p.json' },
    );
    expect(text).toBe(
      'error   /resources/1/key  DUPLICATE_KEY\n        the key is used\n        hint: rename it\nwarning (document)  JSON_BOM\n        a BOM\np.json: 1 error, 1 warning\n',
    );
    expect(formatIssues([])).toBe('valid\n');
    const many = Array.from({ length: 5 }, (_, i) => ({
      severity: 'error' as const,
      path: `/${i}`,
      code: 'X',
      message: 'm',
    }));
    expect(formatIssues(many, { limit: 2 })).toContain('... and 3 more');
  });
});
