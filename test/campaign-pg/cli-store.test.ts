// `--store` / BASCULE_STORE on the batch commands and `bascule worker`: bad input is exit 2 with a message naming
// where the URL came from, no stack trace; the password of a URL is in no message, even when the store is down.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(argv: string[], env: Record<string, string> = {}) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await main(argv, {
      stdout: (s) => out.push(s),
      stderr: (s) => err.push(s),
      isTTY: false,
      signal: new AbortController().signal,
    });
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.env = saved;
  }
}

function campaignFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bascule-cli-store-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(
    file,
    'format: bascule.campaign/v1\nname: c1\ndefaults: {source: {cloud: a}, target: {cloud: b}}\nwaves:\n  - name: w1\n    projects: [{source: {project: p1}}]\n',
  );
  return file;
}

afterEach(() => delete process.env.BASCULE_STORE);

describe('--store and bascule worker', () => {
  it('bascule worker without a store is exit 2 and says what it needs', async () => {
    const r = await run(['worker'], { BASCULE_STORE: '' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bascule worker needs --store postgres:\/\/\.\.\. \(or BASCULE_STORE\)/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a URL that is not PostgreSQL is exit 2 naming --store or BASCULE_STORE', async () => {
    const file = campaignFile();
    const flag = await run(['batch', 'status', file, '--store', 'mysql://u:pw@h/db']);
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/--store: mysql: is not a store/);
    const env = await run(['batch', 'status', file], { BASCULE_STORE: 'not a url' });
    expect(env.code).toBe(2);
    expect(env.err).toMatch(/BASCULE_STORE: not a URL/);
    const worker = await run(['worker', '--store', 'postgres://u:pw@127.0.0.1:1/db', '--concurrency', '0']);
    expect(worker.code).toBe(2);
    expect(worker.err).toMatch(/--concurrency 0: expected an integer from 1 to 64/);
  });

  it('a store that does not answer is reported without its password', async () => {
    const file = campaignFile();
    const secret = 'pw-never-shown-42';
    for (const argv of [
      ['batch', 'status', file, '--store', `postgres://bascule:${secret}@127.0.0.1:1/db`],
      ['batch', 'run', file, '--approve-all', '--store', `postgres://bascule:${secret}@127.0.0.1:1/db`],
      ['worker', '--store', `postgres://bascule:${secret}@127.0.0.1:1/db`],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain('postgres://bascule:***@127.0.0.1:1/db');
      expect(r.out + r.err).not.toContain(secret);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});
