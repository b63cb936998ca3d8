import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicWriteFile } from '../../src/shared/fs.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bascule-fs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('atomicWriteFile', () => {
  it('writes (and replaces) a file with mode 0600 and leaves no temporary file', async () => {
    const path = join(dir, 'plan.json');
    await writeFile(path, 'old');
    await atomicWriteFile(path, '{"new":true}');
    expect(await readFile(path, 'utf8')).toBe('{"new":true}');
    await atomicWriteFile(join(dir, 'bin'), new Uint8Array([1, 2, 3]), 0o640);
    expect((await stat(join(dir, 'bin'))).mode & 0o777).toBe(0o640);
    expect((await stat(join(dir, 'bin'))).size).toBe(3);
    expect((await readdir(dir)).sort()).toEqual(['bin', 'plan.json']);
  });

  it('fails cleanly when the directory does not exist', async () => {
    await expect(atomicWriteFile(join(dir, 'missing', 'x.json'), 'x')).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('new files get 0600 by default', async () => {
    const path = join(dir, 'journal.ndjson');
    await atomicWriteFile(path, 'line\n');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});
