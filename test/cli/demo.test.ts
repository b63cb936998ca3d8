import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AuditReport } from '../../src/diff/report.js';
import { readPlan } from '../../src/plan/io.js';

/**
 * `bascule demo` end to end, in-process: two simulated clouds, export, dry run, apply, audit. The demo is the
 * README's first command, so this checks what a new user sees and gets: each step, its files, its replayable
 * command line, and the exit code of the audit.
 */
let dir: string;
let code: number;
let stdout = '';
let stderr = '';
let seconds = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bascule-demo-'));
  const started = Date.now();
  code = await main(['demo', '--dir', join(dir, 'out')], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY: false,
    signal: new AbortController().signal,
  });
  seconds = (Date.now() - started) / 1000;
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bascule demo', () => {
  it('runs every step well under a minute, and exits 0: the audit is clean', async () => {
    expect(stderr).toBe('');
    expect(seconds).toBeLessThan(60);
    const report = JSON.parse(await readFile(join(dir, 'out', 'audit.json'), 'utf8')) as AuditReport;
    expect(report.summary.clean).toBe(true);
    expect(code).toBe(0);
    expect(stdout).toContain('[5/5] Audit pi-hos8 -> pi-new: CLEAN:');
    const unexpected = report.differences.filter((d) => d.type !== 'expected-lossy');
    expect(unexpected).toEqual([]);
    expect(report.summary.missing + report.summary.extra).toBe(0);
    expect(report.summary.matched).toBe(report.summary.compared);
    expect(report.per_kind.server).toMatchObject({ source: 4, target: 4 });
    expect(report.per_kind.volume_snapshot).toMatchObject({ source: 1, target: 1, missing: 0 });
  });

  it('prints what docs/quickstart.md shows (the same lines; only the time and the directory differ)', async () => {
    const doc = await readFile('docs/quickstart.md', 'utf8');
    const block = /```\n(Bascule demo: [\s\S]*?)```\n/.exec(doc)?.[1];
    expect(block, 'docs/quickstart.md shows the demo output in a code block').toBeDefined();
    const normal = (text: string) =>
      text
        .replaceAll(join(dir, 'out'), 'bascule-demo')
        .replace(/Done in [0-9.]+ s/, 'Done in N s')
        .trimEnd();
    expect(normal(block!)).toBe(normal(stdout));
  });

  it('prints each step with its files and the command line that replays it', () => {
    for (const step of [
      '[1/5] Two simulated clouds',
      '[2/5] Export:',
      '[3/5] Dry run against pi-new:',
      '[4/5] Apply',
      '[5/5] Audit pi-hos8 -> pi-new:',
    ])
      expect(stdout).toContain(step);
    expect(stdout).toMatch(
      /\$ bascule --clouds-yaml \S+clouds\.yaml export --os-cloud pi-hos8-pi-web -o \S+plan\.json/,
    );
    expect(stdout).toMatch(
      /\$ bascule --clouds-yaml \S+ apply \S+plan\.json --from pi-hos8-pi-web --to pi-new-pi-web --mapping \S+mapping\.yaml --dry-run --out \S+changes\.json/,
    );
    expect(stdout).toMatch(
      /\$ bascule --clouds-yaml \S+ apply \S+changes\.json --from pi-hos8-pi-web --to pi-new-pi-web --yes/,
    );
    expect(stdout).toMatch(
      /\$ bascule --clouds-yaml \S+ audit --from pi-hos8-pi-web --to pi-new-pi-web --mapping \S+ --journal \S+apply\.journal\.jsonl/,
    );
    expect(stdout).toMatch(/Dry run against pi-new: .*\d+ create/);
    expect(stdout).toMatch(/Apply \(exactly the saved dry run\): [1-9]\d* created, \d+ updated, 0 failed steps/);
    expect(stdout).toMatch(/rollback --journal \S+apply\.journal\.jsonl --os-cloud pi-new-pi-web --yes/);
    expect(stdout).not.toMatch(/pi-ops-secret|pi-ops-new-secret|admin-secret/);
  });

  it('leaves the plan, the dry run, the journal, the reports and the logs in --dir, private', async () => {
    const out = join(dir, 'out');
    const names = await readdir(out);
    expect(names.sort()).toEqual([
      'apply.journal.jsonl',
      'audit.html',
      'audit.json',
      'audit.md',
      'changes.json',
      'clouds.yaml',
      'logs',
      'mapping.yaml',
      'plan.json',
    ]);
    const { plan } = await readPlan(join(out, 'plan.json'));
    expect(plan.provenance.project.name).toBe('pi-web');
    expect(plan.resources.filter((r) => r.kind === 'volume_snapshot').map((r) => r.key)).toEqual([
      'volume_snapshot:pi-db-data-initial',
    ]);
    const changes = JSON.parse(await readFile(join(out, 'changes.json'), 'utf8')) as { format: string; ok: boolean };
    expect(changes).toMatchObject({ format: 'bascule.changes/v1', ok: true });
    expect(await readFile(join(out, 'audit.html'), 'utf8')).toMatch(
      /<h1>Audit: pi-hos8-pi-web\/pi-web → pi-new-pi-web\/pi-web<\/h1>/,
    );
    for (const f of [
      'clouds.yaml',
      'plan.json',
      'changes.json',
      'apply.journal.jsonl',
      'audit.html',
      'audit.md',
      'audit.json',
    ])
      expect((await stat(join(out, f))).mode & 0o777, f).toBe(0o600);
    expect((await readdir(join(out, 'logs'))).sort()).toEqual([
      '2-export.log',
      '3-dry-run.log',
      '4-apply.log',
      '5-audit.log',
    ]);
  });

  it('refuses (exit 2) to run again over a directory that holds a demo, and changes nothing there', async () => {
    const before = await stat(join(dir, 'out', 'plan.json'));
    let err = '';
    const again = await main(['demo', '--dir', join(dir, 'out')], {
      stdout: () => {},
      stderr: (t) => void (err += t),
      isTTY: false,
      signal: new AbortController().signal,
    });
    expect(again).toBe(2);
    expect(err).toContain('already holds a demo run');
    expect((await stat(join(dir, 'out', 'plan.json'))).mtimeMs).toBe(before.mtimeMs);
    expect(existsSync(join(dir, 'out', 'apply.journal.jsonl'))).toBe(true);
  });

  it('with --keep, the clouds stay up until Ctrl-C and the printed commands replay against them', async () => {
    const out = join(dir, 'kept');
    const controller = new AbortController();
    let text = '';
    const demo = main(['demo', '--dir', out, '--keep'], {
      stdout: (t) => void (text += t),
      stderr: (t) => void (text += t),
      isTTY: false,
      signal: controller.signal,
    });
    for (let i = 0; i < 600 && !text.includes('Press Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(text).toContain('Both clouds keep running');
    const run = async (line: string) => {
      // The printed command line, as a user would paste it (without the leading "$ bascule").
      const argv = line
        .trim()
        .replace(/^\$ bascule /, '')
        .split(/\s+/);
      let output = '';
      const code = await main(argv, {
        stdout: (t) => void (output += t),
        stderr: (t) => void (output += t),
        isTTY: false,
        signal: new AbortController().signal,
      });
      return { code, output };
    };
    const lines = text.split('\n').filter((l) => l.trim().startsWith('$ bascule'));
    expect(lines).toHaveLength(4);
    // Replaying the audit gives the same verdict; replaying the first apply finds nothing to change.
    const audit = await run(lines[3]!.replace(/--report \S+/g, '').concat(' --format json'));
    const report = JSON.parse(await readFile(join(out, 'audit.json'), 'utf8')) as AuditReport;
    expect(audit.code).toBe(0);
    expect((JSON.parse(audit.output.slice(audit.output.indexOf('{'))) as AuditReport).summary).toMatchObject({
      compared: report.summary.compared,
      changed: report.summary.changed,
      missing: 0,
      extra: 0,
    });
    const again = await run(
      `${lines[1]!.replace('--dry-run --out', '--yes --journal').replace(/changes\.json/, 'again.jsonl')}`,
    );
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('Nothing to change');
    controller.abort();
    expect(await demo).toBe(0);
  }, 120_000);
});
