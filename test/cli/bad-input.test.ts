/**
 * Every command and sub-command, given bad input (a missing file, a bad flag value, an unknown flag), ends with exit
 * 2 and one clear "bascule: ..." line (or the issue list of a file checker), never a stack trace (#13). The list of
 * commands comes from the registry, so a new command without cases here fails this test.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BATCH_COMMANDS,
  CLOUD_COMMANDS,
  COMMANDS,
  editDistance,
  MAPPING_COMMANDS,
  TOOL_COMMANDS,
  WORKER_COMMAND,
} from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bascule-bad-input-'));
const missing = join(dir, 'missing');
const aFile = join(dir, 'a-file');
writeFileSync(aFile, '{}\n');
const noCloud = ['--os-cloud', 'nope', '--clouds-yaml', `${missing}.yaml`];

type Case = [argv: string[], says: string | RegExp];

/** Per command (as `bascule --help` names it): a missing file, a bad flag value, an unknown flag. */
const CASES: Record<string, { missingFile: Case; badValue: Case; unknownFlag: Case }> = {
  export: {
    missingFile: [['export', ...noCloud], `${missing}.yaml: no such file (given with --clouds-yaml)`],
    badValue: [['export', ...noCloud, '--concurrency', '0'], '--concurrency 0: expected an integer from 1 to 256'],
    unknownFlag: [['export', '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  validate: {
    missingFile: [['validate', `${missing}.json`], 'FILE_UNREADABLE'],
    badValue: [['validate', aFile, '--max-bytes', '-1'], '--max-bytes -1: expected an integer'],
    unknownFlag: [['validate', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  apply: {
    missingFile: [['apply', `${missing}.json`, '--dry-run'], `cannot read ${missing}.json`],
    badValue: [['apply', aFile, '--dry-run', '--concurrency', 'NaN'], '--concurrency (not a number)'],
    unknownFlag: [['apply', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  audit: {
    missingFile: [['audit', '--plan', `${missing}.json`, '--to', 'x'], `cannot read ${missing}.json`],
    badValue: [['audit', '--plan', aFile, '--to', 'x', '--concurrency', '1e9'], '--concurrency 1000000000'],
    unknownFlag: [['audit', '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  rollback: {
    missingFile: [['rollback', '--journal', `${missing}.jsonl`, '--yes'], `cannot read the journal ${missing}.jsonl`],
    badValue: [['rollback', '--journal', aFile, '--format', 'xml'], /Invalid values/],
    unknownFlag: [['rollback', '--journal', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  cleanup: {
    missingFile: [['cleanup', '--journal', `${missing}.jsonl`], `cannot read the journal ${missing}.jsonl`],
    badValue: [['cleanup', '--journal', aFile, '--format', 'xml'], /Invalid values/],
    unknownFlag: [['cleanup', '--journal', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  'batch plan': {
    missingFile: [['batch', 'plan', `${missing}.yaml`], `cannot read ${missing}.yaml`],
    badValue: [['batch', 'plan', aFile, '--parallel-projects', '0'], '--parallel-projects 0'],
    unknownFlag: [['batch', 'plan', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  'batch run': {
    missingFile: [['batch', 'run', `${missing}.yaml`], `cannot read ${missing}.yaml`],
    badValue: [['batch', 'run', aFile, '--max-failures', '-1'], '--max-failures -1: expected an integer from 0'],
    unknownFlag: [['batch', 'run', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  'batch status': {
    missingFile: [['batch', 'status', `${missing}.yaml`], `cannot read ${missing}.yaml`],
    badValue: [['batch', 'status', aFile, '--format', 'xml'], /Invalid values/],
    unknownFlag: [['batch', 'status', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  'batch report': {
    missingFile: [['batch', 'report', `${missing}.yaml`], `cannot read ${missing}.yaml`],
    badValue: [['batch', 'report', aFile, '--format', 'xml'], /Invalid values/],
    unknownFlag: [['batch', 'report', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  'batch rollback': {
    missingFile: [['batch', 'rollback', `${missing}.yaml`, '--project', 'x', '--yes'], `cannot read ${missing}.yaml`],
    badValue: [['batch', 'rollback', aFile, '--format', 'xml'], /Invalid values/],
    unknownFlag: [['batch', 'rollback', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  'mapping validate': {
    missingFile: [['mapping', 'validate', `${missing}.yaml`], 'FILE_UNREADABLE'],
    badValue: [['mapping', 'validate', aFile, '--plan', aFile, '--max-entries', '2.5'], '--max-entries 2.5'],
    unknownFlag: [['mapping', 'validate', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  'mapping invert': {
    missingFile: [['mapping', 'invert', `${missing}.yaml`], 'FILE_UNREADABLE'],
    badValue: [['mapping', 'invert', aFile, '--format', 'xml'], /Invalid values/],
    unknownFlag: [['mapping', 'invert', aFile, '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  'cloud info': {
    missingFile: [['cloud', 'info', ...noCloud], `${missing}.yaml: no such file (given with --clouds-yaml)`],
    badValue: [['cloud', 'info', ...noCloud, '--format', 'xml'], /Invalid values/],
    unknownFlag: [['cloud', 'info', '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  worker: {
    missingFile: [
      ['worker', '--clouds-yaml', `${missing}.yaml`, '--store', 'postgres://u@127.0.0.1:1/db'],
      `${missing}.yaml: no such file (given with --clouds-yaml)`,
    ],
    badValue: [['worker', '--concurrency', '0'], '--concurrency 0: expected an integer from 1 to 64'],
    unknownFlag: [['worker', '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  demo: {
    missingFile: [['demo', '--dir', join(aFile, 'inside')], 'cannot make a directory there'],
    badValue: [['demo', '--format', 'xml'], /Invalid values/],
    unknownFlag: [['demo', '--frobnicate'], 'Unknown argument: frobnicate'],
  },
  sim: {
    missingFile: [['sim', '--seed', `${missing}.yaml`], `${missing}.yaml`],
    badValue: [['sim', '--fault-rate', '2'], '--fault-rate 2: expected a number from 0 to 1'],
    unknownFlag: [['sim', '--frobnicate'], 'Unknown argument: frobnicate'],
  },
};

const names = (list: readonly { command: string }[], prefix = '') =>
  list.map((c) => `${prefix}${c.command.split(' ')[0]!}`);

describe('every command, given bad input', () => {
  it('has its cases here (the registry and this table agree)', () => {
    const all = [
      ...names(COMMANDS),
      ...names(BATCH_COMMANDS, 'batch '),
      WORKER_COMMAND.command,
      ...names(MAPPING_COMMANDS, 'mapping '),
      ...names(CLOUD_COMMANDS, 'cloud '),
      ...names(TOOL_COMMANDS),
    ];
    expect(Object.keys(CASES).sort()).toEqual(all.sort());
  });

  for (const [command, cases] of Object.entries(CASES)) {
    for (const [what, [argv, says]] of Object.entries(cases)) {
      it(`${command}: ${what} is exit 2, one clear line, no stack trace`, async () => {
        const { code, stdout, stderr } = await runCli(argv);
        const output = `${stdout}${stderr}`;
        expect(output).not.toMatch(/^\s+at /m);
        expect(output).not.toContain('internal error');
        expect(output).toMatch(
          typeof says === 'string' ? new RegExp(says.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : says,
        );
        expect(code).toBe(2);
        // One clear line first: "bascule: ..." or, from the file checkers (validate, mapping), the first issue.
        expect((stderr || stdout).split('\n')[0]).toMatch(/^(bascule: \S|error\s+\S)/);
      });
    }
  }
});

describe('an unknown command', () => {
  it('names the nearest command when there is one', async () => {
    const { code, stderr } = await runCli(['valdate', 'plan.json']);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe('bascule: unknown command "valdate": did you mean "validate"?');
    const sub = await runCli(['batch', 'rnu', 'c.yaml']);
    expect(sub.code).toBe(2);
    expect(sub.stderr.split('\n')[0]).toBe('bascule: unknown command "batch rnu": did you mean "batch run"?');
  });

  it('lists the commands when none is near (bascule frobnicate); bascule wroker is one edit from worker', async () => {
    const { code, stdout, stderr } = await runCli(['frobnicate']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toBe(
      'bascule: unknown command "frobnicate": the commands are: export, validate, apply, audit, rollback, cleanup, batch, mapping, cloud, worker, demo, sim',
    );
    const near = await runCli(['wroker']);
    expect(near.code).toBe(2);
    expect(near.stderr.split('\n')[0]).toBe('bascule: unknown command "wroker": did you mean "worker"?');
  });

  it('counts a transposition as one edit', () => {
    expect(editDistance('wroker', 'worker')).toBe(1);
    expect(editDistance('valdate', 'validate')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('numeric flags are range-checked before anything runs', () => {
  it.each([
    [['export', '--concurrency', '-1'], '--concurrency -1'],
    [['apply', 'p.json', '--transfer-concurrency', '0'], '--transfer-concurrency 0'],
    [['apply', 'p.json', '--concurrency', '2', '--concurrency', '3'], '--concurrency is given 2 times'],
    [['batch', 'plan', 'c.yaml', '--max-transfers', 'many'], '--max-transfers (not a number)'],
    [['sim', '--latency', '1.5'], '--latency 1.5: expected an integer'],
    [['validate', 'p.json', '--max-entries', '1e300'], '--max-entries 1e+300'],
    // Given without a value (yargs would fill in the default): refused, not defaulted.
    [['validate', 'p.json', '--max-entries'], '--max-entries needs a value: an integer from 1 to 10000000'],
    [['export', '--concurrency', '--os-cloud', 'a'], '--concurrency needs a value: an integer from 1 to 256'],
  ])('%j', async (argv, says) => {
    const { code, stderr } = await runCli(argv);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toContain(says);
  });
});
