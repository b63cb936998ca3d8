import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, UsageError } from '../../src/shared/errors.js';
import { canonicalizePlan, serializePlan, stringifyCanonical } from '../../src/plan/canonical.js';
import { PlanInvalidError, parsePlan, readPlan, validatePlanFile, writePlan } from '../../src/plan/io.js';
import type { Plan } from '../../src/plan/types.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bascule-plan-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function example(name = 'web-two-tier'): Promise<Plan> {
  const result = parsePlan(await readFile(`plans/${name}.plan.json`, 'utf8'));
  return result.plan!;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

describe('canonical JSON', () => {
  it('sorts keys, indents by two spaces and ends with a newline', () => {
    expect(stringifyCanonical({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      3,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it('keeps a "__proto__" own key as data instead of setting a prototype', () => {
    const value = JSON.parse('{"b": 1, "__proto__": {"x": 1}}') as unknown;
    expect(stringifyCanonical(value)).toBe('{\n  "__proto__": {\n    "x": 1\n  },\n  "b": 1\n}\n');
  });

  it('gives byte-identical output whatever the order of resources, keys and unordered references', async () => {
    const plan = await example();
    const reference = serializePlan(plan);
    for (const seed of [1, 2, 3]) {
      const scrambled = reverseKeys({ ...plan, resources: shuffled(plan.resources, seed) }) as Plan;
      for (const resource of scrambled.resources) {
        const groups = resource.refs?.security_groups;
        if (Array.isArray(groups)) groups.reverse();
      }
      expect(serializePlan(scrambled)).toBe(reference);
    }
  });

  it('keeps ordered references (NIC and device order) as they are', async () => {
    const plan = await example();
    const server = plan.resources.find((r) => r.key === 'server:db-1')!;
    server.refs!.ports = ['port:web-2/eth0', 'port:db-1/eth0'];
    server.refs!.security_groups = ['security_group:web', 'security_group:db'];
    const out = canonicalizePlan(plan).resources.find((r) => r.key === 'server:db-1')!;
    expect(out.refs!.ports).toEqual(['port:web-2/eth0', 'port:db-1/eth0']);
    expect(out.refs!.security_groups).toEqual(['security_group:db', 'security_group:web']);
  });
});

describe('writePlan and readPlan', () => {
  it('writes canonically with mode 0600 and reads back the same plan', async () => {
    const plan = await example();
    const path = join(dir, 'out.plan.json');
    await writePlan(path, { ...plan, resources: [...plan.resources].reverse() });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe(await readFile('plans/web-two-tier.plan.json', 'utf8'));
    const read = await readPlan(path);
    expect(read.issues).toEqual([]);
    expect(read.plan).toEqual(canonicalizePlan(plan));
  });

  it('refuses to write a plan with errors and leaves no file', async () => {
    const plan = await example();
    plan.resources.push({ kind: 'network', key: 'network:frontend', spec: { name: 'dup' } });
    const path = join(dir, 'bad.plan.json');
    await expect(writePlan(path, plan)).rejects.toBeInstanceOf(PlanInvalidError);
    await expect(stat(path)).rejects.toThrow();
  });

  it('readPlan throws PlanInvalidError (a UsageError, PLAN_INVALID, exit 2) carrying every issue', async () => {
    const path = join(dir, 'invalid.plan.json');
    await writeFile(path, await readFile('fixtures/plans/invalid/references.json'));
    const error = await readPlan(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanInvalidError);
    expect(error).toBeInstanceOf(UsageError);
    const planError = error as PlanInvalidError;
    expect(planError.code).toBe('PLAN_INVALID');
    expect(planError.exitCode).toBe(EXIT.USAGE);
    expect(planError.issues.filter((i) => i.severity === 'error')).toHaveLength(5);
    expect(planError.message).toContain(path);
    expect(planError.report()).toContain('REF_UNRESOLVED');
  });

  it('returns warnings with a usable plan', async () => {
    const plan = await example('boot-from-volume');
    const twin = structuredClone(plan.resources.find((r) => r.key === 'network:app')!);
    twin.key = 'network:app~2';
    plan.resources.push(twin);
    const path = join(dir, 'warn.plan.json');
    await writePlan(path, plan);
    const read = await readPlan(path);
    expect(read.issues.map((i) => [i.severity, i.code])).toEqual([['warning', 'DUPLICATE_NAME']]);
    expect(read.plan.resources).toHaveLength(plan.resources.length);
  });
});

describe('validatePlanFile', () => {
  it('reports a missing file, a directory, a file over the limit, UTF-16 and invalid UTF-8 as issues', async () => {
    const code = async (path: string, maxBytes?: number): Promise<string[]> =>
      (await validatePlanFile(path, maxBytes === undefined ? {} : { maxBytes })).issues.map((i) => i.code);
    expect(await code(join(dir, 'nope.json'))).toEqual(['FILE_UNREADABLE']);
    expect(await code(dir)).toEqual(['FILE_UNREADABLE']);
    const big = join(dir, 'big.json');
    await writeFile(big, `{"pad": "${'x'.repeat(5000)}"}`);
    expect(await code(big, 1000)).toEqual(['PLAN_TOO_LARGE']);
    const utf16 = join(dir, 'utf16.json');
    await writeFile(utf16, Buffer.from('\uFEFF{}', 'utf16le'));
    expect(await code(utf16)).toEqual(['JSON_ENCODING']);
    const latin1 = join(dir, 'latin1.json');
    await writeFile(latin1, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
    expect(await code(latin1)).toEqual(['JSON_ENCODING']);
  });

  it('validates a good file with a BOM, with one warning', async () => {
    const path = join(dir, 'bom.plan.json');
    await writeFile(path, `\uFEFF${await readFile('plans/ipv6.plan.json', 'utf8')}`);
    const result = await validatePlanFile(path);
    expect(result.issues.map((i) => i.code)).toEqual(['JSON_BOM']);
    expect(result.plan?.format).toBe('bascule.plan/v1');
  });
});
