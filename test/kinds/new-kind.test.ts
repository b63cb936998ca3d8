/**
 * "Adding a kind" (docs/architecture.md) holds: a kind the code base has never seen, declared the way a new kind's
 * folder declares it (a descriptor) and added as one registry line, flows through the graph, the dry run, an apply
 * and a second apply with no change to the generic layers. The plan format's part (its plan-format.json: order,
 * references, external capability, schema definitions) goes through the generator's functions into the tables of
 * src/plan/kinds.generated.ts, as `npm run build:validators` would write them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { applyPlan } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import { journalState, readJournal } from '../../src/engine/journal.js';
import type { PlanKind, RefDecl } from '../../src/plan/kinds.js';
import type * as Registry from '../../src/kinds/registry.js';
import type { PlanResource } from '../../src/plan/types.js';
import { FakeTarget, samplePlan } from '../engine/support/fake-writer.js';

const WIDGET = 'widget' as PlanKind;

// The kind's plan format part: src/kinds/widget/plan-format.json (its place in plan order, external capability,
// references and schema definitions). `npm run build:validators` would gather it into src/plan/kinds.generated.ts;
// here the generator's own functions build that module's tables from the real kinds' parts and this one.
const WIDGET_PLAN_FORMAT = vi.hoisted(() => ({
  kind: 'widget',
  order: 1800,
  external: 'never',
  refs: { network: { kind: 'network', list: false, ordered: false, required: true } },
  $defs: {
    widget: { type: 'object', properties: { name: { $ref: '#/$defs/name' }, colour: { type: 'string' } } },
    widget_refs: { type: 'object', properties: { network: { $ref: '#/$defs/key' } } },
    widget_entry: { type: 'object', properties: { kind: { const: 'widget' } } },
  },
}));
vi.mock('../../src/plan/kinds.generated.js', async () => {
  const parts = await import('../../scripts/plan-parts.js');
  const widget = parts.parsePlanFormatPart('widget', WIDGET_PLAN_FORMAT);
  return parts.planKindTables(parts.orderPlanFormatParts([...parts.readPlanFormatParts(), widget]));
});

// Steps 1 and 2: the kind's folder (here, its descriptor) and one registry line. The registry's lookups are the
// real ones for every other kind.
vi.mock('../../src/kinds/registry.js', async (importOriginal) => {
  const real = await importOriginal<typeof Registry>();
  const { defineKind, oneOf } = await import('../../src/kinds/descriptor.js');
  const { KIND_REFS } = await import('../../src/plan/kinds.js');
  const kind = 'widget' as PlanKind;
  const descriptor = defineKind({
    kind,
    service: 'network',
    refs: (KIND_REFS as unknown as Record<string, Readonly<Record<string, RefDecl>>>)[kind]!,
    external: 'never',
    lossy: [],
    sensitive: [],
    updatable: ['colour'],
    quota: oneOf('network', 'widget'),
  });
  const reader = {
    kind,
    list: async () => [],
    identify: (w: { id: string; name: string }) => ({ id: w.id, name: w.name }),
    toEntry: () => ({ spec: {}, refs: {}, source: { id: '' } }),
  };
  const KINDS = [...real.KINDS, { descriptor, reader }];
  const DESCRIPTORS = KINDS.map((entry) => entry.descriptor);
  return {
    ...real,
    KINDS,
    DESCRIPTORS,
    READERS: KINDS.map((entry) => entry.reader),
    descriptorOf: (k: PlanKind) => (k === kind ? descriptor : real.descriptorOf(k)),
    readerFor: (k: PlanKind) => (k === kind ? reader : real.readerFor(k)),
  };
});

const widget = (colour: string): PlanResource =>
  ({ kind: WIDGET, key: 'widget:w1', spec: { name: 'w1', colour }, refs: { network: 'network:a' } }) as never;

describe('a new kind: one folder and one registry line', () => {
  it('is ordered after what it refers to, created, journaled, left alone the second time, and updated in place', async () => {
    const target = new FakeTarget();
    const plan = samplePlan([widget('blue')]);

    const changes = await planChanges(plan, target.deps());
    const byKey = Object.fromEntries(changes.actions.map((a) => [a.key, a]));
    expect(byKey['widget:w1']).toMatchObject({ kind: WIDGET, action: 'create' });
    expect(changes.ok).toBe(true);
    expect(target.mutations()).toEqual([]);

    const journal = join(mkdtempSync(join(tmpdir(), 'bascule-new-kind-')), 'journal.jsonl');
    const result = await applyPlan(plan, target.deps(), { journalPath: journal });
    expect(result.ok).toBe(true);
    const creates = target.mutations().filter((c) => c.op === 'create');
    // The graph comes from its descriptor's references: its network is made before it.
    expect(creates.findIndex((c) => c.key === 'widget:w1')).toBeGreaterThan(
      creates.findIndex((c) => c.key === 'network:a'),
    );
    const [made] = target.ofKind(WIDGET);
    expect(made).toMatchObject({ name: 'w1' });
    expect(journalState(await readJournal(journal)).created.get('widget:w1')).toMatchObject({ kind: WIDGET });

    const again = await planChanges(plan, target.deps());
    expect(again.actions.find((a) => a.key === 'widget:w1')).toMatchObject({ action: 'no-op' });

    // Its descriptor says `colour` is updatable: a change is an update, not a conflict.
    const recoloured = await planChanges(samplePlan([widget('red')]), target.deps());
    expect(recoloured.actions.find((a) => a.key === 'widget:w1')).toMatchObject({
      action: 'update',
      changes: [{ field: 'colour', from: 'blue', to: 'red', updatable: true }],
    });
  });
});
