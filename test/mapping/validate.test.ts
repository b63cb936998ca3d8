import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AZ_KINDS,
  loadMapping,
  MAPPING_FIELDS,
  MAPPING_SCHEMA,
  MappingInvalidError,
  NAMED_KINDS,
  parseMapping,
  validateMapping,
  validateMappingFile,
} from '../../src/mapping/index.js';
import { PLAN_KINDS } from '../../src/plan/kinds.js';
import { EXIT, UsageError } from '../../src/shared/errors.js';

const CORPUS = 'fixtures/mappings/invalid';

interface Expected {
  severity: 'error' | 'warning';
  path: string;
  code: string;
  line?: number;
}

describe('invalid corpus (fixtures/mappings/invalid)', () => {
  const cases = readdirSync(CORPUS).filter((name) => !name.endsWith('.issues.json'));
  it('has a case for every expected-issues file and the reverse', () => {
    const expected = readdirSync(CORPUS).filter((name) => name.endsWith('.issues.json'));
    expect(cases.length).toBeGreaterThanOrEqual(12);
    expect(expected.map((n) => n.replace('.issues.json', '')).sort()).toEqual(
      cases.map((n) => n.replace(/\.(yaml|json)$/, '')).sort(),
    );
  });
  for (const name of cases) {
    it(`${name}: exactly the expected paths and codes, each with a message`, async () => {
      const expected = JSON.parse(
        readFileSync(join(CORPUS, name.replace(/\.(yaml|json)$/, '.issues.json')), 'utf8'),
      ) as Expected[];
      const result = await validateMappingFile(join(CORPUS, name));
      const got = result.issues.map((i) => ({
        severity: i.severity,
        path: i.path,
        code: i.code,
        ...(i.line === undefined ? {} : { line: i.line }),
      }));
      expect(got).toEqual(expected);
      expect(expected.some((i) => i.severity === 'error')).toBe(true);
      expect(result.mapping).toBeUndefined();
      for (const issue of result.issues) expect(issue.message.length).toBeGreaterThan(5);
    });
  }
});

describe('parseMapping', () => {
  it('accepts JSON as well as YAML and returns the mapping', () => {
    const json = parseMapping(JSON.stringify({ format: 'bascule.mapping/v1', volume_types: [{ from: 'a', to: 'b' }] }));
    expect(json.issues).toEqual([]);
    expect(json.mapping?.volume_types).toEqual([{ from: 'a', to: 'b' }]);
    const yaml = parseMapping('format: bascule.mapping/v1\nvolume_types:\n  - from: a\n    to: b\n');
    expect(yaml.mapping).toEqual(json.mapping);
  });

  it('gives the line and column of the value at fault, and of the key for an unknown field', () => {
    const text =
      'format: bascule.mapping/v1\nflavors:\n  - from: { name: m1.small }\n    to: { name: s1.small, bogus: 1 }\n  - from: { vcpus: "two" }\n    to: { name: x }\n';
    const { issues } = parseMapping(text);
    const unknown = issues.find((i) => i.code === 'SCHEMA_UNKNOWN_FIELD')!;
    expect(unknown).toMatchObject({ path: '/flavors/0/to/bogus', line: 4, column: 27 });
    const type = issues.find((i) => i.code === 'SCHEMA_TYPE')!;
    expect(type).toMatchObject({ path: '/flavors/1/from/vcpus', line: 5, column: 20 });
  });

  it('keeps YAML 1.2 core semantics: no, yes, on and off are strings (no Norway problem)', () => {
    const { mapping, issues } = parseMapping(
      'format: bascule.mapping/v1\navailability_zones:\n  - { from: no, to: on }\n',
    );
    expect(issues).toEqual([]);
    expect(mapping?.availability_zones).toEqual([{ from: 'no', to: 'on' }]);
  });

  it('refuses merge keys and anchors that explode', () => {
    const merge = parseMapping(
      'format: bascule.mapping/v1\nbase: &b { from: a, to: b }\nvolume_types:\n  - { <<: *b }\n',
    );
    expect(merge.mapping).toBeUndefined();
    const lines = ['format: bascule.mapping/v1', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i += 1)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    const bomb = parseMapping(`${lines.join('\n')}\n`);
    expect(bomb.mapping).toBeUndefined();
    expect(bomb.issues.some((i) => i.severity === 'error')).toBe(true);
  });

  it('ignores a byte order mark', () => {
    expect(parseMapping('\ufeffformat: bascule.mapping/v1\n').issues).toEqual([]);
  });

  it('warns but accepts a region that "regions" does not list, and an include/exclude overlap', () => {
    const { mapping, issues } = parseMapping(
      'format: bascule.mapping/v1\nregions: [{ from: r1, to: t1 }]\nvolume_types: [{ from: a, to: b, region: r9 }]\ninclude: { kinds: [server, quota] }\nexclude: { kinds: [quota] }\n',
    );
    expect(mapping).toBeDefined();
    expect(issues.map((i) => [i.severity, i.path, i.code])).toEqual([
      ['warning', '/volume_types/0/region', 'MAPPING_REGION_UNKNOWN'],
      ['warning', '/exclude/kinds', 'MAPPING_SELECTOR_OVERLAP'],
    ]);
  });
});

