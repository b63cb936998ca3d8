import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { rememberSecret, secret } from '../../src/shared/secret.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bascule-logger-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createLogger', () => {
  it('writes human lines at or above the stderr level', () => {
    const lines: string[] = [];
    const logger = createLogger({ stderrLevel: 'info', write: (l) => lines.push(l) });
    logger.debug('hidden');
    logger.info('shown', { n: 1 });
    logger.warn('careful', { what: 'x y' });
    logger.error('bad', { detail: { a: 1 } });
    expect(lines).toEqual(['shown n=1', 'warn: careful what=x y', 'error: bad detail={"a":1}']);
  });

  it('appends redacted JSON lines to the log file, mode 0600', async () => {
    const file = join(dir, 'run.log');
    rememberSecret('tok-Logger-File-1');
    const pw = secret('pw-Logger-File-2');
    const logger = createLogger({ stderrLevel: 'silent', file, write: () => undefined });
    logger.debug('sent tok-Logger-File-1', {
      password: 'pw-Logger-File-2',
      headers: { 'x-auth-token': 'tok-Logger-File-1' },
      url: 'http://x/?q=tok-Logger-File-1',
      pw,
    });
    logger.info('second');
    const text = await readFile(file, 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'debug',
      event: 'sent [redacted]',
      password: '[redacted]',
      headers: { 'x-auth-token': '[redacted]' },
      url: 'http://x/?q=[redacted]',
      pw: '[redacted]',
    });
    expect(typeof lines[0]?.time).toBe('string');
    expect(text).not.toContain('tok-Logger-File-1');
    expect(text).not.toContain('pw-Logger-File-2');
    const { stat } = await import('node:fs/promises');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('honours the file level', async () => {
    const file = join(dir, 'info.log');
    const logger = createLogger({ stderrLevel: 'silent', file, fileLevel: 'warn', write: () => undefined });
    logger.info('not written');
    logger.warn('written');
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(1);
  });
});
