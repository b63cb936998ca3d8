import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateValidators } from '../../scripts/build-validators.js';
import { assemblePlanSchema, planKindsModule, readPlanFormatParts, repositoryRoot } from '../../scripts/plan-parts.js';
import { KIND_EXTERNAL, KIND_REFS, PLAN_KINDS } from '../../src/plan/kinds.js';

describe('generated files', () => {
  it('are in step with their sources (regenerate with `npm run build:validators`)', async () => {
    const generated = generateValidators();
    expect(generated.map((g) => g.path).sort()).toEqual([
      'src/campaign/schema/campaign.validator.generated.ts',
      'src/mapping/schema/mapping.validator.generated.ts',
      'src/plan/kinds.generated.ts',
      'src/plan/schema/plan.schema.json',
      'src/plan/schema/plan.validator.generated.ts',
    ]);
    for (const file of generated) {
      const onDisk = await readFile(new URL(`../../${file.path}`, import.meta.url), 'utf8');
      expect(onDisk === file.text, `${file.path} is out of step with its sources`).toBe(true);
    }
  });
});

describe('the plan format assembled from the kinds', () => {
  it('each kind folder holds its part: schema definitions, order, external capability and references', () => {
    const parts = readPlanFormatParts();
    expect(parts.map((part) => part.kind)).toEqual([...PLAN_KINDS]);
    for (const part of parts) {
      expect(part.file).toBe(`src/kinds/${part.kind.replace(/_/g, '-')}/plan-format.json`);
      expect(part.external).toBe(KIND_EXTERNAL[part.kind as keyof typeof KIND_EXTERNAL]);
      expect(part.refs).toEqual(KIND_REFS[part.kind as keyof typeof KIND_REFS]);
      expect(Object.keys(part.defs)).toEqual([part.kind, `${part.kind}_refs`, `${part.kind}_entry`]);
    }
    const base = JSON.parse(readFileSync(join(repositoryRoot(), 'src/plan/schema/plan.base.json'), 'utf8')) as {
      $defs: Record<string, unknown>;
    };
    for (const kind of PLAN_KINDS) expect(base.$defs[kind], `${kind} is defined in the base schema`).toBeUndefined();
  });

  const scratch = (): string => {
    const root = mkdtempSync(join(tmpdir(), 'bascule-plan-parts-'));
    writeFileSync(join(root, 'package.json'), '{}');
    cpSync(join(repositoryRoot(), 'src/plan/schema/plan.base.json'), join(root, 'src/plan/schema/plan.base.json'), {
      recursive: true,
    });
    cpSync(join(repositoryRoot(), 'src/kinds/network'), join(root, 'src/kinds/network'), { recursive: true });
    // A network may reference a QoS policy: that kind comes with it.
    cpSync(join(repositoryRoot(), 'src/kinds/qos-policy'), join(root, 'src/kinds/qos-policy'), { recursive: true });
    return root;
  };
  const widget = {
    kind: 'widget',
    order: 650,
    external: 'never',
    refs: { network: { kind: 'network', list: false, ordered: false, required: true } },
    $defs: {
      widget: { type: 'object', additionalProperties: false, properties: { name: { $ref: '#/$defs/name' } } },
      widget_refs: { type: 'object', additionalProperties: false, properties: { network: { $ref: '#/$defs/key' } } },
      widget_entry: { type: 'object', properties: { kind: { const: 'widget' } } },
    },
  };

  it('a new kind folder with a plan-format.json adds its definitions, its resource choice and its tables', () => {
    const root = scratch();
    mkdirSync(join(root, 'src/kinds/widget'));
    writeFileSync(join(root, 'src/kinds/widget/plan-format.json'), JSON.stringify(widget));
    const parts = readPlanFormatParts(root);
    expect(parts.map((part) => part.kind)).toEqual(['qos_policy', 'network', 'widget']);
    const schema = assemblePlanSchema(parts, root) as { $defs: Record<string, { oneOf?: unknown[] }> };
    expect(schema.$defs.resource!.oneOf).toEqual([
      { $ref: '#/$defs/qos_policy_entry' },
      { $ref: '#/$defs/network_entry' },
      { $ref: '#/$defs/widget_entry' },
    ]);
    expect(schema.$defs.widget_refs).toEqual(widget.$defs.widget_refs);
    const module = planKindsModule(parts);
    expect(module).toContain('"widget": "never"');
    expect(module).toMatch(/PLAN_KINDS = \[\s*"qos_policy",\s*"network",\s*"widget"\s*\]/);
  });

  it('a fragment that does not match its folder, repeats an order or points to no kind is refused, naming the file', () => {
    const bad = (fragment: object, folder = 'widget') => {
      const root = scratch();
      mkdirSync(join(root, 'src/kinds', folder));
      writeFileSync(join(root, 'src/kinds', folder, 'plan-format.json'), JSON.stringify(fragment));
      return () => readPlanFormatParts(root);
    };
    expect(bad(widget, 'gadget')).toThrow('src/kinds/gadget/plan-format.json: kind widget does not match its folder');
    expect(bad({ ...widget, order: 600 })).toThrow(/plan-format\.json: order 600 is also/);
    expect(bad({ ...widget, refs: { box: { kind: 'box', list: false, ordered: false, required: false } } })).toThrow(
      'src/kinds/widget/plan-format.json: refs.box points to box, which is no plan kind',
    );
    expect(bad({ ...widget, $defs: { widget: {} } })).toThrow(
      '$defs must be exactly widget, widget_refs, widget_entry',
    );
  });
});
