/**
 * The kind descriptors against the plan format: every plan kind is registered once, in plan order, and what a
 * descriptor says about lossy and sensitive fields, references and externals is exactly what the plan schema and
 * src/plan/kinds.ts say. A kind whose descriptor and schema drift apart fails here.
 */
import { describe, expect, it } from 'vitest';
import { DESCRIPTORS, KINDS, descriptorOf, readerFor, writerFor } from '../../src/kinds/registry.js';
import { KIND_EXTERNAL, KIND_REFS, PLAN_KINDS } from '../../src/plan/kinds.js';
import { lossyFields, sensitiveFields, schemaAt } from '../../src/plan/schema.js';

describe('kind descriptors', () => {
  it('the registry lists every plan kind once, in plan order, with matching descriptor, reader and writer', () => {
    expect(DESCRIPTORS.map((d) => d.kind)).toEqual([...PLAN_KINDS]);
    for (const entry of KINDS) {
      expect(entry.reader.kind).toBe(entry.descriptor.kind);
      if (entry.writer) expect(entry.writer.kind).toBe(entry.descriptor.kind);
    }
  });

  for (const kind of PLAN_KINDS) {
    describe(kind, () => {
      const d = descriptorOf(kind);
      it('lossy and sensitive fields are the schema annotations', () => {
        expect([...d.lossy].sort()).toEqual([...lossyFields(kind)].sort());
        expect([...d.sensitive].sort()).toEqual([...sensitiveFields(kind)].sort());
      });
      it('references and external capability are the plan format', () => {
        expect(d.refs).toEqual(KIND_REFS[kind]);
        expect(d.external).toBe(KIND_EXTERNAL[kind]);
      });
      it('not-state fields are spec fields of the schema', () => {
        for (const field of d.notState ?? []) {
          const spec = schemaAt(`#/$defs/${kind}`);
          expect(spec, `the schema defines ${kind}`).toBeDefined();
          expect(Object.keys((spec!.properties ?? {}) as object)).toContain(field);
        }
      });
      it('the spec fields its capabilities name are fields of the schema', () => {
        const specFields = Object.keys((schemaAt(`#/$defs/${kind}`)?.properties ?? {}) as object);
        if (d.zones) expect(specFields).toContain(d.zones.field);
        if (d.exportedWith) expect(Object.keys(d.refs)).toContain(d.exportedWith);
        for (const ref of d.placeholderRefs ?? []) expect(Object.keys(d.refs)).toContain(ref);
        if (d.zones?.placement) expect(Object.keys(d.refs)).toContain(d.zones.placement.groupRef);
      });
      it('can be found on the target when it may be external or is match-only', () => {
        const findable = d.external !== 'never' || d.matchOnly === true;
        expect(typeof d.findExternal === 'function').toBe(findable);
      });
      it('has a writer exactly when Bascule creates it', () => {
        const created = !d.matchOnly && d.unmanaged === undefined;
        expect(writerFor(kind) !== undefined).toBe(created);
        expect(readerFor(kind).kind).toBe(kind);
      });
      it('its updatable fields are spec fields or references of the kind, and its writer updates them', () => {
        const specFields = Object.keys((schemaAt(`#/$defs/${kind}`)?.properties ?? {}) as object);
        for (const field of d.updatable ?? []) {
          if (field.startsWith('refs.')) expect(Object.keys(d.refs)).toContain(field.slice(5));
          else expect(specFields, `${kind}: updatable ${field}`).toContain(field);
        }
        if ((d.updatable ?? []).length > 0) expect(typeof writerFor(kind)?.update).toBe('function');
      });
    });
  }
});
