/** The hand-written TypeScript side (types.ts, kinds.ts) and the JSON Schema must say the same thing. */
import { describe, expect, it } from 'vitest';
import { KIND_EXTERNAL, KIND_REFS, PLAN_KINDS, type RefDecl, type RefsOf } from '../../src/plan/kinds.js';
import { PLAN_SCHEMA, lossyFields, sensitiveFields, specProperties } from '../../src/plan/schema.js';
import { QUOTA_FIELDS, SPEC_FIELDS } from '../../src/plan/types.js';

interface Node {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Node>;
  required?: string[];
  oneOf?: Node[];
  const?: unknown;
  [keyword: string]: unknown;
}
const defs = PLAN_SCHEMA.$defs as Record<string, Node>;

describe('schema and TypeScript stay in step', () => {
  it('the schema has one spec, one refs and one entry definition per kind, and no other kind', () => {
    const branches = (defs.resource!.oneOf ?? []).map((b) => b.$ref);
    expect(branches).toEqual(PLAN_KINDS.map((k) => `#/$defs/${k}_entry`));
    for (const kind of PLAN_KINDS) {
      expect(defs[kind], kind).toBeDefined();
      expect(defs[`${kind}_refs`], kind).toBeDefined();
      expect(defs[`${kind}_entry`]!.properties!.kind!.const).toBe(kind);
      expect(defs[`${kind}_entry`]!.properties!.spec!.$ref).toBe(`#/$defs/${kind}`);
    }
  });

  it.each(PLAN_KINDS)('%s: the spec properties equal SPEC_FIELDS and the spec refuses others', (kind) => {
    expect(Object.keys(specProperties(kind)).sort()).toEqual([...SPEC_FIELDS[kind]].sort());
    expect(defs[kind]!.additionalProperties).toBe(false);
  });

  it.each(PLAN_KINDS)('%s: the refs definition equals KIND_REFS (names, single or list, required)', (kind) => {
    const schemaRefs = defs[`${kind}_refs`]!;
    const decls = KIND_REFS[kind] as Record<string, RefDecl>;
    expect(schemaRefs.additionalProperties).toBe(false);
    expect(Object.keys(schemaRefs.properties ?? {}).sort()).toEqual(Object.keys(decls).sort());
    for (const [name, decl] of Object.entries(decls)) {
      expect(schemaRefs.properties![name]!.$ref, `${kind}.${name}`).toBe(
        decl.list ? '#/$defs/key_list' : '#/$defs/key',
      );
      expect(schemaRefs.properties![name]!.description, `${kind}.${name}`).toContain(`Points to: ${decl.kind}.`);
    }
    const required = Object.entries(decls)
      .filter(([, d]) => d.required)
      .map(([n]) => n)
      .sort();
    expect([...(schemaRefs.required ?? [])].sort()).toEqual(required);
    expect((defs[`${kind}_entry`]!.required ?? []).includes('refs')).toBe(required.length > 0);
  });

  it.each(PLAN_KINDS)('%s: the entry allows "external" exactly as KIND_EXTERNAL says', (kind) => {
    const entry = defs[`${kind}_entry`]!;
    const mode = KIND_EXTERNAL[kind];
    expect(Object.hasOwn(entry.properties!, 'external')).toBe(mode !== 'never');
    expect((entry.required ?? []).includes('external')).toBe(mode === 'always');
  });

  it('the quota sections equal QUOTA_FIELDS', () => {
    const sections = specProperties('quota') as Record<string, Node>;
    expect(Object.keys(sections).sort()).toEqual(Object.keys(QUOTA_FIELDS).sort());
    for (const [section, fields] of Object.entries(QUOTA_FIELDS)) {
      expect(Object.keys(sections[section]!.properties ?? {}).sort(), section).toEqual([...fields].sort());
      expect(sections[section]!.additionalProperties).toBe(false);
    }
  });

  it('parallel arrays named in KIND_REFS are arrays in the spec', () => {
    for (const kind of PLAN_KINDS) {
      for (const decl of Object.values(KIND_REFS[kind] as Record<string, RefDecl>)) {
        if (decl.parallel === undefined) continue;
        expect(decl.list && decl.ordered).toBe(true);
        expect(specProperties(kind)[decl.parallel]?.type).toBe('array');
      }
    }
  });

  it('lossyFields and sensitiveFields are read from the schema annotations', () => {
    expect(lossyFields('floating_ip')).toEqual(['floating_ip_address']);
    expect(lossyFields('port')).toEqual(['mac_address']);
    expect(lossyFields('router')).toEqual(['external_fixed_ips', 'distributed', 'ha']);
    expect(sensitiveFields('server')).toEqual(['user_data']);
    for (const kind of PLAN_KINDS) {
      const marked = Object.entries(specProperties(kind))
        .filter(([, s]) => s['x-bascule-lossy'] === true)
        .map(([n]) => n);
      expect(lossyFields(kind)).toEqual(marked);
    }
  });

  it('every spec property has a description (the reference docs are generated from them)', () => {
    for (const kind of PLAN_KINDS) {
      for (const [name, property] of Object.entries(specProperties(kind))) {
        const described =
          typeof property.description === 'string' ||
          (property.$ref !== undefined && typeof defs[property.$ref.split('/').pop()!]?.description === 'string');
        expect(described, `${kind}.${name}`).toBe(true);
      }
    }
  });
});

describe('RefsOf', () => {
  it('types the refs of a kind (required single keys, optional lists)', () => {
    const port: RefsOf<'port'> = { network: 'network:a', fixed_ips: ['subnet:a'] };
    const server: RefsOf<'server'> = { flavor: 'flavor:m1', ports: ['port:a'], boot_volume: 'volume:root' };
    // @ts-expect-error a port needs its network
    const missing: RefsOf<'port'> = { fixed_ips: [] };
    // @ts-expect-error a server's ports are a list
    const wrong: RefsOf<'server'> = { flavor: 'flavor:m1', ports: 'port:a' };
    expect([port, server, missing, wrong]).toHaveLength(4);
  });
});
