// A true kill -9 of `bascule batch run` while projects are applying, then `batch run --resume`: every project ends
// applied and audited with exactly one of each object (0 duplicates); a plain `batch run` is refused meanwhile.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/fixtures.js';
import { cli, startCampaignClouds, writeCampaign, type SimCampaign } from './sim-campaign.js';

let c: SimCampaign;
beforeAll(async () => {
  c = await startCampaignClouds(6, { latency: { fixedMs: 15 }, extra: 3 });
});
afterAll(async () => c?.stop());

function intents(): number {
  const root = join(c.dir, 'projects');
  if (!existsSync(root)) return 0;
  let n = 0;
  for (const p of readdirSync(root)) {
    const journal = join(root, p, 'journal.jsonl');
    if (existsSync(journal))
      n += readFileSync(journal, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"t":"intent"')).length;
  }
  return n;
}

function named(kind: 'networks' | 'servers' | 'images', name: string): number {
  const state = c.sim.regionState('dst') as unknown as Record<string, { all(): { name?: unknown }[] }>;
  return state[kind]!.all().filter((o) => o.name === name).length;
}

describe('kill -9 of batch run, then --resume', () => {
  it('redoes only what is unfinished, with no duplicate', { timeout: 300_000 }, async () => {
    const file = writeCampaign(c.dir, c.names, 2);
    const child = spawn(
      process.execPath,
      [
        '--import',
        join(REPO_ROOT, 'test/support/ts-register.mjs'),
        join(REPO_ROOT, 'src/bin.ts'),
        '--clouds-yaml',
        c.cloudsYaml,
        'batch',
        'run',
        file,
        '--approve-all',
        '--parallel-projects',
        '3',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, OS_CLOUD: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (_code, signal) => resolve({ signal })),
    );
    const deadline = Date.now() + 180_000;
    while (intents() < 12) {
      if (Date.now() > deadline) throw new Error(`the child never journaled 12 intents; stderr: ${stderr}`);
      if (child.exitCode !== null) throw new Error(`the child ended early (${child.exitCode}); stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    // The lock of the dead process is still there; the states say some project was applying.
    expect(existsSync(join(c.dir, 'campaign.lock'))).toBe(true);
    const states = c.names
      .map((n) => join(c.dir, 'projects', n, 'state.json'))
      .filter((f) => existsSync(f))
      .map((f) => JSON.parse(readFileSync(f, 'utf8')) as { stage: string; status: string });
    expect(states.some((s) => s.stage === 'applying' && s.status === 'running')).toBe(true);

    const refused = await cli(c.cloudsYaml, ['batch', 'run', file, '--approve-all']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--resume/);

    const resumed = await cli(c.cloudsYaml, ['batch', 'run', file, '--approve-all', '--resume']);
    expect(resumed.code, resumed.err).toBe(0);
    for (const name of c.names) {
      expect(named('networks', `${name}-net`), name).toBe(1);
      for (let k = 0; k < 3; k += 1) expect(named('networks', `${name}-extra-${k}`), name).toBe(1);
      expect(named('servers', `${name}-app`), name).toBe(1);
      expect(named('images', `${name}-img`), name).toBe(1);
    }
    const report = JSON.parse(readFileSync(join(c.dir, 'report.json'), 'utf8'));
    expect(report.totals).toMatchObject({ projects: 6, done: 6, failed: 0, audits_clean: 6 });
    expect(existsSync(join(c.dir, 'campaign.lock'))).toBe(false);
  });
});
