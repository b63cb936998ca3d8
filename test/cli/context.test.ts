import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { UsageError } from '../../src/shared/errors.js';
import { rememberSecret } from '../../src/shared/secret.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bascule-context-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture(): { io: { stdout: (t: string) => void; stderr: (t: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, out, err };
}

describe('createContext', () => {
  it('defaults: table output, not quiet, not verbose, no clouds files', () => {
    const { io } = capture();
    const ctx = createContext({}, { ...io, isTTY: false });
    expect([ctx.format, ctx.quiet, ctx.verbose, ctx.interactive, ctx.cloudsFiles]).toEqual([
      'table',
      false,
      false,
      false,
      [],
    ]);
    expect(ctx.signal.aborted).toBe(false);
  });

  it('progress only on a TTY, in table format, when not quiet', () => {
    expect(createContext({}, { isTTY: true }).interactive).toBe(true);
    expect(createContext({ quiet: true }, { isTTY: true }).interactive).toBe(false);
    expect(createContext({ format: 'json' }, { isTTY: true }).interactive).toBe(false);
    expect(createContext({ format: 'yaml' }, { isTTY: true }).interactive).toBe(false);
    expect(createContext({}, { isTTY: false }).interactive).toBe(false);
  });

  it('log levels on stderr: warnings by default, debug with --verbose, errors only with --quiet', () => {
    for (const [args, expected] of [
      [{}, ['warn: w', 'error: e']],
      [{ verbose: true }, ['debug: d', 'i', 'warn: w', 'error: e']],
      [{ quiet: true }, ['error: e']],
    ] as const) {
      const { io, err } = capture();
      const ctx = createContext(args, io);
      ctx.logger.debug('d');
      ctx.logger.info('i');
      ctx.logger.warn('w');
      ctx.logger.error('e');
      expect(err.map((l) => l.trimEnd())).toEqual(expected);
    }
  });

  it('--log-file writes redacted JSON lines whatever the stderr level', async () => {
    const file = join(dir, 'run.log');
    rememberSecret('tok-Context-LogFile-1');
    const { io, err } = capture();
    const ctx = createContext({ quiet: true, 'log-file': file }, io);
    ctx.logger.debug('http', { url: 'http://x', token: 'tok-Context-LogFile-1' });
    expect(err).toEqual([]);
    const line = JSON.parse((await readFile(file, 'utf8')).trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'debug', event: 'http', url: 'http://x', token: '[redacted]' });
  });

  it('a --log-file that cannot be written is a usage error at once', () => {
    const file = join(dir, 'no', 'such', 'dir.log');
    expect(() => createContext({ 'log-file': file })).toThrow(UsageError);
    expect(() => createContext({ 'log-file': file })).toThrow(`--log-file ${file}: cannot write it (ENOENT)`);
  });

  it('--clouds-yaml becomes the first clouds file; the signal is the one given', () => {
    const controller = new AbortController();
    const ctx = createContext({ 'clouds-yaml': '/tmp/c.yaml' }, { signal: controller.signal });
    expect(ctx.cloudsFiles).toEqual(['/tmp/c.yaml']);
    controller.abort();
    expect(ctx.signal.aborted).toBe(true);
  });
});
