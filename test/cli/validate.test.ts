import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), isTTY: false });
  return { code, out, err };
}

describe('bascule validate', () => {
  it('exits 0 and says valid for a valid plan', async () => {
    const { code, out } = await run(['validate', 'plans/web-two-tier.plan.json']);
    expect(code).toBe(0);
    expect(out).toBe('plans/web-two-tier.plan.json: valid\n');
  });

  it('lists every problem and exits 2 for an invalid plan', async () => {
    const { code, out } = await run(['validate', 'fixtures/plans/invalid/references.json']);
    expect(code).toBe(2);
    expect(out).toContain('REF_UNRESOLVED');
    expect(out).toContain('/resources/25/refs/flavor');
    expect(out).toContain('5 errors, 1 warning');
  });

  it('prints machine-readable issues with --format json', async () => {
    const { code, out } = await run(['validate', 'fixtures/plans/invalid/not-json.json', '--format', 'json']);
    expect(code).toBe(2);
    const report = JSON.parse(out) as {
      valid: boolean;
      errors: number;
      issues: { code: string; line: number; column: number }[];
    };
    expect(report.valid).toBe(false);
    expect(report.errors).toBe(1);
    expect(report.issues[0]).toMatchObject({ code: 'JSON_SYNTAX', line: 4, column: 66 });
  });

  it('refuses a file over --max-bytes', async () => {
    const { code, out } = await run(['validate', 'plans/ipv6.plan.json', '--max-bytes', '100']);
    expect(code).toBe(2);
    expect(out).toContain('PLAN_TOO_LARGE');
  });
});
