/**
 * Assembles the plan format from its parts: the shared schema src/plan/schema/plan.base.json and one fragment per kind,
 * src/kinds/<kind>/plan-format.json (its `<kind>`, `<kind>_refs` and `<kind>_entry` definitions, its place in plan
 * order, whether it may be external, and its references). Writes (through scripts/build-validators.ts) the published
 * src/plan/schema/plan.schema.json and src/plan/kinds.generated.ts (PLAN_KINDS, KIND_EXTERNAL, KIND_REFS), so that
 * src/plan, which imports nothing of src/kinds, still holds every table it needs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const EXTERNAL = ['never', 'optional', 'always'] as const;
const REF_FIELDS = new Set(['kind', 'list', 'ordered', 'required', 'parallel', 'repeats']);

/** One kind's fragment, as read from its folder. */
export interface PlanFormatPart {
  /** Relative to the repository root. */
  file: string;
  kind: string;
  order: number;
  external: (typeof EXTERNAL)[number];
  refs: JsonObject;
  defs: JsonObject;
}

/** The repository root: the nearest folder above this file with a package.json (from scripts/ or dist/scripts/). */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('no package.json above scripts/');
    dir = up;
  }
  return dir;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(file: string, message: string): never {
  throw new Error(`${file}: ${message}`);
}

/** Checks one kind's fragment (the parsed plan-format.json of src/kinds/<folder>/) and reads it. */
export function parsePlanFormatPart(folder: string, data: unknown): PlanFormatPart {
  const file = `src/kinds/${folder}/plan-format.json`;
  if (!isObject(data)) fail(file, 'must be an object');
  const { kind, order, external, refs, $defs } = data;
  if (typeof kind !== 'string' || !/^[a-z][a-z0-9_]*$/.test(kind)) fail(file, 'kind must be a snake_case name');
  if (kind.replace(/_/g, '-') !== folder) fail(file, `kind ${kind} does not match its folder ${folder}`);
  if (typeof order !== 'number' || !Number.isInteger(order)) fail(file, 'order must be an integer');
  if (!EXTERNAL.includes(external as never)) fail(file, `external must be one of ${EXTERNAL.join(', ')}`);
  if (!isObject(refs)) fail(file, 'refs must be an object');
  for (const [name, decl] of Object.entries(refs)) {
    if (!isObject(decl) || typeof decl.kind !== 'string') fail(file, `refs.${name} must name its target kind`);
    for (const field of Object.keys(decl)) if (!REF_FIELDS.has(field)) fail(file, `refs.${name}.${field} is unknown`);
    for (const field of ['list', 'ordered', 'required'])
      if (typeof decl[field] !== 'boolean') fail(file, `refs.${name}.${field} must be true or false`);
  }
  if (!isObject($defs)) fail(file, '$defs must be an object');
  const expected = [kind, `${kind}_refs`, `${kind}_entry`];
  if (Object.keys($defs).join() !== expected.join()) fail(file, `$defs must be exactly ${expected.join(', ')}`);
  return { file, kind, order, external: external as PlanFormatPart['external'], refs, defs: $defs };
}

/** The kinds' parts in plan order (by `order`, which no two share); every reference points to one of them. */
export function orderPlanFormatParts(parts: readonly PlanFormatPart[]): PlanFormatPart[] {
  const sorted = [...parts].sort((a, b) => a.order - b.order);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]!.order === sorted[i - 1]!.order)
      fail(sorted[i]!.file, `order ${sorted[i]!.order} is also ${sorted[i - 1]!.kind}'s`);
  const kinds = new Set(sorted.map((part) => part.kind));
  for (const part of sorted)
    for (const [name, decl] of Object.entries(part.refs))
      if (!kinds.has((decl as JsonObject).kind as string))
        fail(part.file, `refs.${name} points to ${String((decl as JsonObject).kind)}, which is no plan kind`);
  return sorted;
}

/** Every kind's fragment, in plan order. */
export function readPlanFormatParts(root = repositoryRoot()): PlanFormatPart[] {
  const parts: PlanFormatPart[] = [];
  const kindsDir = join(root, 'src/kinds');
  for (const folder of readdirSync(kindsDir).sort()) {
    const path = join(kindsDir, folder, 'plan-format.json');
    if (existsSync(path)) parts.push(parsePlanFormatPart(folder, JSON.parse(readFileSync(path, 'utf8'))));
  }
  return orderPlanFormatParts(parts);
}

/** The published plan schema: the base's shared definitions, then each kind's, and `resource` choosing among them. */
export function assemblePlanSchema(parts: PlanFormatPart[], root = repositoryRoot()): JsonObject {
  const file = 'src/plan/schema/plan.base.json';
  const base: unknown = JSON.parse(readFileSync(join(root, file), 'utf8'));
  if (!isObject(base) || !isObject(base.$defs)) fail(file, 'must be an object with $defs');
  const { $comment: _comment, ...schema } = base;
  const defs: JsonObject = { ...base.$defs };
  const resource = defs.resource;
  if (!isObject(resource) || !Array.isArray(resource.oneOf) || resource.oneOf.length !== 0)
    fail(file, '$defs.resource.oneOf must be an empty list (filled from the kinds)');
  defs.resource = { ...resource, oneOf: parts.map((part) => ({ $ref: `#/$defs/${part.kind}_entry` })) };
  for (const part of parts)
    for (const [name, def] of Object.entries(part.defs)) {
      if (Object.hasOwn(defs, name)) fail(part.file, `$defs.${name} is also defined in ${file}`);
      defs[name] = def;
    }
  return { ...schema, $defs: defs };
}

/** The tables src/plan/kinds.generated.ts holds, from the kinds' parts in plan order. */
export function planKindTables(parts: readonly PlanFormatPart[]) {
  return {
    PLAN_KINDS: parts.map((part) => part.kind),
    KIND_EXTERNAL: Object.fromEntries(parts.map((part) => [part.kind, part.external])),
    KIND_REFS: Object.fromEntries(parts.map((part) => [part.kind, part.refs])),
  };
}

/** src/plan/kinds.generated.ts: the kinds' order, external capability and references. */
export function planKindsModule(parts: PlanFormatPart[]): string {
  const { PLAN_KINDS: kinds, KIND_EXTERNAL: external, KIND_REFS: refs } = planKindTables(parts);
  const literal = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    '// GENERATED by scripts/build-validators.ts from src/kinds/<kind>/plan-format.json: do not edit; run',
    '// `npm run build:validators`. src/plan/kinds.ts re-exports these tables.',
    "import type { RefDecl } from './kinds.js';",
    '',
    "/** Every kind, in dependency order (each fragment's `order`). */",
    `export const PLAN_KINDS = ${literal(kinds)} as const;`,
    '',
    'type Kind = (typeof PLAN_KINDS)[number];',
    '',
    '/** Whether entries of a kind may be external references: never, optionally, or always. */',
    `export const KIND_EXTERNAL = ${literal(external)} as const satisfies Record<Kind, 'never' | 'optional' | 'always'>;`,
    '',
    '/** The references of each kind. */',
    `export const KIND_REFS = ${literal(refs)} as const satisfies Record<Kind, Readonly<Record<string, RefDecl>>>;`,
    '',
  ].join('\n');
}
