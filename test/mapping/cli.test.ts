import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invertMapping, loadMapping, parseMapping } from '../../src/mapping/index.js';
import { runCli } from '../support/cli.js';

const run = (argv: string[]) => runCli(argv);

describe('bascule mapping validate', () => {
  it('exits 0 on a valid mapping', async () => {
    const { code, stdout } = await run(['mapping', 'validate', 'plans/mappings/nubo-to-pi.yaml']);
    expect(code).toBe(0);
    expect(stdout).toBe('plans/mappings/nubo-to-pi.yaml: valid\n');
  });

  it('exits 2 and lists every problem with its path, line and hint', async () => {
    const { code, stdout } = await run(['mapping', 'validate', 'fixtures/mappings/invalid/unknown-fields.yaml']);
    expect(code).toBe(2);
    expect(stdout).toContain('/flavours (line 2, column 1)  SCHEMA_UNKNOWN_FIELD');
    expect(stdout).toContain('hint: did you mean "flavors"?');
    expect(stdout).toContain('/volume_types/0/regoin (line 7');
    expect(stdout).toMatch(/3 errors, 0 warnings\n$/);
  });

  it('gives JSON with --format json', async () => {
    const { code, stdout } = await run([
      '--format',
      'json',
      'mapping',
      'validate',
      'fixtures/mappings/invalid/regex.yaml',
    ]);
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as { valid: boolean; issues: { path: string; code: string; line: number }[] };
    expect(report.valid).toBe(false);
    expect(report.issues.map((i) => i.code)).toContain('MAPPING_REGEX_INVALID');
    expect(report.issues.every((i) => typeof i.line === 'number')).toBe(true);
  });

  it('with --plan, shows what the mapping does to the plan', async () => {
    const { code, stdout } = await run([
      'mapping',
      'validate',
      'plans/mappings/pi-hos8-to-pi-new.yaml',
      '--plan',
      'plans/web-two-tier.plan.json',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/flavor:m1\.small\s+name\s+m1\.small\s+s1\.small\s+\/flavors\/1/);
    expect(stdout).toMatch(/image:ubuntu-22\.04\s+image with sha512 abababababababab\.\.\.\s+\/images\/3/);
    expect(stdout).toMatch(/network:public\s+public \(no rule\)/);
    expect(stdout).toMatch(/quota:shop\s+excluded\s+\/exclude\/kinds\/0/);
  });

  it('with --plan, exits 2 when the mapping cannot be applied to the plan, and says why (JSON)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bascule-validate-'));
    const file = join(dir, 'm.yaml');
    await writeFile(file, 'format: bascule.mapping/v1\nnames: [{ kinds: [keypair], regex: "^.*$", replace: "" }]\n');
    const { code, stdout } = await run([
      '--format',
      'json',
      'mapping',
      'validate',
      file,
      '--plan',
      'plans/web-two-tier.plan.json',
    ]);
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as {
      valid: boolean;
      issues: unknown[];
      applied: { issues: { code: string; path: string }[] };
    };
    expect(report.valid).toBe(false);
    expect(report.issues).toEqual([]);
    expect(report.applied.issues.map((i) => [i.path, i.code])).toEqual([['/names/0', 'MAPPING_NAME_EMPTY']]);
  });

  it('with --plan, exits 2 on an invalid plan', async () => {
    const { code, stderr } = await run([
      'mapping',
      'validate',
      'plans/mappings/nubo-to-pi.yaml',
      '--plan',
      'plans/mappings/nubo-to-pi.yaml',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('plans/mappings/nubo-to-pi.yaml is not a valid plan');
  });

  it('exits 2 on a missing file', async () => {
    const { code, stdout } = await run(['mapping', 'validate', 'no/such/mapping.yaml']);
    expect(code).toBe(2);
    expect(stdout).toContain('FILE_UNREADABLE');
  });
});

describe('bascule mapping invert', () => {
  it('prints the inverse and exits 0 when every rule inverts (warnings on stderr)', async () => {
    const { code, stdout, stderr } = await run(['mapping', 'invert', 'plans/mappings/nubo-to-pi.yaml']);
    expect(code).toBe(0);
    const printed = parseMapping(stdout);
    expect(printed.issues).toEqual([]);
    expect(printed.mapping).toEqual(invertMapping(await loadMapping('plans/mappings/nubo-to-pi.yaml')).mapping);
    expect(stderr).toContain('approximate   /flavors/4  INVERT_SMALLEST_FIT');
    expect(stderr).toContain('0 rules not inverted, 1 approximate');
  });

  it('exits 1 and names the rules that could not be inverted', async () => {
    const { code, stdout, stderr } = await run(['mapping', 'invert', 'plans/mappings/pi-hos8-to-pi-new.yaml']);
    expect(code).toBe(1);
    expect(parseMapping(stdout).mapping).toBeDefined();
    expect(stderr).toContain('not inverted  /volume_types/2  INVERT_MANY_TO_ONE');
    expect(stderr).toContain('"3par-standard" (/volume_types/0) and "vsa" both map to "ceph-hdd"');
    expect(stderr).toContain('3 rules not inverted, 2 approximate');
  });

  it('exits 2 on an invalid mapping and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bascule-invert-'));
    const output = join(dir, 'back.yaml');
    const { code, stdout, stderr } = await run([
      'mapping',
      'invert',
      'fixtures/mappings/invalid/one-of.yaml',
      '--output',
      output,
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('MAPPING_ONE_OF');
    await expect(stat(output)).rejects.toThrow();
  });

  it('writes YAML or JSON with --output, chosen by the extension', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bascule-invert-'));
    for (const name of ['back.yaml', 'back.json']) {
      const output = join(dir, name);
      const { code, stdout } = await run(['mapping', 'invert', 'plans/mappings/nubo-to-pi.yaml', '--output', output]);
      expect(code).toBe(0);
      expect(stdout).toBe('');
      const text = await readFile(output, 'utf8');
      if (name.endsWith('.json'))
        expect(JSON.parse(text)).toMatchObject({ format: 'bascule.mapping/v1', source: { cloud: 'pi-new' } });
      expect(parseMapping(text).mapping?.target).toEqual({ cloud: 'nubo' });
    }
  });

  it('refuses to overwrite the mapping it inverts (exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bascule-invert-'));
    const file = join(dir, 'm.yaml');
    const original = 'format: bascule.mapping/v1\nvolume_types: [{ from: a, to: b }]\n';
    await writeFile(file, original);
    const { code, stderr } = await run(['mapping', 'invert', file, '--output', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('is the mapping being inverted');
    expect(await readFile(file, 'utf8')).toBe(original);
  });
});
