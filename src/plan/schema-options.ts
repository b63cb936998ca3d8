/**
 * What the plan schema is compiled with, shared by the validator generator (scripts/build-validators.ts) and the
 * generated validator (src/plan/schema/plan.validator.generated.ts, which calls these formats at run time).
 */
import type { Format } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { isCidr, isIp, isMac } from './ip.js';

/** Custom keywords: annotations the validator accepts and the code reads. */
export const LOSSY_KEYWORD = 'x-bascule-lossy';
export const SENSITIVE_KEYWORD = 'x-bascule-sensitive';
export const API_NAME_KEYWORD = 'x-bascule-api-name';

/** The string formats the plan schema uses (exactly these: strict mode refuses any other). */
export const PLAN_FORMATS: Readonly<Record<string, Format>> = {
  'date-time': fullFormats['date-time'],
  ip: { type: 'string', validate: isIp },
  cidr: { type: 'string', validate: isCidr },
  mac: { type: 'string', validate: isMac },
};
