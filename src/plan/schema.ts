/** The plan's JSON Schema, compiled once with ajv (JSON Schema 2020-12, strict, allErrors), and what it declares. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as formatsModule from 'ajv-formats';
import schemaJson from './schema/plan.schema.json' with { type: 'json' };
import { isCidr, isIp, isMac } from './ip.js';
import { PLAN_KINDS, type PlanKind } from './kinds.js';

/** The schema as a plain object (read-only by convention). */
export const PLAN_SCHEMA: Readonly<Record<string, unknown>> = schemaJson as Record<string, unknown>;

/** Custom keywords: annotations the validator accepts and the code reads. */
export const LOSSY_KEYWORD = 'x-bascule-lossy';
export const SENSITIVE_KEYWORD = 'x-bascule-sensitive';
export const API_NAME_KEYWORD = 'x-bascule-api-name';

type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats = (formatsModule as unknown as { default: AddFormats | { default: AddFormats } }).default;
const applyFormats: AddFormats = typeof addFormats === 'function' ? addFormats : addFormats.default;

let compiled: ValidateFunction | undefined;

/** The compiled validator of a whole v1 plan (compiled on first use, then reused). */
export function planValidator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv2020({
      strict: true,
      allErrors: true,
      discriminator: true,
      allowUnionTypes: true,
      verbose: true,
    });
    applyFormats(ajv);
    ajv.addFormat('ip', { type: 'string', validate: isIp });
    ajv.addFormat('cidr', { type: 'string', validate: isCidr });
    ajv.addFormat('mac', { type: 'string', validate: isMac });
    ajv.addKeyword({ keyword: LOSSY_KEYWORD, schemaType: 'boolean' });
    ajv.addKeyword({ keyword: SENSITIVE_KEYWORD, schemaType: 'boolean' });
    ajv.addKeyword({ keyword: API_NAME_KEYWORD, schemaType: 'string' });
    compiled = ajv.compile(PLAN_SCHEMA);
  }
  return compiled;
}

export type { ErrorObject };

interface PropertySchema {
  $ref?: string;
  [keyword: string]: unknown;
}

function defs(): Record<string, { properties?: Record<string, PropertySchema>; required?: string[] }> {
  return PLAN_SCHEMA.$defs as Record<string, { properties?: Record<string, PropertySchema>; required?: string[] }>;
}

/** The properties of a kind's spec, as the schema declares them. */
export function specProperties(kind: PlanKind): Readonly<Record<string, PropertySchema>> {
  return defs()[kind]?.properties ?? {};
}

function fieldsWith(keyword: string): Record<PlanKind, readonly string[]> {
  return Object.fromEntries(
    PLAN_KINDS.map((kind) => [
      kind,
      Object.entries(specProperties(kind))
        .filter(([, schema]) => schema[keyword] === true)
        .map(([name]) => name),
    ]),
  ) as unknown as Record<PlanKind, readonly string[]>;
}

let lossyCache: Record<PlanKind, readonly string[]> | undefined;
let sensitiveCache: Record<PlanKind, readonly string[]> | undefined;

/**
 * The spec fields of a kind that the schema declares lossy (`"x-bascule-lossy": true`): the target may not be able to
 * reproduce them as they were (a floating IP address, a MAC, admin-only router flags).
 */
export function lossyFields(kind: PlanKind): readonly string[] {
  lossyCache ??= fieldsWith(LOSSY_KEYWORD);
  return lossyCache[kind];
}

/** The spec fields of a kind that the schema declares sensitive (`"x-bascule-sensitive": true`), e.g. user_data. */
export function sensitiveFields(kind: PlanKind): readonly string[] {
  sensitiveCache ??= fieldsWith(SENSITIVE_KEYWORD);
  return sensitiveCache[kind];
}

/** Resolves a '#/a/b' schema path (as in ajv's schemaPath) to the schema object there, if any. */
export function schemaAt(path: string): Record<string, unknown> | undefined {
  let node: unknown = PLAN_SCHEMA;
  for (const raw of path.replace(/^#\/?/, '').split('/')) {
    if (raw === '') continue;
    const segment = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined;
}
