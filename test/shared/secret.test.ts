import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isSecretKey, redact, rememberSecret, scrubText, Secret, secret } from '../../src/shared/secret.js';

describe('Secret', () => {
  it('prints as [redacted] on every path to text; reveal() gives the value', () => {
    const s = secret('s3cret-Value-For-Secret-Test');
    expect(s.reveal()).toBe('s3cret-Value-For-Secret-Test');
    for (const text of [
      String(s),
      `${s.toString()}`,
      JSON.stringify({ s }),
      inspect(s),
      inspect({ nested: { s } }, { depth: 5 }),
    ]) {
      expect(text).not.toContain('s3cret-Value-For-Secret-Test');
      expect(text).toContain(Secret.redacted);
    }
  });
});

describe('scrubText', () => {
  it('removes every registered secret value, wherever it appears', () => {
    secret('pw-Scrub-Registered-1');
    rememberSecret('gAAAAA-token-Scrub-2');
    expect(scrubText('auth with pw-Scrub-Registered-1 gave gAAAAA-token-Scrub-2 twice gAAAAA-token-Scrub-2')).toBe(
      'auth with [redacted] gave [redacted] twice [redacted]',
    );
  });

  it('does not register very short values (they would shred ordinary text)', () => {
    secret('abc');
    rememberSecret('');
    expect(scrubText('abc is a word')).toBe('abc is a word');
  });
});

describe('isSecretKey', () => {
  it('knows secret-bearing names, not the harmless token_expires', () => {
    for (const key of [
      'password',
      'adminPass',
      'application_credential_secret',
      'X-Auth-Token',
      'x-subject-token',
      'token',
      'private_key',
      'secret',
    ])
      expect(isSecretKey(key)).toBe(true);
    for (const key of [
      'name',
      'expires_at',
      'token_expires',
      'tokenExpiresAt',
      'password_expires_at',
      'token_ttl',
      'status',
      'user_id',
    ])
      expect(isSecretKey(key)).toBe(false);
  });
});

describe('redact', () => {
  it('replaces secret-named fields and scrubs known values, deeply, without changing the input', () => {
    rememberSecret('tok-Redact-Deep-3');
    const input = {
      user: 'u',
      password: 'plain',
      headers: { 'X-Auth-Token': 'abc' },
      list: [{ adminPass: 'x1' }, 'has tok-Redact-Deep-3 inside'],
      nested: { secret: null, n: 3 },
      s: new Secret('v-Redact-4'),
    };
    const out = redact(input);
    expect(out).toEqual({
      user: 'u',
      password: '[redacted]',
      headers: { 'X-Auth-Token': '[redacted]' },
      list: [{ adminPass: '[redacted]' }, 'has [redacted] inside'],
      nested: { secret: null, n: 3 },
      s: '[redacted]',
    });
    expect(input.password).toBe('plain');
  });

  it('stops at a depth limit instead of recursing forever', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 100; i++) deep = { next: deep };
    expect(JSON.stringify(redact(deep))).toContain('[redacted]');
  });
});