describe('validateMapping', () => {
  it('accepts the smallest mapping, the identity', () => {
    expect(validateMapping({ format: 'bascule.mapping/v1' })).toEqual([]);
  });

  it('reports every problem at once', () => {
    const issues = validateMapping({
      format: 'bascule.mapping/v1',
      flavors: [{ from: { name: 'a' }, to: {} }],
      images: [{ from: { name_regex: '(' }, to: { name: 'x' } }],
      names: [{ regex: 'a', replace: '$1' }],
      extra: true,
    });
    expect(issues.map((i) => [i.path, i.code]).sort()).toEqual([
      ['/extra', 'SCHEMA_UNKNOWN_FIELD'],
      ['/flavors/0/to', 'SCHEMA_MIN_PROPERTIES'],
      ['/images/0/from/name_regex', 'MAPPING_REGEX_INVALID'],
      ['/names/0/replace', 'MAPPING_REPLACE_GROUP'],
    ]);
  });

  it('counts $$ as a literal dollar, not a group', () => {
    expect(validateMapping({ format: 'bascule.mapping/v1', names: [{ regex: '^x', replace: '$$1' }] })).toEqual([]);
  });
});

describe('loadMapping', () => {
  it('throws MappingInvalidError (a UsageError: exit code 2) carrying every issue', async () => {
    const error = await loadMapping(join(CORPUS, 'one-of.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MappingInvalidError);
    expect(error).toBeInstanceOf(UsageError);
    const invalid = error as MappingInvalidError;
    expect(invalid.code).toBe('MAPPING_INVALID');
    expect(invalid.exitCode).toBe(EXIT.USAGE);
    expect(invalid.issues.filter((i) => i.severity === 'error')).toHaveLength(7);
    expect(invalid.message).toContain('/flavors/3/to/shape');
    expect(invalid.report()).toContain('(line 3, column 33)');
  });

  it('reports a missing file, a directory and a non-UTF-8 file as issues', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bascule-mapping-'));
    const latin1 = join(dir, 'latin1.yaml');
    await writeFile(latin1, Buffer.from([0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x3a, 0x20, 0xe9, 0x0a]));
    expect((await validateMappingFile(join(dir, 'missing.yaml'))).issues[0]?.code).toBe('FILE_UNREADABLE');
    expect((await validateMappingFile(dir)).issues[0]?.code).toBe('FILE_UNREADABLE');
    expect((await validateMappingFile(latin1)).issues[0]?.code).toBe('MAPPING_ENCODING');
  });
});

describe('the schema agrees with the TypeScript constants', () => {
  const defs = MAPPING_SCHEMA.$defs as Record<
    string,
    { properties: Record<string, { items?: { enum?: string[] }; properties?: Record<string, unknown> }> }
  >;
  it('name rule kinds are NAMED_KINDS; zone rule kinds are AZ_KINDS; selectors take every plan kind', () => {
    expect(defs.name_rule!.properties.kinds!.items!.enum).toEqual([...NAMED_KINDS]);
    // The same kinds (the schema lists the default ones first; AZ_KINDS comes in plan order).
    expect([...defs.az_rule!.properties.kinds!.items!.enum!].sort()).toEqual([...AZ_KINDS].sort());
    expect(defs.selector!.properties.kinds!.items!.enum).toEqual([...PLAN_KINDS]);
  });
});

describe('the schema agrees with the TypeScript types', () => {
  type Props = { properties: Record<string, { properties?: Record<string, unknown> }> };
  const defs = MAPPING_SCHEMA.$defs as Record<string, Props>;
  const props = (node: { properties?: Record<string, unknown> } | undefined) =>
    Object.keys(node?.properties ?? {}).sort();
  const sorted = (list: readonly string[]) => [...list].sort();
  it('every object has exactly the fields its type declares', () => {
    expect(props(MAPPING_SCHEMA as Props)).toEqual(sorted(MAPPING_FIELDS.mapping));
    expect(props(defs.cloud_ref)).toEqual(sorted(MAPPING_FIELDS.cloud_ref));
    expect(
      Object.keys(
        ((MAPPING_SCHEMA as Props).properties.regions as unknown as { items: { properties: object } }).items.properties,
      ).sort(),
    ).toEqual(sorted(MAPPING_FIELDS.region_rule));
    for (const rule of [
      'flavor_rule',
      'image_rule',
      'name_map_rule',
      'az_rule',
      'server_zone_rule',
      'name_rule',
      'selector',
    ] as const) {
      expect(props(defs[rule])).toEqual(sorted(MAPPING_FIELDS[rule]));
    }
    expect(props(defs.flavor_rule!.properties.from)).toEqual(sorted(MAPPING_FIELDS.flavor_match));
    expect(props(defs.flavor_rule!.properties.to)).toEqual(sorted(MAPPING_FIELDS.flavor_target));
    expect(props(defs.image_rule!.properties.from)).toEqual(sorted(MAPPING_FIELDS.image_match));
    expect(props(defs.image_rule!.properties.to)).toEqual(sorted(MAPPING_FIELDS.image_target));
    expect(props(defs.server_zone_rule!.properties.from)).toEqual(sorted(MAPPING_FIELDS.server_match));
  });
});

describe('docs/mapping.md documents the whole schema', () => {
  it('names every field of every object the schema declares', () => {
    const docs = readFileSync('docs/mapping.md', 'utf8');
    const fields = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        const record = node as Record<string, unknown>;
        if (typeof record.properties === 'object' && record.properties !== null)
          for (const name of Object.keys(record.properties)) fields.add(name);
        Object.values(record).forEach(walk);
      }
    };
    walk(MAPPING_SCHEMA);
    expect(fields.size).toBeGreaterThan(25);
    const missing = [...fields].filter((name) => !docs.includes(`\`${name}`) && !docs.includes(`${name}:`));
    expect(missing).toEqual([]);
  });
});
