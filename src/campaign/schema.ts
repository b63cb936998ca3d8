/** The campaign file's JSON Schema, compiled once with ajv (JSON Schema 2020-12, strict, allErrors). */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import schemaJson from './schema/campaign.schema.json' with { type: 'json' };

export const CAMPAIGN_SCHEMA: Readonly<Record<string, unknown>> = schemaJson as Record<string, unknown>;
export const CAMPAIGN_FORMAT = 'bascule.campaign/v1';

let compiled: ValidateFunction | undefined;

export function campaignValidator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, verbose: true });
    compiled = ajv.compile(CAMPAIGN_SCHEMA);
  }
  return compiled;
}
