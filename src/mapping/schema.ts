/** The mapping file's JSON Schema, compiled once with ajv (JSON Schema 2020-12, strict, allErrors). */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import schemaJson from './schema/mapping.schema.json' with { type: 'json' };

/** The schema as a plain object (read-only by convention). */
export const MAPPING_SCHEMA: Readonly<Record<string, unknown>> = schemaJson as Record<string, unknown>;
export const MAPPING_SCHEMA_URL = 'https://bascule.dev/schema/mapping/v1.json';

let compiled: ValidateFunction | undefined;

/** The compiled validator of a mapping document (compiled on first use, then reused). */
export function mappingValidator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, verbose: true });
    compiled = ajv.compile(MAPPING_SCHEMA);
  }
  return compiled;
}
