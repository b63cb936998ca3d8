// `bascule apply` on a real terminal (tmux): it shows the dry run, asks before changing anything, and does
// nothing when the answer is no.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTarget, projectPlan, startTarget, type SimTarget } from '../engine/support/sim.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TMUX = '/usr/bin/tmux';
// CI installs tmux (.ci/run) and must run this test; elsewhere it is skipped when tmux is absent.
const hasTmux = existsSync(TMUX) || process.env['CI'] === 'true';

function tmux(...args: string[]): string {
  return execFileSync(TMUX, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function screenUntil(session: string, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < until) {
    screen = tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', session);
    if (pattern.test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the terminal never showed ${String(pattern)}; it shows:\n${screen}`);
}

describe.skipIf(!hasTmux)('bascule apply on a terminal', () => {
  let t: SimTarget;
  let plan: string;
  let dir: string;
  const session = `bascule-tty-${process.pid}`;
  const started: string[] = [];

  beforeAll(async () => {
    t = await startTarget();
    dir = mkdtempSync(join(tmpdir(), 'bascule-tty-'));
    plan = join(dir, 'shop.plan.json');
    writeFileSync(plan, JSON.stringify(projectPlan(), null, 2));
  });
  afterAll(async () => {
    for (const name of started) {
      try {
        tmux('kill-session', '-t', name);
      } catch {
        // already gone
      }
    }
    await t.stop();
  });

  function start(tag: string): string {
    const name = `${session}-${tag}`;
    const command = [
      process.execPath,
      '--import',
      join(REPO_ROOT, 'test/support/ts-register.mjs'),
      join(REPO_ROOT, 'src/bin.ts'),
      '--clouds-yaml',
      t.cloudsYaml,
      'apply',
      plan,
      '--to',
      'dst',
      '--journal',
      join(dir, `${tag}.jsonl`),
    ]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', `${command}; echo "exit=$?"; sleep 30`);
    started.push(name);
    return name;
  }

  it('asks before applying and changes nothing when told no', async () => {
    const before = countTarget(t);
    t.sim.clearLog();
    const name = start('no');
    const screen = await screenUntil(name, /\[y\/N\]/);
    expect(screen).toMatch(/create\s+network:front/); // the dry run comes first
    tmux('send-keys', '-t', name, 'n', 'Enter');
    const after = await screenUntil(name, /exit=\d+/);
    expect(after).toContain('not applied');
    expect(after).toContain('exit=1');
    expect(t.mutations()).toEqual([]);
    expect(countTarget(t)).toEqual(before);
  });

  it('applies when told yes', async () => {
    const name = start('yes');
    await screenUntil(name, /\[y\/N\]/);
    tmux('send-keys', '-t', name, 'y', 'Enter');
    const after = await screenUntil(name, /exit=\d+/, 120_000);
    expect(after).toContain('exit=0');
    expect(t.mutations().length).toBeGreaterThan(0);
  });
});
