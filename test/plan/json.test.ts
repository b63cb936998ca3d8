import { describe, expect, it } from 'vitest';
import { lineColumn, safeParseJson, scanJson, toPointer } from '../../src/plan/json.js';
import { parsePlan } from '../../src/plan/io.js';

const codes = (text: string, limits = {}): string[] => scanJson(text, limits).map((i) => i.code);

describe('scanJson', () => {
  it('accepts what JSON.parse accepts', () => {
    for (const text of [
      '{}',
      '[]',
      '0',
      '-0.5e+10',
      '"a\\u00e9\\n"',
      ' {"a": [1, true, false, null, {"b": "c"}]} ',
      '1E3',
    ]) {
      expect(scanJson(text)).toEqual([]);
      expect(safeParseJson(text).value).toEqual(JSON.parse(text));
    }
  });

  it('refuses what JSON.parse refuses, with line and column', () => {
    const cases: [string, number, number][] = [
      ['{"a": 1,}', 1, 9],
      ['{\n  "a": tru\n}', 2, 8],
      ['[1 2]', 1, 4],
      ["{'a': 1}", 1, 2],
      ['{"a": 01}', 1, 7],
      ['{"a": 1.}', 1, 9],
      ['{"a": "x\ny"}', 1, 9],
      ['{"a": "\\x"}', 1, 8],
      ['{"a": 1} x', 1, 10],
      ['', 1, 1],
      ['{"a": "open', 1, 7],
    ];
    for (const [text, line, column] of cases) {
      expect(() => JSON.parse(text)).toThrow();
      const issues = scanJson(text);
      expect(issues, text).toHaveLength(1);
      expect(issues[0]).toMatchObject({ code: 'JSON_SYNTAX', line, column, severity: 'error' });
    }
  });

  it('gives the JSON pointer of a syntax error', () => {
    expect(scanJson('{"resources": [{"key": "a/b~c", "spec": {"x": }}]}')[0]?.path).toBe('/resources/0/spec/x');
    expect(toPointer(['a/b', 'c~d', 0])).toBe('/a~1b/c~0d/0');
  });

  it('refuses deep nesting without recursing into it', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const issues = scanJson(deep);
    expect(issues.map((i) => i.code)).toEqual(['JSON_TOO_DEEP']);
    expect(codes('[[[1]]]', { maxDepth: 2 })).toEqual(['JSON_TOO_DEEP']);
    expect(codes('[[[1]]]', { maxDepth: 3 })).toEqual([]);
  });

  it('refuses __proto__, constructor and prototype keys, escaped or not, and pollutes nothing', () => {
    for (const key of ['__proto__', 'constructor', 'prototype', '\\u005f_proto__']) {
      expect(codes(`{"a": {"${key}": {"polluted": true}}}`)).toEqual(['JSON_FORBIDDEN_KEY']);
    }
    const result = parsePlan('{"format": "bascule.plan/v1", "__proto__": {"polluted": true}}');
    expect(result.issues.map((i) => i.code)).toEqual(['JSON_FORBIDDEN_KEY']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses duplicate keys, even spelled with escapes', () => {
    expect(codes('{"a": 1, "b": 2, "a": 3}')).toEqual(['JSON_DUPLICATE_KEY']);
    expect(codes('{"a": 1, "\\u0061": 3}')).toEqual(['JSON_DUPLICATE_KEY']);
    // Past 16 keys the keys seen are kept in a set: a duplicate is found on either side of that point.
    const many = Array.from({ length: 20 }, (_, i) => `"k${i}": ${i}`);
    expect(codes(`{${[...many, '"k3": 0'].join(', ')}}`)).toEqual(['JSON_DUPLICATE_KEY']);
    expect(codes(`{${[...many, '"k19": 0'].join(', ')}}`)).toEqual(['JSON_DUPLICATE_KEY']);
    expect(codes(`{${many.join(', ')}}`)).toEqual([]);
    expect(codes('[{"a": 1}, {"a": 2}]')).toEqual([]);
  });

  it('refuses numbers out of range or not exact', () => {
    expect(codes('[1e400]')).toEqual(['JSON_NUMBER_RANGE']);
    expect(codes('[-1e400]')).toEqual(['JSON_NUMBER_RANGE']);
    expect(codes('[9007199254740993]')).toEqual(['JSON_NUMBER_RANGE']);
    expect(codes('[9007199254740991, 1e300, 0.1]')).toEqual([]);
  });

  it('refuses strings of megabytes, and reports them all up to the issue limit', () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    expect(codes(`{"a": "${big}"}`)).toEqual(['JSON_STRING_TOO_LONG']);
    expect(codes(`{"a": "${'y'.repeat(20)}"}`, { maxStringLength: 10 })).toEqual(['JSON_STRING_TOO_LONG']);
    const many = `[${Array.from({ length: 50 }, () => '"aaaa"').join(',')}]`;
    expect(codes(many, { maxStringLength: 2, maxIssues: 5 })).toHaveLength(5);
  });

  it('safeParseJson: its quick scan (strings skipped to their quote) gives what the careful scan and JSON.parse give', () => {
    // Strings with escaped quotes and backslashes, before and after others: the quick scan reads them with care.
    for (const text of [
      '{"a": "x\\"y", "b": "\\\\", "c": "z", "d": ["\\u0041\\n", "plain"]}',
      '{"k\\"ey": 1, "key": 2}',
      '["\\\\\\"", "a", "b\\\\"]',
    ]) {
      expect(safeParseJson(text), text).toEqual({ value: JSON.parse(text), issues: [] });
    }
    // Problems in strings: the same issues as the careful scan (scanJson), with their lines and columns.
    for (const [text, limits] of [
      ['{"a": "tab\there"}', {}],
      ['{"a": "ok\\n", "b": "x\u0001y"}', {}],
      ['{\n  "a": "x",\n  "b": "line\nbreak"\n}', {}],
      ['{"a": "open', {}],
      ['{"a": "x\\"}', {}],
      ['{"a": "long enough", "b": "\\"still long\\""}', { maxStringLength: 5 }],
      ['{"a": 1, "a": "\u0002"}', {}],
    ] as [string, object][]) {
      const issues = scanJson(text, limits);
      expect(issues.length, text).toBeGreaterThan(0);
      expect(safeParseJson(text, limits), text).toEqual({ issues });
    }
  });

  it('computes line and column', () => {
    expect(lineColumn('ab\ncd\nef', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd\nef', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('ab\ncd\nef', 6)).toEqual({ line: 3, column: 1 });
  });
});

describe('parsePlan on hostile input', () => {
  it('ignores a UTF-8 byte order mark with a warning', () => {
    const result = parsePlan('\uFEFF{"format": "bascule.plan/v9"}');
    expect(result.issues.map((i) => [i.severity, i.code])).toEqual([
      ['warning', 'JSON_BOM'],
      ['error', 'PLAN_VERSION_NEWER'],
    ]);
  });

  it('refuses text over the size limit before parsing it', () => {
    const result = parsePlan(`{"format": "bascule.plan/v1", "pad": "${'x'.repeat(2000)}"}`, { maxBytes: 1000 });
    expect(result.issues.map((i) => i.code)).toEqual(['PLAN_TOO_LARGE']);
  });

  it('counts the size in UTF-8 bytes', () => {
    const text = `{"a": "${'é'.repeat(600)}"}`; // 600 characters, 1200 bytes
    expect(parsePlan(text, { maxBytes: 1000 }).issues.map((i) => i.code)).toEqual(['PLAN_TOO_LARGE']);
  });

  it('stops at the depth limit on a long run of nested objects instead of overflowing the stack', () => {
    const result = parsePlan('{"a":'.repeat(1_000_000));
    expect(result.issues.map((i) => i.code)).toEqual(['JSON_TOO_DEEP']);
  });
});
