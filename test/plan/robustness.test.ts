/** Whatever the document, validation returns issues and never throws: a seeded random mutation run. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/io.js';
import { validatePlan } from '../../src/plan/validate.js';

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  '',
  'x',
  '10.0.0.0/8',
  'network:frontend',
  [],
  [null],
  {},
  { kind: 'server' },
  ['port:web-1/eth0', 5],
];

function mutate(value: unknown, random: () => number): unknown {
  const containers: (Record<string, unknown> | unknown[])[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'object' && node !== null) {
      containers.push(node as Record<string, unknown>);
      for (const child of Object.values(node)) walk(child);
    }
  };
  walk(value);
  const target = containers[Math.floor(random() * containers.length)]!;
  const keys = Object.keys(target);
  const odd = ODD_VALUES[Math.floor(random() * ODD_VALUES.length)];
  if (keys.length === 0 || random() < 0.2) {
    if (Array.isArray(target)) target.push(odd);
    else target[`extra${Math.floor(random() * 3)}`] = odd;
  } else {
    const key = keys[Math.floor(random() * keys.length)]!;
    if (random() < 0.3) {
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete target[key];
    } else (target as Record<string, unknown>)[key] = odd;
  }
  return value;
}

describe('validation robustness', () => {
  it('returns issues for 500 randomly broken plans without throwing', () => {
    const text = readFileSync('plans/web-two-tier.plan.json', 'utf8');
    const random = prng(20261128);
    let withErrors = 0;
    for (let round = 0; round < 500; round += 1) {
      const doc = JSON.parse(text) as unknown;
      const steps = 1 + Math.floor(random() * 4);
      for (let i = 0; i < steps; i += 1) mutate(doc, random);
      const issues = validatePlan(doc);
      expect(Array.isArray(issues)).toBe(true);
      for (const issue of issues) {
        expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
        expect(issue.code).toMatch(/^[A-Z0-9_]+$/);
      }
      if (issues.some((i) => i.severity === 'error')) withErrors += 1;
    }
    expect(withErrors).toBeGreaterThan(300);
  });

  it('returns issues for truncated and corrupted text without throwing', () => {
    const text = readFileSync('plans/ipv6.plan.json', 'utf8');
    const random = prng(7);
    for (let round = 0; round < 200; round += 1) {
      const cut = Math.floor(random() * text.length);
      const corrupted =
        random() < 0.5
          ? text.slice(0, cut)
          : `${text.slice(0, cut)}${String.fromCharCode(Math.floor(random() * 128))}${text.slice(cut + 1)}`;
      const result = parsePlan(corrupted);
      expect(Array.isArray(result.issues)).toBe(true);
      if (result.plan === undefined) expect(result.issues.some((i) => i.severity === 'error')).toBe(true);
    }
  });
});
