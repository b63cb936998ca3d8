/**
 * A true `kill -9` of the CLI in the middle of an apply (a child process running the TypeScript sources), then
 * `bascule apply --resume`: the target ends equal to the plan with exactly the objects a clean apply makes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { applyPlan } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import { journalState, readJournal } from '../../src/engine/journal.js';
import { REPO_ROOT } from '../support/fixtures.js';
import { countTarget, projectPlan, startTarget, type SimTarget } from '../engine/support/sim.js';

let baseline: Record<string, number>;
const targets: SimTarget[] = [];

function intents(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"t":"intent"')).length;
}

describe('kill -9 during apply, then --resume', () => {
  beforeAll(async () => {
    const t = await startTarget();
    targets.push(t);
    const result = await applyPlan(projectPlan(), t.deps(), {
      journalPath: join(mkdtempSync(join(tmpdir(), 'bascule-k-')), 'j.jsonl'),
    });
    expect(result.ok).toBe(true);
    baseline = countTarget(t);
  });
  afterEach(async () => {
    await Promise.all(targets.splice(0).map((t) => t.stop()));
  });

  for (const after of [4, 13]) {
    it(`SIGKILL after ${after} journaled intents`, async () => {
      const t = await startTarget({ cloud: { latency: { fixedMs: 15 } } });
      targets.push(t);
      const dir = mkdtempSync(join(tmpdir(), 'bascule-kill-'));
      const plan = join(dir, 'shop.json');
      const journal = join(dir, 'shop.journal.jsonl');
      writeFileSync(plan, JSON.stringify(projectPlan()));
      const child = spawn(
        process.execPath,
        [
          '--import',
          join(REPO_ROOT, 'test/support/ts-register.mjs'),
          join(REPO_ROOT, 'src/bin.ts'),
          '--clouds-yaml',
          t.cloudsYaml,
          'apply',
          plan,
          '--to',
          'dst',
          '--yes',
          '--journal',
          journal,
          '--concurrency',
          '4',
        ],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, OS_CLOUD: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );
      const deadline = Date.now() + 60_000;
      while (intents(journal) < after) {
        if (Date.now() > deadline) throw new Error(`the child never journaled ${after} intents; stderr: ${stderr}`);
        if (child.exitCode !== null) throw new Error(`the child ended early (${child.exitCode}); stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      expect((await exited).signal).toBe('SIGKILL');
      const records = await readJournal(journal);
      expect(records.some((r) => r.t === 'end')).toBe(false);
      const out: string[] = [];
      const code = await main(
        ['--clouds-yaml', t.cloudsYaml, 'apply', plan, '--to', 'dst', '--yes', '--resume', '--journal', journal],
        { stdout: (s) => out.push(s), stderr: (s) => out.push(s), isTTY: false, signal: new AbortController().signal },
      );
      expect(code, out.join('')).toBe(0);
      const again = await planChanges(projectPlan(), t.deps(), { preflight: false });
      expect(again.actions.filter((a) => a.action !== 'no-op')).toEqual([]);
      expect(countTarget(t)).toEqual(baseline);
      const state = journalState(await readJournal(journal));
      expect([...state.created.values()].filter((c) => c.id === undefined)).toEqual([]);
    }, 120_000);
  }
});
