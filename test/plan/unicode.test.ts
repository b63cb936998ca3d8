/**
 * Strings that are not Unicode text (a lone surrogate, a noncharacter) are refused at validation with their JSON
 * pointer, in plans, saved dry runs, mappings and campaign files (#13: one reached the cloud). The corpora hold one
 * case each (fixtures/{plans,changes}/invalid/invalid-unicode.json, fixtures/mappings/invalid/invalid-unicode.yaml);
 * this file checks the rule itself, campaign files, and that `apply` stops before any cloud.
 */
import { describe, expect, it } from 'vitest';
import { parseCampaign } from '../../src/campaign/load.js';
import { parsePlan } from '../../src/plan/io.js';
import { findInvalidUnicode, invalidCodePoint } from '../../src/shared/unicode.js';
import { runCli } from '../support/cli.js';

describe('invalidCodePoint', () => {
  it('accepts Unicode text, emoji (surrogate pairs) included', () => {
    for (const text of ['', 'web-1', 'élève', '数据库', 'db 😀 tier', '\u{10FFFD}', 'a\u0000b'])
      expect(invalidCodePoint(text)).toBeUndefined();
  });

  it.each([
    ['front\uD800end', 5, 'a lone surrogate U+D800'],
    ['\uDC00', 0, 'a lone surrogate U+DC00'],
    ['ab\uD83D', 2, 'a lone surrogate U+D83D'],
    ['x\uDE00\uD83D', 1, 'a lone surrogate U+DE00'],
    ['\uFFFE', 0, 'the noncharacter U+FFFE'],
    ['m1.\uFDD0', 3, 'the noncharacter U+FDD0'],
    ['z\u{1FFFF}', 1, 'the noncharacter U+1FFFF'],
    ['\u{10FFFE}', 0, 'the noncharacter U+10FFFE'],
  ])('%j: %s', (text, index, what) => {
    expect(invalidCodePoint(text)).toEqual({ index, what });
  });

  it('finds keys and values deep in a value, with their paths', () => {
    expect(findInvalidUnicode({ a: [{ ['k\uDFFF']: 'ok', v: 'x\uD800' }] })).toEqual([
      { path: ['a', 0, 'k\uDFFF'], inKey: true, problem: { index: 1, what: 'a lone surrogate U+DFFF' } },
      { path: ['a', 0, 'v'], inKey: false, problem: { index: 1, what: 'a lone surrogate U+D800' } },
    ]);
  });
});

describe('the plan reader', () => {
  const plan = (name: string) =>
    `{"format":"bascule.plan/v1","provenance":{"bascule_version":"0.1.0","cloud":"c","exported_at":"2026-11-20T09:30:00Z","project":{"id":"p","name":"p"}},"resources":[{"key":"network:n","kind":"network","spec":{"name":${name}}}]}`;

  it('refuses an escaped lone surrogate, a raw one, and a half pair split by an escape, at the pointer', () => {
    for (const name of ['"front\\ud800end"', '"front\uD800end"', '"\\udc00"', '"a\\ud83d\\u0041"']) {
      const { plan: ok, issues } = parsePlan(plan(name));
      expect(ok).toBeUndefined();
      expect(issues.filter((i) => i.severity === 'error')).toEqual([
        expect.objectContaining({ path: '/resources/0/spec/name', code: 'STRING_INVALID_UNICODE' }),
      ]);
    }
  });

  it('accepts an escaped surrogate pair (an emoji written as \\ud83d\\ude00)', () => {
    const { issues } = parsePlan(plan('"web \\ud83d\\ude00"'));
    expect(issues.filter((i) => i.code === 'STRING_INVALID_UNICODE')).toEqual([]);
  });

  it('points at a key that is not Unicode text', () => {
    const { issues } = parsePlan(plan('"n", "tags\\udfff": []'));
    expect(issues).toContainEqual(
      expect.objectContaining({ path: '/resources/0/spec/tags\uDFFF', code: 'STRING_INVALID_UNICODE' }),
    );
  });
});

describe('campaign files', () => {
  it('refuse a project name with a lone surrogate, at its pointer and line', () => {
    const { value, issues } = parseCampaign(
      'format: bascule.campaign/v1\nname: pi\nwaves:\n  - name: w1\n    projects:\n      - source: { project: "web\\ud800" }\n',
    );
    expect(value).toBeUndefined();
    expect(issues).toEqual([
      expect.objectContaining({
        path: '/waves/0/projects/0/source/project',
        code: 'STRING_INVALID_UNICODE',
        line: 6,
      }),
    ]);
  });
});

describe('bascule apply', () => {
  it('stops with exit 2 at the pointer before any cloud is looked up', async () => {
    const { code, stderr } = await runCli([
      'apply',
      'fixtures/plans/invalid/invalid-unicode.json',
      '--to',
      'no-such-cloud',
      '--dry-run',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('STRING_INVALID_UNICODE');
    expect(stderr).toContain('/resources/5/spec/name');
    expect(stderr).not.toMatch(/no-such-cloud|unknown cloud/);
  });
});
