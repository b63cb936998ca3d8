import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  BasculeError,
  EXIT,
  InternalError,
  isBasculeError,
  UsageError,
} from '../../src/shared/errors.js';

describe('errors', () => {
  it('carry a code, a hint and the exit code of their kind', () => {
    const usage = new UsageError('CONFIG_INVALID', 'bad', { hint: 'fix it' });
    expect([usage.code, usage.hint, usage.exitCode, usage.name]).toEqual([
      'CONFIG_INVALID',
      'fix it',
      EXIT.USAGE,
      'UsageError',
    ]);
    expect(new AbortedError().exitCode).toBe(EXIT.INTERRUPTED);
    expect(new AbortedError().code).toBe('ABORTED');
    expect(new InternalError('oops').code).toBe('INTERNAL');
    expect(new BasculeError('X', 'y').exitCode).toBe(EXIT.FAILED);
  });

  it('keep the cause', () => {
    const cause = new Error('root');
    expect(new BasculeError('X', 'y', { cause }).cause).toBe(cause);
    expect('cause' in new BasculeError('X', 'y')).toBe(false);
  });

  it('instanceof BasculeError holds for subclasses and branded copies; subclasses use the prototype chain', () => {
    expect(new UsageError('A', 'b')).toBeInstanceOf(BasculeError);
    expect(isBasculeError(new AbortedError())).toBe(true);
    expect(isBasculeError(new Error('x'))).toBe(false);
    const foreign = Object.assign(new Error('copy'), { [Symbol.for('bascule.error')]: true });
    expect(foreign instanceof BasculeError).toBe(true);
    expect(new BasculeError('A', 'b') instanceof UsageError).toBe(false);
  });

  it('documents the exit codes', () => {
    expect(EXIT).toEqual({ OK: 0, FAILED: 1, USAGE: 2, DIFFERENCES: 3, INTERRUPTED: 130 });
  });
});
