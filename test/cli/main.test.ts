import { describe, expect, it } from 'vitest';
import {
  BATCH_COMMANDS,
  CLOUD_COMMANDS,
  COMMANDS,
  MAPPING_COMMANDS,
  TOOL_COMMANDS,
  WORKER_COMMAND,
} from '../../src/cli/main.js';
import { VERSION } from '../../src/version.js';
import { runCli } from '../support/cli.js';

const run = (argv: string[]) => runCli(argv);

describe('bascule --help', () => {
  it('lists the commands, the global options and the exit codes', async () => {
    const { code, stdout, stderr } = await run(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^bascule <command> \[options\]/);
    expect(stdout).toMatch(/bascule cloud <command>\s+Inspect a cloud/);
    for (const option of ['--format', '--verbose', '--quiet', '--log-file', '--clouds-yaml', '--version', '--help'])
      expect(stdout).toContain(option);
    expect(stdout).toMatch(/"table", "json", "yaml"/);
    expect(stdout).toContain('Exit codes:');
    for (const line of [
      /^\s+0\s+success/m,
      /^\s+1\s+failure/m,
      /^\s+2\s+usage or validation error/m,
      /^\s+3\s+audit found differences/m,
      /^\s+130\s+interrupted/m,
    ])
      expect(stdout).toMatch(line);
  });

  it('`cloud --help` and `cloud info --help` explain the sub-command and --os-cloud', async () => {
    const group = await run(['cloud', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/bascule cloud info\s+Show the token scope/);
    const info = await run(['cloud', 'info', '--help']);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/--os-cloud\s+cloud name in clouds\.yaml/);
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('usage errors exit with 2 and say so on stderr', () => {
  it('an unknown flag', async () => {
    const { code, stdout, stderr } = await run(['--bogus']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Unknown argument: bogus');
    expect(stderr).toContain('bascule --help');
  });

  it('an unknown flag of a sub-command', async () => {
    const { code, stderr } = await run(['cloud', 'info', '--os-cloud', 'x', '--frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown argument: frobnicate');
    // The command did not run: no attempt to load cloud "x".
    expect(stderr).not.toMatch(/unknown cloud|no cloud named/);
  });

  it('no command, a group without its sub-command, an unknown command', async () => {
    expect((await run([])).code).toBe(2);
    const group = await run(['cloud']);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('cloud: name a sub-command');
    const unknown = await run(['teleport']);
    expect(unknown.code).toBe(2);
  });

  it('an output format that does not exist', async () => {
    const { code, stderr } = await run(['cloud', 'info', '--format', 'xml']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Invalid values|choices/i);
    expect(stderr).not.toMatch(/no cloud named/);
  });
});

describe('the command registry (commands load on demand)', () => {
  it('names each command and describes it exactly as its module does', async () => {
    for (const entry of [
      ...COMMANDS,
      ...BATCH_COMMANDS,
      WORKER_COMMAND,
      ...MAPPING_COMMANDS,
      ...CLOUD_COMMANDS,
      ...TOOL_COMMANDS,
    ]) {
      const module = await entry.load();
      expect({ command: module.command, describe: module.describe }).toEqual({
        command: entry.command,
        describe: entry.describe,
      });
    }
  });
});
